"""Public pages of articles: home, story, tag, archives, search; they read, never write."""

import hashlib
import re
import secrets
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.paginator import InvalidPage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import get_template, render_to_string
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.views.generic import (
    DetailView,
    ListView,
    MonthArchiveView,
    TemplateView,
    YearArchiveView,
)
from taggit.models import Tag

from caching import blocks, fragments, keys
from categories.models import Category
from images.renditions import load_renditions

from . import bodyimages, cache_keys, editions, hooks, search, seo
from .cards import Cards
from .models import Article, ArticleRedirect, with_local_name
from .preview import can_preview
from .querysets import RELATED_TAGS
from .templatetags import seo as seo_tags


def home_layout():
    """The home page's numbers: the project's settings, or what an app registered
    under hooks.HOME_LAYOUT (the widgets app: an editor's choice in the admin)."""
    layout = {"latest": settings.HOME_LATEST_COUNT, "block_size": settings.HOME_BLOCK_SIZE}
    for hook in hooks.get_hooks(hooks.HOME_LAYOUT):
        layout.update(hook())
    return layout


RELATED_COUNT = 4
# A story page's fragments (ArticleDetailView.fragments()).
PARTS = ("meta", "main", "related")
# What a story page's cached frame leaves out (ArticleDetailView.framed()).
FRAME_SLOTS = ("related", "nonce")
# The meta description's length at most, in characters.
DESCRIPTION_LENGTH = 200
# The lead picture's crop, and the share picture's (articles.seo).
LEAD_RATIOS = ("16:9", "1.91:1")


@lru_cache(maxsize=1)
def frame_signature():
    """A digest of what a story page's frame (ArticleDetailView.framed()) takes from
    outside the story: the site's name and description, the static files' version (the
    manifest's hash, with hashed names) and the page's two templates. A frame cached
    before an upgrade changed one of them is not used."""
    parts = [
        settings.SITE_NAME,
        settings.SITE_DESCRIPTION,
        getattr(staticfiles_storage, "manifest_hash", None) or settings.STATIC_URL,
    ]
    for name in (ArticleDetailView.template_name, "base.html"):
        parts.append(get_template(name).template.source)
    return hashlib.md5("\0".join(parts).encode(), usedforsecurity=False).hexdigest()[:12]


@receiver(setting_changed)
def _frame_settings_changed(**kwargs):
    frame_signature.cache_clear()


class ListingMixin:
    """Paginated lists of articles (`articles` in the template), ARTICLES_PER_PAGE a page."""

    context_object_name = "articles"
    # The query parameters the page reads (caching: others are not part of its key).
    cache_params = ("page",)

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE


