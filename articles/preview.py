"""Who may see an article that readers cannot see yet (draft, review, scheduled).

Two ways in: a staff member whose role lets them see the article, or anyone
holding a signed preview link (`?preview=<token>`) for that article until it
expires, e.g. a source checking a quote. The token names the article id only,
so it keeps working across edits; it cannot be altered to open another article.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing

from .services import can_view

PREVIEW_PARAM = "preview"
_SALT = "articles.preview"


def make_token(article):
    """A signed, timestamped token that opens `article`'s preview."""
    return signing.dumps({"article": article.pk}, salt=_SALT)


def preview_url(article):
    """The article's public address with a fresh preview token."""
    return f"{article.get_absolute_url()}?{urlencode({PREVIEW_PARAM: make_token(article)})}"


def token_article_id(token, *, max_age=None):
    """The article id a valid token names, or None when it is tampered with or expired."""
    if not token or len(token) > 500:
        return None
    if max_age is None:
        max_age = settings.ARTICLE_PREVIEW_MAX_AGE
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return data.get("article") if isinstance(data, dict) else None


def has_valid_token(request, article):
    """True when the request carries an unexpired preview token for `article`."""
    token = request.GET.get(PREVIEW_PARAM) if hasattr(request, "GET") else None
    return token is not None and token_article_id(token) == article.pk


def can_preview(request, article):
    """True when the request may see `article` before it is live."""
    if has_valid_token(request, article):
        return True
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return can_view(user, article)
