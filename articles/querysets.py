"""Reads of articles: the one "live" rule, the QuerySet, and the few statements in SQL.

`ArticleQuerySet.live()` is what readers may see; `live_q()` says it as a Q (through
a relation too), `live_sql()` as a WHERE fragment for the statements written in SQL
below, and `is_live()` for one article's values. Tests compare each with live().

The statements in SQL (`lead_and_latest`, `newest_per_category`, `related_to`) run
on every uncached home and article page. Each is one statement over the indexes of
the articles table that stops after a few rows however large the archive grows; the
ORM cannot say "the newest N of each of these sections" in one statement on SQLite.
A story page's own reads (`story_at`, `body_pictures`, `bylines_and_tags`) are plain
statements written in SQL because the ORM composing them cost the page more than the
database answering them; they make the same instances (`_instances()`: the ORM's own
converters, `from_db()`). Only identifiers from the models' metadata and integer
constants are put in their text; every value goes as a parameter. Tests compare each
with a plain ORM version.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, models
from django.db.models import Q
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from images.renditions import with_renditions

from . import editions
from .cards import CardBatch, Cards

# The crops cards show (templates/articles/includes/article_card.html).
CARD_RATIOS = ("16:9",)
# How many of the newest stories of the section, and of each tag, are ranked.
RELATED_CANDIDATES = 100
# Only an article's first tags count (a story tagged with fifty words is rare).
RELATED_TAGS = 10
NEWEST_FIRST = "ORDER BY publish_at DESC, id DESC"


class Status(models.TextChoices):
    """An article's state (Article.Status)."""

    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


def live_q(prefix="", *, now=None):
    """What readers may see, as a Q: published, and due. `prefix` reaches articles
    through a relation ("articles__" from a category)."""
    return Q(
        **{
            f"{prefix}status": Status.PUBLISHED,
            f"{prefix}publish_at__lte": now or timezone.now(),
        }
    )


def live_sql(alias="", *, exclude=None, edition=None):
    """live_q() as a WHERE fragment with its parameters, for the few statements written
    in SQL (the statements below), in `edition` when given (in_edition()); tests
    compare it with live() on both databases."""
    prefix = f"{alias}." if alias else ""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = f"{prefix}status = %s AND {prefix}publish_at <= %s"
    params = [Status.PUBLISHED, now]
    if exclude is not None:
        sql, params = f"{sql} AND {prefix}id <> %s", [*params, exclude]
    if edition is not None:
        sql, params = f"{sql} AND {prefix}language = %s", [*params, edition]
    return sql, params


def listed_edition(edition=None):
    """The edition a listing shows: `edition`, else the page's (editions.current()); None
    on a one-edition site, where listings are not filtered at all."""
    if not editions.is_multilingual():
        return None
    return edition or editions.current()


def is_live(status, publish_at, *, now=None):
    """live_q() for one article's values (Article.is_live)."""
    return (
        status == Status.PUBLISHED
        and publish_at is not None
        and publish_at <= (now or timezone.now())
    )