class CardListingMixin(ListingMixin):
    """A listing shown as cards: pages of ids; rows load only for cards not cached."""

    def live_articles(self):
        # Whole rows, lazily: date archives read their first and last row for the
        # month links; only the page itself is taken as ids.
        return Article.objects.live().in_edition().latest_first()

    def paginate_queryset(self, queryset, page_size):
        # Pages of ids (cards load rows only when not cached), at most
        # LISTING_MAX_PAGES of them; older stories are in the date archives.
        return super().paginate_queryset(queryset.listing_window(page_size), page_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["articles"] = Cards(context["articles"], batch=Article.objects.card_batch())
        return context


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        keys.record(cache_keys.HOME)
        lead, latest, blocks = self.lists(home_layout())
        # Every card of the page loads its row (when not cached) in one batch.
        batch = Article.objects.card_batch()
        context.update(
            lead=batch.cards([lead] if lead else []),
            latest=batch.cards(latest),
            category_blocks=[(category, batch.cards(ids)) for category, ids in blocks],
        )
        return context

    def lists(self, layout):
        """(lead id, latest ids, [(section, ids of its newest stories)]): which stories the
        page shows. Cached under the lists they are drawn from (`home`, each home
        section's own and its list, `sections`), so a page rendered again while none of
        them changed asks no statement; otherwise three: the lead and latest, the
        sections, their newest stories."""
        name = f"home-lists:{layout['latest']}:{layout['block_size']}"
        found = fragments.get_many([name])
        if name in found:
            return found[name]
        # The newest featured story leads; without one, the newest story does.
        featured, newest = Article.objects.lead_and_latest(layout["latest"] + 1)
        lead = featured or (newest[0] if newest else None)
        latest = [pk for pk in newest if pk != lead][: layout["latest"]]
        categories = list(Category.objects.filter(show_on_home=True))
        # Of the page's edition (in_edition()), as lead_and_latest().
        newest_by_section = Article.objects.newest_per_category(
            [c.pk for c in categories], layout["block_size"], exclude=lead
        )
        blocks = [(c, newest_by_section[c.pk]) for c in categories if newest_by_section.get(c.pk)]
        shown = {cache_keys.HOME, cache_keys.SECTIONS}
        for c in categories:
            shown.update((cache_keys.section(c.pk), cache_keys.listing(cache_keys.section(c.pk))))
        lists = (lead, latest, blocks)
        fragments.set_many({name: (lists, shown)}, since=found.since)
        return lists


class ArticleDetailView(DetailView):
    """A story's page: its row, then three fragments cached under what each shows.

    The metadata (<head>), the story itself (header, picture, body, corrections,
    tags, sharing, bylines) and the related stories are cached apart
    (caching.fragments), with what the page needs of the row (remembered()); the
    page every reader gets is put together from its frame, the page but its related
    stories (framed()). A page rendered again for a story that did not change (after
    a change of its related stories, say) reads the cache once, and only a missing
    fragment loads what it shows.
    """

    model = Article
    template_name = "articles/article_detail.html"
    # Whether the row was put in the cache in this rendering (fragments()).
    row_kept = False
    # What is kept with the row beyond its fields (facts).
    FACTS = ("description", "nav_section_slug", "tag_ids")
    context_object_name = "article"
    MAIN_TEMPLATE = "articles/includes/article_main.html"
    RELATED_TEMPLATE = "articles/includes/related.html"

    # What the page needs of a live story's row when its fragments are cached: kept
    # in the cache with them (`article-row:<slug>`, shown as `article:<id>`), so that
    # a page rendered again for a story that did not change reads no row at all.
    # In the model's order of fields, as Model.from_db() takes them.
    ROW_FIELDS = tuple(
        field.attname
        for field in Article._meta.concrete_fields
        if field.attname
        in {
            "id",
            "slug",
            "title",
            "status",
            "publish_at",
            "language",
            "translation_group",
            "category_id",
            "featured_image_id",
        }
    )

    def remembered(self):
        """The live story at this slug as last rendered (only the fields of ROW_FIELDS,
        the others deferred), from the cache; None when not cached."""
        name = self.row_name(self.kwargs["slug"])
        found = fragments.get_many([name])
        self.row_since = found.since
        # Written by this code with these fields (not by an older version's).
        if name not in found or found[name][0] != self.ROW_FIELDS:
            return None
        _, values, facts = found[name]
        if set(facts) != set(self.FACTS):
            return None
        self.facts = facts
        article = Article.from_db(None, self.ROW_FIELDS, values)
        article._remembered = True
        return article

    @staticmethod
    def row_name(slug):
        return f"article-row:{slug}"

    def get_object(self, queryset=None):
        # The row with its section and lead picture, in SQL (ArticleQuerySet.story_at).
        article = Article.objects.story_at(self.kwargs["slug"])
        if article is None:
            raise Http404("No article found matching the query")
        # Also when not live yet: its 404 must go when it is published.
        keys.record(cache_keys.article(article.pk))
        if not article.is_live and not can_preview(self.request, article):
            raise Http404("No article found matching the query")
        return article

    @staticmethod
    def prepare(article):
        """Load what the story shows beyond the row: its body's library pictures (one
        query, only when the body has any), the renditions of those and of the lead
        picture (one query), then the bylines, tags and corrections (two; three for a
        story with corrections: articles.models.Article.load_for_reading).
        Returns the body's pictures."""
        images = []
        if bodyimages.file_names(article.body):
            images = Article.objects.body_pictures(article.pk)
        pictured = [article.featured_image] if article.featured_image_id else []
        load_renditions([*pictured, *images], ratios=[*LEAD_RATIOS, "original"])
        article.load_for_reading()
        return images

    def get(self, request, *args, **kwargs):
        self.object = self.remembered() or self.get_object()
        if self.object.edition not in (None, editions.current()):
            # Asked under another edition's prefix (an old link, a hand-made address):
            # the story answers in its own edition only.
            target = self.object.get_absolute_url()
            if request.META.get("QUERY_STRING"):
                target = f"{target}?{request.META['QUERY_STRING']}"
            return redirect(target, permanent=True)
        when = self.object.local_publish_at
        # A live article answers at one address only; others move permanently.
        if self.object.is_live and (
            when.year != int(kwargs["year"]) or when.month != int(kwargs["month"])
        ):
            return redirect(self.object.get_absolute_url(), permanent=True)
        if self.object.is_live and blocks.as_includes():
            # The page every reader gets: from its frame (framed()).
            return HttpResponse(self.framed())
        context = self.get_context_data(object=self.object)
        response = self.render_to_response(context)
        if not self.object.is_live:
            # A preview must never be stored by a shared cache or indexed.
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    @cached_property
    def facts(self):
        """What the page needs of the story beyond its row and fragments: {description
        (its excerpt, shortened), nav_section_slug (its section, marked in the
        navigation), tag_ids (its tags in their order: its related stories are drawn
        from them)}. Kept with the row (remembered())."""
        article = self.object
        return {
            "description": Truncator(article.excerpt).chars(DESCRIPTION_LENGTH),
            "nav_section_slug": article.category.slug,
            "tag_ids": tuple(tag.pk for tag in article.tag_list),
        }

    def get_context_data(self, *, parts=PARTS, **kwargs):
        html = self.fragments(parts)
        # The row may have been loaded in full by fragments() (self.object).
        kwargs["object"] = self.object
        context = super().get_context_data(**kwargs)
        context["is_preview"] = not self.object.is_live
        context.update(self.facts, **html)
        return context

    def fragments(self, parts=PARTS):
        """{meta_html, main_html, related_html} (those of `parts`): from the cache, or
        built and stored."""
        article = self.object
        names = {part: self.part_name(part, article.pk) for part in parts}
        # A preview shows what readers may not see yet: never cached.
        found = fragments.get_many(list(names.values())) if article.is_live else {}
        html = {part: found[name] for part, name in names.items() if name in found}
        built = {}
        missing = names.keys() - html.keys()
        if getattr(article, "_remembered", False) and missing - {"related"}:
            # The story's own fragments are built from the whole row (the related
            # stories need only what is remembered with it: its section and tags).
            article = self.object = self.get_object()
        story = {"meta", "main"} & names.keys()
        if story - html.keys():
            images = self.prepare(article)
            body = bodyimages.render(article.body, images)
            shown = self.story_keys([image.pk for image in images])
            translations = self.translations()
            if article.translation_group is not None:
                shown.add(cache_keys.translations(article.translation_group))
            html["meta"] = seo_tags.render_meta(seo.article_meta(article, translations))
            html["main"] = render_to_string(
                self.MAIN_TEMPLATE,
                {"article": article, "body": body, "editions": self.switcher(translations)},
                request=self.request,
            )
            built[self.part_name("meta", article.pk)] = (html["meta"], shown)
            built[self.part_name("main", article.pk)] = (html["main"], shown)
        if "related" in names and "related" not in html:
            related = self.related_articles()
            html["related"] = render_to_string(
                self.RELATED_TEMPLATE, {"related": related}, request=self.request
            )
            built[names["related"]] = (html["related"], self.related_keys(related))
        if article.is_live and not getattr(article, "_remembered", False) and not self.row_kept:
            # Made last: the row's facts take the tags the story's fragments loaded.
            self.row_kept = True
            built[self.row_name(article.slug)] = (
                (
                    self.ROW_FIELDS,
                    tuple(getattr(article, name) for name in self.ROW_FIELDS),
                    self.facts,
                ),
                {cache_keys.article(article.pk), cache_keys.section(article.category_id)},
            )
            # Stored only when nothing was purged since the row was read.
            found.since = self.row_since
        if article.is_live:
            fragments.set_many(built, since=found.since)
        else:
            for _, shown in built.values():
                keys.record_all(shown)
        # Each part is the output of an autoescaping template.
        return {f"{part}_html": mark_safe(value) for part, value in html.items()}  # noqa: S308 # nosec B308 B703

    def framed(self):
        """The page of a live story as every reader gets it (the page cache's rendering):
        its frame with the related stories and this response's nonce put in.

        The frame is the whole page but those two: the story's fragments in base.html's
        and article_detail.html's markup, the navigation, the holes' includes. It is
        cached as `article-page:<id>` under what it shows, which is all the page shows
        but the related stories and the lists they come from: a page purged because a
        story was published in its section or a related story changed is rendered
        again from its frame and a new related list, without its templates.
        """
        article = self.object
        frame_name, related_name = (
            self.frame_name(article.pk),
            self.part_name("related", article.pk),
        )
        found = fragments.get_many([frame_name, related_name])
        frame = found.get(frame_name)
        if frame is None:
            frame = self.frame()
        if related_name in found:
            related = found[related_name]
        else:
            related = self.fragments(("related",))["related_html"]
        # As base.html would: no nonce on a site whose CSP middleware was taken out.
        slots = {"related": related, "nonce": str(getattr(self.request, "csp_nonce", ""))}
        return "".join(piece if i % 2 == 0 else slots[piece] for i, piece in enumerate(frame))

    def frame(self):
        """(markup, slot, markup, slot, markup) of the page, slots named as in FRAME_SLOTS;
        stored when the rendering has each slot once."""
        # Stand-ins no story's text can hold: new at each rendering.
        token = secrets.token_hex(12)
        with keys.collecting() as shown:
            context = self.get_context_data(
                object=self.object,
                parts=("meta", "main"),
                related_html=mark_safe(f"related-{token}"),  # noqa: S308 # nosec B308 B703
                page_nonce=f"nonce-{token}",
            )
            html = render_to_string(self.template_name, context, request=self.request)
        article = self.object
        pieces = re.split(f"((?:{'|'.join(FRAME_SLOTS)})-{token})", html)
        frame = tuple(p if i % 2 == 0 else p.partition("-")[0] for i, p in enumerate(pieces))
        if sorted(frame[1::2]) == sorted(FRAME_SLOTS):
            # The story's title and description and its section in the navigation.
            shown.update((cache_keys.article(article.pk), cache_keys.section(article.category_id)))
            # Since the row was read (remembered() is the rendering's first reading).
            fragments.set_many({self.frame_name(article.pk): (frame, shown)}, since=self.row_since)
        return frame

    @staticmethod
    def part_name(part, pk):
        """The fragment name of one part (PARTS) of story `pk`'s page."""
        return f"article-{part}:{pk}"

    @staticmethod
    def frame_name(pk):
        # A frame drawn from other templates, settings or static files is not used.
        return f"article-page:{pk}:{frame_signature()}"

    @classmethod
    def own_fragments(cls, pk):
        """The names of the fragments of story `pk`'s page that are its alone."""
        return [*(cls.part_name(part, pk) for part in PARTS), cls.frame_name(pk)]

    def translations(self):
        """The story's live translations into the site's other editions (one query, and
        only for a story that has been translated): [] on a one-edition site."""
        article = self.object
        if article.translation_group is None or not editions.is_multilingual():
            return []
        return list(
            Article.objects.live()
            .filter(translation_group=article.translation_group, language__in=editions.codes())
            .exclude(pk=article.pk)
            .only("pk", "title", "slug", "publish_at", "language")
        )

    def switcher(self, translations):
        """[(code, name in itself, story, is this one)] in edition order, or [] when the
        story is in one edition only."""
        if not translations:
            return []
        order = {code: n for n, code in enumerate(editions.codes())}
        stories = sorted([self.object, *translations], key=lambda s: order[s.language])
        return [
            (s.language, editions.local_name(s.language), s, s.pk == self.object.pk)
            for s in stories
        ]

    def story_keys(self, image_ids):
        """What the story's own fragments show (articles.cache_keys)."""
        article = self.object
        shown = cache_keys.card_keys(article)
        shown.update(cache_keys.tag(tag.pk) for tag in article.tag_list)
        shown.update(cache_keys.image(pk) for pk in image_ids)
        return shown

    def related_keys(self, related):
        """The related stories shown, and the lists they are drawn from (which depend
        on the story's own section and tags).

        The section's list counts only while a story drawn from the section alone (no
        tag shared) is shown, or fewer than RELATED_COUNT are: such stories rank below
        every story sharing a tag, so a story published in the section without one of
        these tags cannot enter a full list of stories that share tags; one with such a
        tag purges that tag's list. A story published in a busy section then leaves
        the pages of its section's older stories cached.
        """
        article = self.object
        shown = {cache_keys.article(article.pk)}
        if len(related) < RELATED_COUNT or any(not story.shared for story in related):
            shown.add(cache_keys.listing(cache_keys.section(article.category_id)))
        shown.update(
            cache_keys.listing(cache_keys.tag(pk)) for pk in self.facts["tag_ids"][:RELATED_TAGS]
        )
        for story in related:
            shown.update((cache_keys.article(story.pk), cache_keys.section(story.category_id)))
        return shown

    def related_articles(self):
        """Recent live stories sharing the most tags, then the same section; newest first."""
        return Article.objects.related_to(self.object, self.facts["tag_ids"], limit=RELATED_COUNT)


def day_permalink(request, year, month, day, slug):
    """/<yyyy>/<mm>/<dd>/<slug>/ (WordPress's day-and-name links) moves to the canonical address."""
    # An imported post's own old permalink wins over a guess by slug: its slug may
    # have been suffixed on import, and the plain slug may belong to another story.
    known = ArticleRedirect.objects.select_related("article").filter(old_path=request.path).first()
    if known is not None and known.article.is_live:
        keys.record(cache_keys.article(known.article_id))
        return redirect(known.article.get_absolute_url(), permanent=True)
    article = get_object_or_404(Article.objects.live(), slug=slug)
    keys.record(cache_keys.article(article.pk))
    return redirect(article.get_absolute_url(), permanent=True)


class ArchiveMixin(CardListingMixin):
    date_field = "publish_at"
    make_object_list = True
    allow_empty = False
    allow_future = False
    month_format = "%m"

    def get_queryset(self):
        return self.live_articles()

    def get_dated_items(self):
        try:
            return super().get_dated_items()
        except OverflowError as exc:
            # East of UTC, year 1 begins in a year UTC cannot write (/0001/).
            raise Http404("No such date") from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = int(self.get_year())
        month = self.kwargs.get("month")
        keys.record(f"archive:{year:04d}" if month is None else f"archive:{year:04d}-{month}")
        return context


class ArticleYearArchiveView(ArchiveMixin, YearArchiveView):
    template_name = "articles/article_archive_year.html"


class ArticleMonthArchiveView(ArchiveMixin, MonthArchiveView):
    template_name = "articles/article_archive_month.html"


class TagView(CardListingMixin, ListView):
    """A tag's live stories. A tag no live story has answers 404: anyone who writes may
    make a tag, and its name is public text only once a published story carries it."""

    template_name = "articles/tag_detail.html"

    @cached_property
    def tag(self):
        tags = Tag.objects.select_related("translation")
        return with_local_name(get_object_or_404(tags, slug=self.kwargs["slug"]))

    def get_queryset(self):
        # Recorded before the page is counted, so that an empty tag's cached 404 ends
        # when a live story gets the tag (its list key is purged then).
        keys.record(cache_keys.tag(self.tag.pk), cache_keys.listing(cache_keys.tag(self.tag.pk)))
        return self.live_articles().filter(tags=self.tag)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kw):
        # An empty first page is a 404, decided by the page's own count (no extra query).
        return super().get_paginator(queryset, per_page, orphans, False, **kw)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tag"] = self.tag
        return context


