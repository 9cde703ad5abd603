"""The e-mails: an edition's HTML (table layout, CSS inlined by css-inline) and text parts,
with one-click unsubscribe headers (RFC 8058); the confirmation e-mail."""

from email.utils import make_msgid

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext

from articles.models import Article

from . import tokens

# Stand-ins rendered once per edition, replaced per subscriber.
UNSUBSCRIBE, PREFERENCES = "__NEWSLETTER_UNSUBSCRIBE__", "__NEWSLETTER_PREFERENCES__"
_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def absolute(path):
    if path.startswith(("http://", "https://")):
        return path  # an edition on a host of its own
    return f"{settings.SITE_URL}{path}"


def links(subscriber):
    token = tokens.make(subscriber, tokens.MANAGE)
    return {
        UNSUBSCRIBE: absolute(reverse("newsletters:unsubscribe", args=[token])),
        PREFERENCES: absolute(reverse("newsletters:preferences", args=[token])),
    }


def stories(edition):
    """The edition's live stories in its order (a story unpublished since is left out)."""
    found = {
        a.pk: a
        for a in Article.objects.live()
        .filter(pk__in=edition.article_ids)
        .select_related("category")
    }
    return [found[pk] for pk in edition.article_ids if pk in found]


class Rendered:
    """An edition's two parts for one set of stories, with per-subscriber stand-ins."""

    def __init__(self, edition, articles):
        context = {
            "edition": edition,
            "articles": [(a, absolute(a.get_absolute_url())) for a in articles],
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "unsubscribe_url": UNSUBSCRIBE,
            "preferences_url": PREFERENCES,
        }
        self.html = _inliner.inline(render_to_string("newsletters/email/edition.html", context))
        self.text = render_to_string("newsletters/email/edition.txt", context)

    def message(self, edition, subscriber, *, connection=None):
        urls = links(subscriber)
        html, text = self.html, self.text
        for stand_in, url in urls.items():
            html, text = html.replace(stand_in, url), text.replace(stand_in, url)
        message = EmailMultiAlternatives(
            subject=edition.subject,
            body=text,
            from_email=settings.NEWSLETTER_FROM_EMAIL,
            to=[subscriber.email],
            connection=connection,
            headers={
                "List-Unsubscribe": f"<{urls[UNSUBSCRIBE]}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": f"{settings.SITE_NAME} {edition.get_kind_display()} "
                f"<{edition.kind}.newsletter.{_host()}>",
                "Message-ID": make_msgid(f"e{edition.pk}", domain=_host()),
            },
        )
        message.attach_alternative(html, "text/html")
        return message


def _host():
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"


def confirmation(subscriber):
    """The double opt-in e-mail: one signed link that expires."""
    token = tokens.make(subscriber, tokens.CONFIRM)
    context = {
        "confirm_url": absolute(reverse("newsletters:confirm", args=[token])),
        "site_name": settings.SITE_NAME,
        "hours": settings.NEWSLETTER_CONFIRM_MAX_AGE // 3600,
    }
    return EmailMultiAlternatives(
        subject=gettext("Confirm your subscription to %(site)s") % {"site": settings.SITE_NAME},
        body=render_to_string("newsletters/email/confirm.txt", context),
        from_email=settings.NEWSLETTER_FROM_EMAIL,
        to=[subscriber.email],
    )


def already_subscribed(subscriber):
    """Sent instead of a confirmation when the address is already subscribed."""
    context = {
        "preferences_url": links(subscriber)[PREFERENCES],
        "site_name": settings.SITE_NAME,
    }
    return EmailMultiAlternatives(
        subject=gettext("Your %(site)s newsletter subscription") % {"site": settings.SITE_NAME},
        body=render_to_string("newsletters/email/already.txt", context),
        from_email=settings.NEWSLETTER_FROM_EMAIL,
        to=[subscriber.email],
    )
