"""A test URLconf: the site, and every page of it again under /armenian/ served in
Armenian (a stand-in for the Armenian edition's addresses)."""

from django.urls import include, path, resolve
from django.utils import translation


def in_armenian(request, rest):
    # Active for the rest of this request's thread, as a locale middleware leaves it:
    # what the page cache assembles after the view is Armenian too.
    translation.activate("hy")
    match = resolve(f"/{rest}", urlconf="newsroom.urls")
    return match.func(request, *match.args, **match.kwargs)


urlpatterns = [
    path("armenian/<path:rest>", in_armenian),
    path("", include("newsroom.urls")),
]