class SearchView(TemplateView):
    """/search/?q=&category=&author=&from=&to=&page=: ranked full-text search (articles.search).

    SearchForm reads the input. Filters that make no sense (an unknown section,
    a date that is no date) are dropped with a note on the page: a reader's
    typo in an address must not cost them their results.
    """

    template_name = "articles/search.html"
    cache_params = ("q", "category", "author", "from", "to", "page")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The section menu of the form; the category filter is looked up in it.
        # Read once, when first needed (a QuerySet keeps its rows): not for a bad page.
        categories = Category.objects.order_by("order", "name").only("name", "slug", "translations")
        form = search.SearchForm(self.request.GET, categories=categories)
        form.is_valid()
        if form.has_error("page"):
            raise Http404(f"Invalid page: {form.errors['page'][0]}")
        query, number, filters = form.cleaned_data["q"], form.cleaned_data["page"], form.filters
        try:
            page = search.search_page(
                query, page=number, per_page=settings.ARTICLES_PER_PAGE, **filters
            )
        except InvalidPage as error:
            raise Http404(f"Invalid page: {error}") from error
        params = {
            "q": query,
            "category": filters["category"].slug if filters["category"] else "",
            "author": filters["author"].slug if filters["author"] else "",
            "from": filters["date_from"].isoformat() if filters["date_from"] else "",
            "to": filters["date_to"].isoformat() if filters["date_to"] else "",
        }
        keys.record(cache_keys.SEARCH, cache_keys.SECTIONS)
        active = {key: value for key, value in params.items() if value}
        without_author = {key: value for key, value in active.items() if key != "author"}
        context.update(
            form=form,
            query=query,
            notes=form.notes,
            filters=filters,
            searched=bool(active),
            has_filters=any(value for key, value in active.items() if key != "q"),
            articles=page.results,
            # A SearchPage answers both for a page (number, has_next, ...) and for
            # its paginator (count, num_pages), under ListView's names.
            page_obj=page,
            paginator=page,
            typo_fallback=page.typo_fallback,
            categories=categories,
            filter_query=urlencode(active),
            without_author_query=urlencode(without_author),
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["page_obj"].timed_out:
            # Out of time is a moment's answer: ask again, never keep it in a cache.
            add_never_cache_headers(response)
        return response
