"""Who may see an article that readers cannot see yet (draft, review, scheduled).

Two ways in: a staff member whose role lets them see the article, or anyone
holding a preview link (`?preview=<token>`), e.g. a source checking a quote.
Each link is a PreviewLink row (who minted it, when, for which state of the
story) and its token is signed and timestamped, naming the article and the
row's random key: it cannot be altered to open another article. A link opens
the story while it is in the state it was minted for (a draft or in review,
or scheduled) and follows edits of the text; a change of publication state
ends it for good (articles.services), as do an editor's revocation and
ARTICLE_PREVIEW_MAX_AGE. Only those who may edit the story mint links.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.utils import timezone

from . import services
from .models import PreviewLink
from .services import can_view

PREVIEW_PARAM = "preview"
_SALT = "articles.preview"


def token_for(link):
    """The signed, timestamped token of `link`."""
    return signing.dumps({"article": link.article_id, "link": link.key}, salt=_SALT)


def make_token(article, *, user=None):
    """A token of a new link to `article` (refused unless `user` may edit it)."""
    return token_for(services.mint_preview_link(article, user=user))


def link_url(article, link):
    """The article's public address carrying `link`'s token."""
    return f"{article.get_absolute_url()}?{urlencode({PREVIEW_PARAM: token_for(link)})}"


def preview_url(article, *, user=None):
    """The article's public address with a new link's token."""
    return link_url(article, services.mint_preview_link(article, user=user))


def editor_link(article, user):
    """The link the change form offers `user`: their newest open one with at least half
    its life left, else a new one (opening the form does not mint a link each time)."""
    fresh_since = timezone.now() - timedelta(seconds=settings.ARTICLE_PREVIEW_MAX_AGE / 2)
    for link in services.open_preview_links(article):
        if link.minted_by_id == user.pk and link.minted_at > fresh_since:
            return link
    return services.mint_preview_link(article, user=user)


def _payload(token, max_age):
    if not token or len(token) > 500:
        return None
    if max_age is None:
        max_age = settings.ARTICLE_PREVIEW_MAX_AGE
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return data if isinstance(data, dict) else None


def token_article_id(token, *, max_age=None):
    """The article id a valid token names, or None when it is tampered with or expired."""
    data = _payload(token, max_age)
    return data.get("article") if data else None


def has_valid_token(request, article):
    """True when the request carries a token of a link that opens `article` now."""
    token = request.GET.get(PREVIEW_PARAM) if hasattr(request, "GET") else None
    data = _payload(token, None)
    if not data or data.get("article") != article.pk or not isinstance(data.get("link"), str):
        return False
    link = PreviewLink.objects.filter(key=data["link"], article_id=article.pk).first()
    return link is not None and link.opens(article)


def can_preview(request, article):
    """True when the request may see `article` before it is live."""
    if has_valid_token(request, article):
        return True
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return can_view(user, article)