class ArticleQuerySet(models.QuerySet):
    def live(self):
        """Articles a reader may see now: published, and due (the one rule: live_q())."""
        return self.filter(live_q())

    def in_edition(self, edition=None):
        """Only the stories of `edition` (default: the page's, editions.current()); every
        public listing, feed, sitemap and widget reads live().in_edition(). A no-op on
        a one-edition site."""
        code = listed_edition(edition)
        return self if code is None else self.filter(language=code)

    def scheduled(self):
        """Published articles whose time has not come yet."""
        return self.filter(status=Status.PUBLISHED, publish_at__gt=timezone.now())

    def side_effects_overdue(self, grace=timedelta(minutes=2)):
        """Live articles whose go-live side effects have not run `grace` after their time."""
        return self.live().filter(went_live_at__isnull=True, publish_at__lte=timezone.now() - grace)

    def for_listing(self):
        """Load what a card shows (category, bylines, picture and its renditions) up front.

        Not tags: cards don't show them, and prefetching taggit's manager costs a
        queryset build per article even when nothing reads it.
        """
        return (
            self.select_related("category", "featured_image")
            .with_bylines()
            .prefetch_related(*with_renditions("featured_image", ratios=CARD_RATIOS))
        )

    def with_bylines(self):
        """Prefetch the bylines with their authors, in one query."""
        bylines = self.model.bylines.rel.related_model.objects.select_related("author")
        return self.prefetch_related(models.Prefetch("bylines", queryset=bylines))

    def card_ids(self):
        """The ids only, for a listing of cards (articles.cards.Cards loads rows on demand)."""
        return self.values_list("id", flat=True)

    def listing_window(self, per_page):
        """The ids of the first LISTING_MAX_PAGES pages' worth: a listing never skips
        or counts more rows, and a page loads no row a cached card does not need."""
        return self.card_ids()[: per_page * settings.LISTING_MAX_PAGES]

    def card_batch(self):
        """A batch for the cards of one page: rows load together, with what cards show."""
        return CardBatch(self.model.objects.for_listing())

    def cards(self):
        """These articles (rows or ids, e.g. a page of card_ids()) as a Cards list."""
        return Cards(self, batch=self.card_batch())

    def latest_first(self):
        """Newest first; the id breaks ties so that pages never overlap."""
        return self.order_by("-publish_at", "-id")

    # -- statements in SQL: each reads the whole table, not this queryset's filters

    def _ids(self, sql, params):
        # On the request's reading database (a replica, or the one a reader is served
        # from while the primary is down), as the ORM's statements.
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def lead_and_latest(self, count, *, edition=None):
        """(id of the newest live featured story or None, ids of the `count` newest live),
        of the page's edition (in_edition())."""
        articles = self.model._meta.db_table
        live, live_params = live_sql(edition=listed_edition(edition))
        sql = (
            f"SELECT * FROM (SELECT id, 1 AS lead FROM {articles} WHERE is_featured = %s "  # nosec B608 # noqa: S608
            f"AND {live} {NEWEST_FIRST} LIMIT 1) AS featured UNION ALL "
            f"SELECT * FROM (SELECT id, 0 AS lead FROM {articles} WHERE {live} "
            f"{NEWEST_FIRST} LIMIT %s) AS newest"
        )
        rows = self._ids(sql, [True, *live_params, *live_params, count])
        featured = next((pk for pk, lead in rows if lead), None)
        return featured, [pk for pk, lead in rows if not lead]

    def newest_per_category(self, category_ids, per_category, *, exclude=None, edition=None):
        """{category id: [ids of its newest `per_category` live stories]}, newest first, of
        the page's edition (in_edition())."""
        if not category_ids:
            return {}
        articles = self.model._meta.db_table
        live, live_params = live_sql(exclude=exclude, edition=listed_edition(edition))
        parts, params = [], []
        for n, category_id in enumerate(category_ids):
            parts.append(
                f"SELECT * FROM (SELECT category_id, id, publish_at FROM {articles} "  # nosec B608 # noqa: S608
                f"WHERE category_id = %s AND {live} {NEWEST_FIRST} LIMIT %s) AS section_{n}"
            )
            params += [category_id, *live_params, per_category]
        newest = {}
        for category_id, pk, _when in self._ids(" UNION ALL ".join(parts), params):
            newest.setdefault(category_id, []).append(pk)
        return newest

    def related_to(self, article, tag_ids, *, limit):
        """The live stories most related to `article`, best first, with what a link shows
        (title, address, section name and address) and nothing else, in one statement.

        Candidates are the newest RELATED_CANDIDATES stories of the section and, for
        each of its first RELATED_TAGS tags, the RELATED_CANDIDATES stories most
        recently given that tag; they are ranked by how many of those tag lists they
        are in, then newest first. Of the section's, only the newest `limit` are read:
        a story drawn from the section alone ranks below every story sharing a tag and
        is picked, newest first, only for the places those leave; each of the newest
        `limit` that shares a tag takes one of those places, so the others are enough
        to fill the rest, and they are the ones the longer list would give. Every part
        is an index walk that stops early, so the page costs the same with 2,000 or
        200,000 stories. Each story's `shared` is the number of those tag lists it is in
        (0: from the section alone).
        """
        category_model = self.model._meta.get_field("category").related_model
        articles = self.model._meta.db_table
        tagged = TaggedItem._meta.db_table
        categories = category_model._meta.db_table
        content_type = ContentType.objects.get_for_model(self.model).pk
        # The story's own edition: related stories are read in the same language.
        edition = listed_edition(article.language)
        live, live_params = live_sql(exclude=article.pk, edition=edition)
        sources = [
            f"SELECT id, 0 AS shared FROM (SELECT id FROM {articles} WHERE category_id = %s "  # nosec B608 # noqa: S608
            f"AND {live} {NEWEST_FIRST} LIMIT {min(RELATED_CANDIDATES, int(limit))}) "
            "AS same_section"
        ]
        params = [article.category_id, *live_params]
        for n, tag_id in enumerate(list(tag_ids)[:RELATED_TAGS]):
            # Ids grow with time: the highest ids of a tag are its newest stories.
            sources.append(
                f"SELECT object_id, 1 FROM (SELECT object_id FROM {tagged} "  # nosec B608 # noqa: S608
                f"WHERE content_type_id = %s AND tag_id = %s "
                f"ORDER BY object_id DESC LIMIT {RELATED_CANDIDATES}) AS tag_{n}"
            )
            params += [content_type, tag_id]
        # Tagged candidates may be drafts, scheduled or the story itself: filter again.
        live_a, live_a_params = live_sql("a", exclude=article.pk, edition=edition)
        candidates = (
            f"(SELECT id, SUM(shared) AS shared FROM ({' UNION ALL '.join(sources)}) AS u "  # nosec B608 # noqa: S608
            f"GROUP BY id) AS candidates"
        )
        if connection.vendor == "postgresql":
            # Each candidate's row is looked up by its primary key alone. A plain
            # join (or a lookup that also names the status and time) lets a planner
            # without statistics (right after a bulk load) walk every live story for
            # each candidate instead; OFFSET 0 keeps the lateral subquery from being
            # flattened into such a join.
            stories_of = (
                f"CROSS JOIN LATERAL (SELECT * FROM {articles} WHERE id = candidates.id "  # nosec B608 # noqa: S608
                f"OFFSET 0) AS a"
            )
        else:
            stories_of = f"JOIN {articles} a ON a.id = candidates.id"
        # What a link shows, in the models' order of fields (_instances()).
        database = connections[self.db]
        quote = database.ops.quote_name
        shown = {"id", "title", "slug", "publish_at", "status", "category_id", "language"}
        deferred = [f.attname for f in self.model._meta.concrete_fields if f.attname not in shown]
        section = {"id", "name", "slug", "translations"}
        section_deferred = [
            f.attname for f in category_model._meta.concrete_fields if f.attname not in section
        ]
        sql = (
            f"SELECT {_columns(self.model, 'a', quote, deferred)}, "  # nosec B608 # noqa: S608
            f"{_columns(category_model, 'c', quote, section_deferred)}, "
            f"candidates.shared FROM {candidates} {stories_of} "
            f"JOIN {categories} c ON c.id = a.category_id WHERE {live_a} "
            f"ORDER BY candidates.shared DESC, a.publish_at DESC, a.id DESC LIMIT %s"
        )
        with database.cursor() as cursor:
            cursor.execute(sql, [*params, *live_a_params, limit])
            rows = cursor.fetchall()
        stories = _instances(self.model, rows, database, deferred)
        split = len(_loaded_fields(self.model, deferred))
        sections = _instances(
            category_model, [row[split:-1] for row in rows], database, section_deferred
        )
        for story, row_section, row in zip(stories, sections, rows, strict=True):
            story.shared = row[-1]
            story.category = row_section
        return stories

    def story_at(self, slug):
        """The article at `slug` (whatever its state), with its section and lead image,
        as `select_related("category", "featured_image").get(slug=slug)` loads them
        (the search vector deferred, as the manager does); None when there is none.
        In SQL: the ORM composing that statement cost a story page more than the
        database answering it (a test compares the two). The queryset's own filters do
        not apply."""
        category_model = self.model._meta.get_field("category").related_model
        image_model = self.model._meta.get_field("featured_image").related_model
        database = connections[self.db]
        quote = database.ops.quote_name
        deferred = ("search_vector",)
        sql = (
            f"SELECT {_columns(self.model, 'a', quote, deferred)}, "  # nosec B608 # noqa: S608
            f"{_columns(category_model, 'c', quote)}, "
            f"{_columns(image_model, 'i', quote)} "
            f"FROM {self.model._meta.db_table} a "
            f"JOIN {category_model._meta.db_table} c ON c.id = a.category_id "
            f"LEFT JOIN {image_model._meta.db_table} i ON i.id = a.featured_image_id "
            f"WHERE a.slug = %s"
        )
        with database.cursor() as cursor:
            cursor.execute(sql, [slug])
            row = cursor.fetchone()
        if row is None:
            return None
        ends = [len(_loaded_fields(self.model, deferred))]
        ends.append(ends[0] + len(category_model._meta.concrete_fields))
        (article,) = _instances(self.model, [row[: ends[0]]], database, deferred)
        (article.category,) = _instances(category_model, [row[ends[0] : ends[1]]], database)
        image = row[ends[1] :]
        # As select_related leaves a story without a lead picture: None, cached.
        article.featured_image = (
            _instances(image_model, [image], database)[0] if image[0] is not None else None
        )
        return article

    def body_pictures(self, pk):
        """The library images in story `pk`'s body (whole rows), in the order they were
        recorded: what `ArticleBodyImage.objects.filter(article_id=pk)
        .select_related("image")` reads, in SQL (a test compares the two)."""
        lines = self.model._meta.get_field("body_images").related_model
        image_model = lines._meta.get_field("image").related_model
        database = connections[self.db]
        sql = (
            f"SELECT {_columns(image_model, 'i', database.ops.quote_name)} "  # nosec B608 # noqa: S608
            f"FROM {lines._meta.db_table} l JOIN {image_model._meta.db_table} i "
            f"ON i.id = l.image_id WHERE l.article_id = %s ORDER BY l.id"
        )
        with database.cursor() as cursor:
            cursor.execute(sql, [pk])
            return _instances(image_model, cursor.fetchall(), database)

    def bylines_and_tags(self, pk):
        """(authors, corrected, tags) of story `pk`, for its page, in two statements:
        its bylines' authors in their order (whole rows, as select_related would load
        them) and whether it has corrections; its tags in the order they were given, as
        (id, name, slug, names in the other editions or None). `corrected` is None
        for a story without a byline (the corrections are then read apart).

        What `bylines.select_related("author")` with an Exists() and a values_list() of
        its tagged items read; the ORM composing them cost a story page more than the
        database answering them. Tests compare both with those ORM versions.
        """
        bylines = self.model._meta.get_field("bylines").related_model
        author_model = bylines._meta.get_field("author").related_model
        corrections = self.model._meta.get_field("corrections").related_model
        translation = Tag._meta.get_field("translation")
        # The request's reading database (a replica when the router allows one).
        database = connections[self.db]
        quote = database.ops.quote_name
        columns = _columns(author_model, "au", quote)
        order = quote(bylines._meta.get_field("order").column)
        authors_sql = (
            f"SELECT {columns}, EXISTS(SELECT 1 FROM {corrections._meta.db_table} "  # nosec B608 # noqa: S608
            f"WHERE article_id = %s) FROM {bylines._meta.db_table} b "
            f"JOIN {author_model._meta.db_table} au ON au.id = b.author_id "
            f"WHERE b.article_id = %s ORDER BY b.{order}, b.id"
        )
        tags_sql = (
            f"SELECT t.tag_id, g.name, g.slug, tr.names FROM {TaggedItem._meta.db_table} t "  # nosec B608 # noqa: S608
            f"JOIN {Tag._meta.db_table} g ON g.id = t.tag_id "
            f"LEFT JOIN {translation.related_model._meta.db_table} tr ON tr.tag_id = g.id "
            f"WHERE t.content_type_id = %s AND t.object_id = %s ORDER BY t.id"
        )
        content_type = ContentType.objects.get_for_model(self.model).pk
        with database.cursor() as cursor:
            cursor.execute(authors_sql, [pk, pk])
            author_rows = cursor.fetchall()
            cursor.execute(tags_sql, [content_type, pk])
            tag_rows = cursor.fetchall()
        authors = _instances(author_model, author_rows, database)
        # Known from the bylines' rows only (None: a story without a byline).
        corrected = bool(author_rows[0][-1]) if author_rows else None
        names_field = translation.related_model._meta.get_field("names")
        tags = [
            (tag_id, name, slug, _json_value(names_field, names, database))
            for tag_id, name, slug, names in tag_rows
        ]
        return authors, corrected, tags


