"""RSS 2.0 and Atom feeds of live articles: the site, and each category, tag and author.

Built on django.contrib.syndication with generators that add what readers and
aggregators expect of a news feed (content:encoded, dc:creator, media:content,
atom:updated, a WebSub hub link). Every address is absolute on settings.SITE_URL,
including links and pictures inside the story body. GUIDs are "<SITE_URL>/?p=<id>",
the WordPress form: they survive slug and date changes and an import keeps them.
"""

import mimetypes
from html import escape
from urllib.parse import urljoin

import nh3
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed, rfc3339_date
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from taggit.models import Tag

from authors.models import Author
from caching import fragments, keys
from categories.models import Category

from . import cache_keys
from .html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES
from .models import Article, load_tag_names, with_local_name
from .seo import absolute_url, edition_language, edition_site_name

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"

FULL, EXCERPT = "full", "excerpt"
# An upper bound only: any content change retires every entry at once.
ENTRY_SECONDS = 60 * 60


# -- generators --------------------------------------------------------------------


def _hub_url():
    # WebSub subscribers learn of new and corrected stories by push instead of polling.
    return getattr(settings, "WEBSUB_HUB_URL", "")


def _add_media(handler, item):
    media = item.get("media")
    if not media:
        return
    attrs = {"url": media["url"], "medium": "image"}
    for key, attr in (
        ("type", "type"),
        ("width", "width"),
        ("height", "height"),
        ("length", "fileSize"),
    ):
        if media.get(key):
            attrs[attr] = str(media[key])
    handler.startElement("media:content", attrs)
    if media.get("description"):
        handler.addQuickElement("media:description", media["description"])
    if media.get("credit"):
        handler.addQuickElement("media:credit", media["credit"])
    handler.endElement("media:content")


class NewsRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the content, Dublin Core, Media RSS and Atom extensions."""

    def rss_attributes(self):
        attrs = super().rss_attributes()
        attrs["xmlns:content"] = CONTENT_NS
        attrs["xmlns:dc"] = DC_NS
        attrs["xmlns:media"] = MEDIA_NS
        return attrs

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if _hub_url():
            handler.addQuickElement("atom:link", None, {"rel": "hub", "href": _hub_url()})
        if settings.PUBLISHER_LOGO_URL:
            handler.startElement("image", {})
            handler.addQuickElement("url", absolute_url(settings.PUBLISHER_LOGO_URL))
            handler.addQuickElement("title", self.feed["title"])
            handler.addQuickElement("link", self.feed["link"])
            handler.endElement("image")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("updateddate"):
            handler.addQuickElement("atom:updated", rfc3339_date(item["updateddate"]))
        for name, _url in item.get("creators", ()):
            handler.addQuickElement("dc:creator", name)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])
        _add_media(handler, item)


class NewsAtomFeed(Atom1Feed):
    """Atom 1.0 with every byline, the full story as <content> and Media RSS."""

    def root_attributes(self):
        attrs = super().root_attributes()
        attrs["xmlns:media"] = MEDIA_NS
        return attrs

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if _hub_url():
            handler.addQuickElement("link", None, {"rel": "hub", "href": _hub_url()})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, url in item.get("creators", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            if url:
                handler.addQuickElement("uri", url)
            handler.endElement("author")
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})
        _add_media(handler, item)


# -- item content ------------------------------------------------------------------


def absolute_body(html, base_url):
    """Sanitised `html` with every relative href/src made absolute against `base_url`."""

    def absolutise(tag, attr, value):
        if attr in ("href", "src", "cite") and value:
            return urljoin(base_url, value)
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=absolutise,
    )


def image_info(article):
    """The featured image as media:content / enclosure data, or None."""
    image = article.featured_image
    if image is None:
        return None
    length = image.file_size
    if not length:
        try:
            length = image.file.size
        except (OSError, ValueError):
            length = 0  # the file is missing from storage; the item must still go out
    return {
        "url": absolute_url(image.file.url),
        "type": mimetypes.guess_type(image.file.name)[0] or "image/jpeg",
        "width": image.width,
        "height": image.height,
        "length": length,
        "alt": image.alt_text,
        "description": article.featured_caption or image.alt_text,
        "credit": image.credit,
    }


def full_content(article, url):
    """What a full-text reader shows: picture, dateline, body and corrections."""
    parts = []
    media = image_info(article)
    if media:
        caption = " ".join(p for p in (article.featured_caption, media["credit"]) if p)
        parts.append(
            format_html(
                '<figure><img src="{}" alt="{}"{}>{}</figure>',
                media["url"],
                media["alt"],
                format_html(' width="{}" height="{}"', media["width"], media["height"])
                if media["width"] and media["height"]
                else "",
                format_html("<figcaption>{}</figcaption>", caption) if caption else "",
            )
        )
    if article.dateline:
        parts.append(format_html("<p><strong>{}</strong></p>", article.dateline))
    parts.append(absolute_body(article.body, url))
    corrections = list(article.corrections.all())
    if corrections:
        items = format_html_join(
            "",
            "<li><strong>{}</strong> ({}): {}</li>",
            (
                (c.get_kind_display(), timezone.localtime(c.noted_at).strftime("%Y-%m-%d"), c.text)
                for c in corrections
            ),
        )
        parts.append(format_html("<h2>Corrections and updates</h2><ul>{}</ul>", items))
    return "".join(str(p) for p in parts)


# -- feeds -------------------------------------------------------------------------


class ArticleFeed(Feed):
    """The newest live articles of the whole site (RSS 2.0)."""

    feed_type = NewsRssFeed
    url_name = "articles:feed"
    item_guid_is_permalink = False
    # False: a feed with no live story answers 404 (tags: see TagView).
    allow_empty = True

    @property
    def language(self):
        # The edition's (RSS <language>, Atom xml:lang): SITE_LANGUAGE for the default.
        return edition_language()

    def get_object(self, request, *args, **kwargs):
        return None

    def title(self, obj):
        return edition_site_name()

    def link(self, obj):
        return absolute_url(reverse("articles:home"))

    def description(self, obj):
        return settings.SITE_DESCRIPTION

    def subtitle(self, obj):
        return self.description(obj)

    def feed_url(self, obj):
        return absolute_url(reverse(self.url_name, kwargs=self.url_kwargs(obj)))

    def url_kwargs(self, obj):
        return {}

    def feed_guid(self, obj):
        return self.link(obj)

    def author_name(self, obj):
        # Atom requires an author for entries without a byline; the publisher is it.
        return settings.PUBLISHER_NAME

    def author_link(self, obj):
        return absolute_url(reverse("articles:home"))

    def feed_copyright(self, obj):
        return f"© {timezone.localtime().year} {settings.PUBLISHER_NAME}"

    def articles(self, obj):
        """Live articles of the edition this feed is about; the site feed leaves out the
        excluded sections."""
        return (
            Article.objects.live()
            .in_edition()
            .exclude(
                Q(category__exclude_from_main_feed=True)
                | Q(category__parent__exclude_from_main_feed=True)
            )
        )

    def content_mode(self, obj):
        return FULL if settings.FEED_FULL_TEXT else EXCERPT

    def items(self, obj):
        """The newest entries, each built once per change of its story and feed mode.

        Which stories a feed shows is one narrow id query; what an entry says
        (title, links, full text, bylines, picture) is cached under the story's
        keys (caching.fragments) and shared by every feed that carries the story
        (site, section, tag and author feeds, RSS and Atom). Rows are loaded
        only for entries missing from the cache, in one batch.
        """
        keys.record(*self.cache_keys(obj))
        ids = list(self.articles(obj).latest_first().card_ids()[: max(settings.FEED_SIZE, 0)])
        if not ids and not self.allow_empty and settings.FEED_SIZE > 0:
            raise Http404("No live story in this feed")
        mode = self.content_mode(obj)
        names = {pk: f"feed-entry:{mode}:{pk}" for pk in ids}
        found = fragments.get_many(list(names.values()))
        missing = [pk for pk in ids if names[pk] not in found]
        built = {}
        if missing:
            articles = list(
                Article.objects.filter(pk__in=missing)
                .select_related("category", "featured_image")
                .with_bylines()
                .prefetch_related("corrections")
            )
            load_tag_names(articles)
            built = {article.pk: self.entry(article, mode) for article in articles}
            shown = {article.pk: self.entry_keys(article) for article in articles}
            fragments.set_many(
                {names[pk]: (entry, shown[pk]) for pk, entry in built.items()},
                since=found.since,
                seconds=ENTRY_SECONDS,
            )
        entries = []
        for pk in ids:
            entry = found.get(names[pk]) or built.get(pk)
            if entry is not None:
                entries.append(entry)
        return entries

    def cache_keys(self, obj):
        """The list this feed is (caching keys)."""
        return [cache_keys.FEED]

    @staticmethod
    def entry_keys(article):
        """What an entry shows: the story's card keys and its tags (named as categories)."""
        return cache_keys.card_keys(article) | {cache_keys.tag(pk) for pk in article._tag_ids}

    def entry(self, article, mode):
        """Everything an item of the feed says about `article`, as plain data."""
        url = absolute_url(article.get_absolute_url())
        media = image_info(article)
        return {
            "title": article.title,
            "link": url,
            "guid": f"{settings.SITE_URL}/?p={article.pk}",
            # Readers treat <description> as HTML; the excerpt is plain text.
            "description": escape(article.excerpt, quote=False),
            "pubdate": article.publish_at,
            "updateddate": article.modified_at,
            "categories": [article.category.local_name, *article.tag_names],
            "enclosures": ([(media["url"], str(media["length"]), media["type"])] if media else []),
            "extra": {
                "content_html": full_content(article, url) if mode == FULL else None,
                "creators": [
                    (author.local_name, absolute_url(author.get_absolute_url()))
                    for author in article.ordered_authors
                ],
                "media": media,
            },
        }

    def item_title(self, item):
        return item["title"]

    def item_link(self, item):
        return item["link"]

    def item_guid(self, item):
        return item["guid"]

    def item_description(self, item):
        return item["description"]

    def item_pubdate(self, item):
        return item["pubdate"]

    def item_updateddate(self, item):
        return item["updateddate"]

    def item_categories(self, item):
        return item["categories"]

    def item_enclosures(self, item):
        return [Enclosure(*enclosure) for enclosure in item["enclosures"]]

    def item_extra_kwargs(self, item):
        return item["extra"]


