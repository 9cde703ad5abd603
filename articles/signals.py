"""Signals other apps listen to; `articles` never imports its listeners.

article_went_live(sender=Article, article=...)  -- sent by tasks.go_live once an
    article is live (published now, or its scheduled time has come).
article_changed(sender=Article, article=..., reason=...) -- sent after commit when
    what readers see of an article may have changed (edit, unpublish, correction).
"""

from django.dispatch import Signal

article_went_live = Signal()
article_changed = Signal()
