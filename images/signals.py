"""Signals of the image library, for apps that cache what they draw from it."""

from django.dispatch import Signal

# Sent with `image` after renditions of it were made or deleted: markup drawn
# before (falling back to the original file, or naming deleted crops) is stale.
renditions_changed = Signal()