class ArticleAtomFeed(ArticleFeed):
    """The site feed as Atom 1.0."""

    feed_type = NewsAtomFeed
    url_name = "articles:feed-atom"


class SectionFeedMixin:
    """Feeds of one category, tag or author, found by the slug in the address."""

    model = None
    slug_field_length = 200

    def get_object(self, request, slug):
        if len(slug) > self.slug_field_length:
            raise self.model.DoesNotExist  # answered 404 by Feed
        return get_object_or_404(self.model, slug=slug)

    def url_kwargs(self, obj):
        return {"slug": obj.slug}

    def title(self, obj):
        return f"{edition_site_name()} – {obj.local_name}"

    def link(self, obj):
        return absolute_url(self.page_url(obj))

    def page_url(self, obj):
        return obj.get_absolute_url()


class CategoryFeed(SectionFeedMixin, ArticleFeed):
    """A category's live articles, its subcategories' included (as on its page)."""

    model = Category
    url_name = "articles:category-feed"
    slug_field_length = Category._meta.get_field("slug").max_length

    def get_object(self, request, slug):
        if len(slug) > self.slug_field_length:
            raise Category.DoesNotExist
        return get_object_or_404(Category.objects.prefetch_related("children"), slug=slug)

    def description(self, obj):
        return obj.local_description or gettext(
            "%(section)s: the latest stories from %(site)s."
        ) % {"section": obj.local_name, "site": settings.SITE_NAME}

    def cache_keys(self, obj):
        key = cache_keys.section(obj.pk)
        return [key, cache_keys.listing(key)]

    def articles(self, obj):
        ids = [obj.pk, *(child.pk for child in obj.children.all())]
        return Article.objects.live().in_edition().filter(category_id__in=ids)

    def content_mode(self, obj):
        return obj.feed_content or super().content_mode(obj)


class CategoryAtomFeed(CategoryFeed):
    feed_type = NewsAtomFeed
    url_name = "articles:category-feed-atom"


class TagFeed(SectionFeedMixin, ArticleFeed):
    """Live articles with a tag; 404 while no live story has it."""

    model = Tag
    allow_empty = False
    url_name = "articles:tag-feed"
    slug_field_length = Tag._meta.get_field("slug").max_length

    def get_object(self, request, slug):
        if len(slug) > self.slug_field_length:
            raise Tag.DoesNotExist
        tags = Tag.objects.select_related("translation")
        return with_local_name(get_object_or_404(tags, slug=slug))

    def page_url(self, obj):
        return reverse("articles:tag", kwargs={"slug": obj.slug})

    def description(self, obj):
        return gettext("Stories tagged %(tag)s from %(site)s.") % {
            "tag": obj.local_name,
            "site": settings.SITE_NAME,
        }

    def cache_keys(self, obj):
        key = cache_keys.tag(obj.pk)
        return [key, cache_keys.listing(key)]

    def articles(self, obj):
        return Article.objects.live().in_edition().filter(tags=obj)


class TagAtomFeed(TagFeed):
    feed_type = NewsAtomFeed
    url_name = "articles:tag-feed-atom"


class AuthorFeed(SectionFeedMixin, ArticleFeed):
    """Live articles with an author's byline."""

    model = Author
    url_name = "articles:author-feed"
    slug_field_length = Author._meta.get_field("slug").max_length

    def description(self, obj):
        return gettext("Stories by %(author)s from %(site)s.") % {
            "author": obj.local_name,
            "site": settings.SITE_NAME,
        }

    def cache_keys(self, obj):
        key = cache_keys.author(obj.pk)
        return [key, cache_keys.listing(key)]

    def articles(self, obj):
        return Article.objects.live().in_edition().filter(bylines__author=obj)


class AuthorAtomFeed(AuthorFeed):
    feed_type = NewsAtomFeed
    url_name = "articles:author-feed-atom"