# -- model instances from rows read in SQL, as the ORM would have made them --------------


def _loaded_fields(model, deferred=()):
    """`model`'s concrete fields in their order, but those named in `deferred`."""
    return [field for field in model._meta.concrete_fields if field.attname not in deferred]


def _columns(model, alias, quote, deferred=()):
    """The SELECT list of `model`'s concrete columns (but `deferred`) in order, under `alias`."""
    return ", ".join(f"{alias}.{quote(field.column)}" for field in _loaded_fields(model, deferred))


def _instances(model, rows, database, deferred=()):
    """Instances of `model` from `rows` that start with its columns (_columns() with the
    same `deferred`, which the instances leave deferred)."""
    fields = _loaded_fields(model, deferred)
    converters = []
    for n, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        steps = [*database.ops.get_db_converters(column), *column.get_db_converters(database)]
        if steps:
            converters.append((n, column, steps))
    names = [field.attname for field in fields]
    made = []
    for row in rows:
        values = list(row[: len(fields)])
        for n, column, steps in converters:
            for step in steps:
                values[n] = step(values[n], column, database)
        made.append(model.from_db(database.alias, names, values))
    return made


def _json_value(field, value, database):
    """A JSON column's value as the ORM gives it (a raw cursor may return its text;
    None stays None)."""
    return field.from_db_value(value, None, database) if isinstance(value, str) else value


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self):
        # The search vector is only read inside SQL (articles.search); loading it
        # would cost every page a few kilobytes per article, and a save would
        # write back a possibly stale copy (only loaded fields are saved).
        return super().get_queryset().defer("search_vector")
