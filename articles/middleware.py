"""Old article addresses (changed slugs and dates, imported permalinks) answer 301; the
edition of a request is activated from its host or address."""

from django.http import HttpResponsePermanentRedirect
from django.http.request import split_domain_port
from django.utils import translation

from caching import keys

from . import cache_keys, editions
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


class EditionMiddleware:
    """Activate the edition of the request: its host's (EDITION_HOSTS), else the one its
    path's prefix names (`/hy/...`), else the default edition.

    Not Django's LocaleMiddleware: no Accept-Language guessing and no `Vary:
    Accept-Language`, so a cached page depends on its address alone. Outside the page
    cache: a hit is answered in the edition's language too, and carries its
    Content-Language. On a one-edition site it passes requests through untouched
    (checked per request, not by leaving the stack: a server started as a one-edition
    site, as tests' live server is, must follow a change of LANGUAGES).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not editions.is_multilingual():
            return self.get_response(request)
        hosted = None
        if editions.hosts():
            hosted = editions.for_host(split_domain_port(request.get_host())[0])
        if hosted is None:
            code = editions.path_edition(request.path_info) or editions.default()
            if code in editions.hosts() and request.method in ("GET", "HEAD"):
                # This edition lives on its own host: its prefixed addresses move there.
                path = request.get_full_path()[len(code) + 1 :]
                return HttpResponsePermanentRedirect(editions.origin(code) + path)
        else:
            code = hosted
            request.urlconf = editions.host_urlconf(hosted)
        request.LANGUAGE_CODE = code
        previous = translation.get_language()
        translation.activate(code)
        try:
            with editions.on_host(hosted):
                response = self.get_response(request)
        finally:
            translation.activate(previous) if previous else translation.deactivate()
        response.headers.setdefault("Content-Language", code)
        return response
