"""Requests and pages around the WordPress-compatible API.

- WordPressRequestMiddleware (before the page cache): WordPress also answers
  `/?rest_route=/wp/v2/posts`, and clients send lists as `tags[]=3&tags[]=7`;
  both are rewritten to the plain form (`/wp-json/wp/v2/posts`, `tags=3,7`), so
  the page cache keys, stores and purges one answer for all spellings.
- ApiDiscoveryMiddleware: the `Link: <…/wp-json/>; rel="https://api.w.org/"`
  header WordPress sends with its pages, so clients find the API from any page.
  It adds a header only: no query, and the page cache stores it with the page.
"""

import re
from urllib.parse import parse_qsl, urlencode

from django.conf import settings

from caching.addresses import reverse_once

REST_ROUTE = "rest_route"
# What a route may look like (anything else is left to the home page).
ROUTE = re.compile(r"/?[A-Za-z0-9_\-./]*")


def _api_prefix():
    return reverse_once("wp:index")


def _normalised_query(query_string):
    """`a[]=1&a[]=2&b=3` -> `a=1,2&b=3`; None when there is nothing to join."""
    if "%5B%5D" not in query_string and "[]" not in query_string:
        return None
    joined = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name.endswith("[]"):
            base = name[:-2]
            previous = joined.get(base)
            joined[base] = f"{previous},{value}" if previous else value
        else:
            joined[name] = value
    return urlencode(joined)


class WordPressRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        prefix = _api_prefix()
        if request.path_info == "/" and REST_ROUTE in query:
            pairs = parse_qsl(query, keep_blank_values=True)
            route = dict(pairs).get(REST_ROUTE)
            if route is not None and ROUTE.fullmatch(route) and ".." not in route:
                path = prefix + route.lstrip("/")
                request.path_info = path
                request.path = request.META.get("SCRIPT_NAME", "").rstrip("/") + path
                request.META["PATH_INFO"] = path
                query = urlencode([(k, v) for k, v in pairs if k != REST_ROUTE])
                self._set_query(request, query)
        if request.path_info.startswith(prefix):
            normalised = _normalised_query(query)
            if normalised is not None:
                self._set_query(request, normalised)
        return self.get_response(request)

    @staticmethod
    def _set_query(request, query):
        request.META["QUERY_STRING"] = query
        # Django reads GET lazily from QUERY_STRING; drop a copy read already.
        request.__dict__.pop("GET", None)


class ApiDiscoveryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.get("Content-Type", "").startswith("text/html")
            and request.method in ("GET", "HEAD")
            and not request.path_info.startswith(_admin_prefixes())
        ):
            link = f'<{settings.SITE_URL}{_api_prefix()}>; rel="https://api.w.org/"'
            existing = response.get("Link")
            response["Link"] = f"{existing}, {link}" if existing else link
        return response


def _admin_prefixes():
    return (reverse_once("admin:index"),)
