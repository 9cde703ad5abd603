"""Signed links of the newsletter: confirmation (expiring), preferences and unsubscribe."""

from django.conf import settings
from django.core import signing

CONFIRM, MANAGE = "newsletters.confirm", "newsletters.manage"


def make(subscriber, purpose):
    return signing.dumps([subscriber.pk, subscriber.key], salt=purpose, compress=True)


def read(token, purpose):
    """The Subscriber a token names, or None when it is forged, expired, or the
    subscriber is gone or has changed its key."""
    from .models import Subscriber

    max_age = settings.NEWSLETTER_CONFIRM_MAX_AGE if purpose == CONFIRM else None
    try:
        pk, key = signing.loads(token, salt=purpose, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Subscriber.objects.filter(pk=pk, key=key).first()
