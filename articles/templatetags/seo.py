"""{% load seo %}: page metadata for the <head> of public pages (see articles/seo.py)."""

from django import template
from django.conf import settings
from django.template.loader import render_to_string

from .. import seo

register = template.Library()

META_TEMPLATE = "includes/seo/meta.html"


def _page_number(context):
    page_obj = context.get("page_obj")
    return getattr(page_obj, "number", 1) or 1


def render_meta(meta):
    """The <head> tags of `meta` (articles.seo), which depend on nothing of the request."""
    return render_to_string(META_TEMPLATE, {"meta": meta})


def _render(context, meta):
    return render_meta(meta)


@register.filter(name="json_ld")
def json_ld_filter(data):
    """A dict as a <script type="application/ld+json"> element."""
    return seo.json_ld(data)


@register.simple_tag(takes_context=True)
def seo_home(context):
    return _render(context, seo.home_meta())


@register.simple_tag(takes_context=True)
def seo_category(context, category):
    return _render(context, seo.category_meta(category, _page_number(context)))


@register.simple_tag(takes_context=True)
def seo_tag(context, tag):
    return _render(context, seo.tag_meta(tag, _page_number(context)))


@register.simple_tag(takes_context=True)
def seo_author(context, author):
    return _render(context, seo.author_meta(author, _page_number(context)))


@register.simple_tag(takes_context=True)
def seo_page(context, title=None, description=None, noindex=False):
    """Metadata of any other page, addressed by its own path (and page number)."""
    request = context.get("request")
    path = request.path if request is not None else "/"
    meta = seo.page_meta(
        title=title or settings.SITE_NAME,
        description=description or settings.SITE_DESCRIPTION,
        url=seo.paged_url(path, _page_number(context)),
        noindex=noindex,
    )
    return _render(context, meta)


@register.simple_tag
def site_feed_links():
    """<link rel="alternate"> to the site's RSS and Atom feeds. The same on every page
    of an edition: base.html shows it inside {% sitewide %}, made once per process."""
    return render_to_string("includes/seo/site_feeds.html", seo.site_feeds())
