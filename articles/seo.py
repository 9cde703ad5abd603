"""Search-engine and social metadata: Open Graph, Twitter cards and schema.org JSON-LD.

Pure functions of already-loaded objects returning plain dicts, so they are
cheap to test and never touch a relation a view did not load. Templates under
templates/includes/seo/ render them; `json_ld()` is the only way a dict reaches
a <script> element.
"""

import json
from urllib.parse import urljoin

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from images.renditions import og_image

from . import editions

DESCRIPTION_LENGTH = 200
SCHEMA = "https://schema.org"

# What json_script() escapes, plus the line separators JavaScript once choked on:
# with these, no string (a headline with "</script>") can end the element early.
_JSON_SCRIPT_ESCAPES = {
    ord(">"): "\\u003E",
    ord("<"): "\\u003C",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def json_ld(data):
    """`data` as a <script type="application/ld+json"> element, safe for any strings inside."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(
        _JSON_SCRIPT_ESCAPES
    )
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308


# -- addresses and values ---------------------------------------------------------


def absolute_url(url):
    """`url` (a path, or already absolute) on the public site address settings.SITE_URL
    (on an edition's own host, that host: editions.origin())."""
    if not url:
        return ""
    return urljoin(editions.origin() + "/", url)


def home_url():
    return absolute_url(reverse("articles:home"))


def iso(when):
    """An aware datetime in the site's time zone, ISO 8601 (what schema.org and OG expect)."""
    return timezone.localtime(when).isoformat(timespec="seconds") if when else None


def og_locale(language=None):
    """ "en-us" -> "en_US", "hy" -> "hy": the form Open Graph uses."""
    language = (language or settings.SITE_LANGUAGE).replace("_", "-")
    lang, _, region = language.partition("-")
    return f"{lang.lower()}_{region.upper()}" if region else lang.lower()


def describe(text):
    return Truncator(" ".join((text or "").split())).chars(DESCRIPTION_LENGTH)


def featured_image(article):
    """The article's share picture as {"url", "width", "height", "alt"}, or None.

    The 1.91:1 rendition 1200 pixels wide that Open Graph and Twitter cards
    expect, with its real size; the original file until that rendition exists.
    """
    image = article.featured_image
    if image is None:
        return None
    url, width, height = og_image(image)
    return {
        "url": absolute_url(url),
        "width": width,
        "height": height,
        "alt": image.alt_text or article.title,
    }


def fallback_image():
    url = settings.PUBLISHER_LOGO_URL
    if not url:
        return None
    return {"url": absolute_url(url), "width": None, "height": None, "alt": settings.SITE_NAME}


# -- JSON-LD ------------------------------------------------------------------------


def publisher():
    """The publishing Organization, with its logo when one is configured."""
    org = {"@type": "Organization", "name": settings.PUBLISHER_NAME, "url": home_url()}
    if settings.PUBLISHER_LOGO_URL:
        org["logo"] = {"@type": "ImageObject", "url": absolute_url(settings.PUBLISHER_LOGO_URL)}
    return org


def author_entity(author):
    """A byline as a schema.org Person or Organization (authors.Author.kind)."""
    kind = "Organization" if author.kind == author.Kind.ORGANIZATION else "Person"
    entity = {
        "@type": kind,
        "name": author.local_name,
        "url": absolute_url(author.get_absolute_url()),
    }
    same_as = [url for _label, url in author.social_links]
    if same_as:
        entity["sameAs"] = same_as
    return entity


def news_article(article):
    """schema.org NewsArticle for an article page."""
    url = absolute_url(article.get_absolute_url())
    image = featured_image(article) or fallback_image()
    authors = [author_entity(a) for a in article.ordered_authors]
    data = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "headline": article.title,
        "description": describe(article.excerpt),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": iso(article.publish_at),
        "dateModified": iso(article.modified_at),
        # Without a byline the story is the publisher's own.
        "author": authors or [publisher()],
        "publisher": publisher(),
        "articleSection": article.category.local_name,
        "keywords": article.tag_names,
        "inLanguage": article_language(article),
        "isAccessibleForFree": True,
    }
    if image:
        data["image"] = [image["url"]]
    if article.dateline:
        data["dateline"] = article.dateline
    return data


def article_language(article):
    """The language tag of an article: the site's (SITE_LANGUAGE, e.g. "en-us") for the
    default edition, the edition's code for the others."""
    return edition_language(article.language)


def edition_language(code=None):
    """The language tag of edition `code` (default: the page's): SITE_LANGUAGE for the
    default edition, the edition's code for the others."""
    code = code or editions.current()
    if code == editions.default():
        return settings.SITE_LANGUAGE
    return code


def edition_site_name(code=None):
    """The site's name for edition `code` (default: the page's): SITE_NAME, followed by
    the language's own name in the other editions ("Newsroom – Հայերեն")."""
    code = code or editions.current()
    if code == editions.default():
        return settings.SITE_NAME
    return f"{settings.SITE_NAME} – {editions.local_name(code)}"


def original_of(article, translations):
    """The story the others translate: the group's first (lowest id) story."""
    return min([article, *translations], key=lambda story: story.pk)


def translation_entities(article, translations):
    """schema.org links between an article and its live translations: the original
    lists its `workTranslation`s, a translation names its `translationOfWork`."""

    def entity(story):
        return {
            "@type": "NewsArticle",
            "@id": absolute_url(story.get_absolute_url()),
            "url": absolute_url(story.get_absolute_url()),
            "inLanguage": article_language(story),
            "headline": story.title,
        }

    original = original_of(article, translations)
    if original is article:
        return {"workTranslation": [entity(story) for story in translations]}
    return {"translationOfWork": entity(original)}


def hreflang_alternates(article, translations):
    """[(hreflang, absolute url)] of the story in every edition it is in, itself
    included (search engines want the list on every page of the group, the same
    on each), then x-default: the default edition's story, or the first edition's."""
    order = {code: n for n, code in enumerate(editions.codes())}
    stories = sorted([article, *translations], key=lambda s: order.get(s.language, len(order)))
    links = [(story.language, absolute_url(story.get_absolute_url())) for story in stories]
    return [*links, ("x-default", links[0][1])]


def breadcrumb_list(trail):
    """schema.org BreadcrumbList of (name, absolute url) pairs, outermost first."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": url}
            for n, (name, url) in enumerate(trail, start=1)
        ],
    }


def article_breadcrumbs(article):
    """Home > (parent category, when loaded) > category > article."""
    category = article.category
    trail = [(settings.SITE_NAME, home_url())]
    # The parent is named only when the view loaded it: metadata never adds a query.
    parent_field = type(category)._meta.get_field("parent")
    if category.parent_id and parent_field.is_cached(category):
        trail.append((category.parent.local_name, absolute_url(category.parent.get_absolute_url())))
    trail.append((category.local_name, absolute_url(category.get_absolute_url())))
    trail.append((article.title, absolute_url(article.get_absolute_url())))
    return breadcrumb_list(trail)


def organization():
    """schema.org Organization for the home page."""
    return {"@context": SCHEMA, **publisher()}


def website():
    """schema.org WebSite with a SearchAction (the search box search engines may show)."""
    search = absolute_url(reverse("articles:search"))
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": settings.SITE_NAME,
        "url": home_url(),
        "inLanguage": settings.SITE_LANGUAGE,
        "publisher": publisher(),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }


# -- page metadata (Open Graph, Twitter, canonical, alternates) ----------------------


def _feed(title, url_name, **kwargs):
    return {
        "type": "application/rss+xml",
        "title": title,
        "url": absolute_url(reverse(url_name, kwargs=kwargs)),
    }


def page_meta(*, title, description, url, image=None, noindex=False, feeds=(), json_ld=()):
    """Metadata of any public page; `url` is its absolute canonical address."""
    image = image or fallback_image()
    return {
        "type": "website",
        "site_name": settings.SITE_NAME,
        "locale": og_locale(),
        "title": title,
        "description": describe(description),
        "url": url,
        "canonical": url,
        "image": image,
        "noindex": noindex,
        "twitter_card": "summary_large_image" if image and image.get("width") else "summary",
        "twitter_site": settings.TWITTER_SITE,
        "feeds": list(feeds),
        "json_ld": list(json_ld),
    }


def article_meta(article, translations=()):
    """Metadata of an article page: og:type article, its times, section and tags; with
    `translations` (its live translations, on a site of several editions) the
    hreflang alternates, og:locale:alternate and the JSON-LD translation links."""
    url = absolute_url(article.get_absolute_url())
    story = news_article(article)
    if translations:
        story.update(translation_entities(article, translations))
    meta = page_meta(
        title=article.title,
        description=article.excerpt,
        url=url,
        image=featured_image(article),
        # Previews of drafts and scheduled stories must never be indexed.
        noindex=not article.is_live,
        json_ld=[story, article_breadcrumbs(article)],
    )
    meta["locale"] = og_locale(article_language(article))
    if translations:
        meta["hreflang"] = hreflang_alternates(article, translations)
        meta["locale_alternates"] = [og_locale(article_language(t)) for t in translations]
    meta.update(
        type="article",
        # A syndicated piece points search engines at the original.
        canonical=article.canonical_url or url,
        published_time=iso(article.publish_at),
        modified_time=iso(article.modified_at),
        section=article.category.local_name,
        tags=article.tag_names,
        authors=[absolute_url(a.get_absolute_url()) for a in article.ordered_authors],
    )
    if meta["image"] and article.featured_image_id:
        meta["twitter_card"] = "summary_large_image"
    return meta


def home_meta():
    return page_meta(
        title=settings.SITE_NAME,
        description=settings.SITE_DESCRIPTION,
        url=home_url(),
        json_ld=[organization(), website()],
    )


def category_meta(category, page=1):
    name = category.local_name
    return page_meta(
        title=name,
        description=category.local_description
        or gettext("%(section)s: the latest stories.") % {"section": name},
        url=paged_url(category.get_absolute_url(), page),
        feeds=[
            _feed(
                f"{settings.SITE_NAME} – {name}",
                "articles:category-feed",
                slug=category.slug,
            )
        ],
    )


def tag_meta(tag, page=1):
    name = getattr(tag, "local_name", tag.name)
    return page_meta(
        title=name,
        description=gettext("Stories tagged %(tag)s.") % {"tag": name},
        url=paged_url(reverse("articles:tag", kwargs={"slug": tag.slug}), page),
        feeds=[_feed(f"{settings.SITE_NAME} – {name}", "articles:tag-feed", slug=tag.slug)],
    )


def author_meta(author, page=1):
    image = None
    if author.photo:
        image = {
            "url": absolute_url(author.photo.url),
            "width": None,
            "height": None,
            "alt": author.local_name,
        }
    return page_meta(
        title=author.local_name,
        description=author.local_bio
        or gettext("Stories by %(author)s.") % {"author": author.local_name},
        url=paged_url(author.get_absolute_url(), page),
        image=image,
        feeds=[
            _feed(
                f"{settings.SITE_NAME} – {author.local_name}",
                "articles:author-feed",
                slug=author.slug,
            )
        ],
        json_ld=[{"@context": SCHEMA, "@type": "ProfilePage", "mainEntity": author_entity(author)}],
    )


def paged_url(path, page=1):
    """Absolute address of page `page` of a listing (page 1 has no parameter)."""
    url = absolute_url(path)
    return f"{url}?page={page}" if page and page > 1 else url


def site_feeds():
    """The site-wide feeds every page announces."""
    return {
        "title": settings.SITE_NAME,
        "rss": absolute_url(reverse("articles:feed")),
        "atom": absolute_url(reverse("articles:feed-atom")),
    }
