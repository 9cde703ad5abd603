"""Old article addresses (changed slugs and dates, imported permalinks) answer 301."""

from django.http import HttpResponsePermanentRedirect

from caching import keys

from . import cache_keys
from .models import ArticleRedirect


class ArticleRedirectFallbackMiddleware:
    """Answer a 404 at an article's old address with a 301 to where it lives now.

    Old addresses are kept when a published article's slug or date changes (and
    by imports). Like contrib.redirects, it only looks when nothing else answered,
    so a normal page costs no extra query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        if "\x00" in request.path:
            return response  # PostgreSQL refuses NUL in text; no stored address has one
        redirect = (
            ArticleRedirect.objects.select_related("article").filter(old_path=request.path).first()
        )
        if redirect is None or not redirect.article.is_live:
            return response
        # The address moves elsewhere only while the story is live there.
        keys.record(cache_keys.article(redirect.article_id))
        target = redirect.article.get_absolute_url()
        if request.META.get("QUERY_STRING"):
            target = f"{target}?{request.META['QUERY_STRING']}"
        return HttpResponsePermanentRedirect(target)
