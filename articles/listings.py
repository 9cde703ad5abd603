"""Which stories a public listing shows, as ids, in one narrow statement each.

These run on every uncached home and article page, so each is a single SQL
statement over the indexes of the articles table that stops after a few rows
however large the archive grows (no window over every story, no scan of a
whole section). They are written as SQL because the ORM cannot say "the newest
N of each of these sections" in one statement on both SQLite and PostgreSQL,
and spent longer composing the equivalent queries than the database spent
answering them. Only identifiers from the models' metadata and integer constants
are put in the text; every value goes as a parameter.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from taggit.models import TaggedItem

from categories.models import Category

from .models import Article, live_sql

# How many of the newest stories of the section, and of each tag, are ranked.
RELATED_CANDIDATES = 100
# Only an article's first tags count (a story tagged with fifty words is rare).
RELATED_TAGS = 10
NEWEST_FIRST = "ORDER BY publish_at DESC, id DESC"


def _live(exclude=None, alias=""):
    """A WHERE fragment for live stories (but `exclude`), with its parameters."""
    return live_sql(alias, exclude=exclude)


def _ids(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def lead_and_latest(count):
    """(id of the newest live featured story or None, ids of the `count` newest live stories)."""
    articles = Article._meta.db_table
    live, live_params = _live()
    sql = (
        f"SELECT * FROM (SELECT id, 1 AS lead FROM {articles} WHERE is_featured = %s "  # nosec B608 # noqa: S608
        f"AND {live} {NEWEST_FIRST} LIMIT 1) AS featured UNION ALL "
        f"SELECT * FROM (SELECT id, 0 AS lead FROM {articles} WHERE {live} "
        f"{NEWEST_FIRST} LIMIT %s) AS newest"
    )
    rows = _ids(sql, [True, *live_params, *live_params, count])
    featured = next((pk for pk, lead in rows if lead), None)
    return featured, [pk for pk, lead in rows if not lead]


def newest_per_category(category_ids, per_category, *, exclude=None):
    """{category id: [ids of its newest `per_category` live stories]}, newest first."""
    if not category_ids:
        return {}
    articles = Article._meta.db_table
    live, live_params = _live(exclude)
    parts, params = [], []
    for n, category_id in enumerate(category_ids):
        parts.append(
            f"SELECT * FROM (SELECT category_id, id, publish_at FROM {articles} "  # nosec B608 # noqa: S608
            f"WHERE category_id = %s AND {live} {NEWEST_FIRST} LIMIT %s) AS section_{n}"
        )
        params += [category_id, *live_params, per_category]
    newest = {}
    for category_id, pk, _when in _ids(" UNION ALL ".join(parts), params):
        newest.setdefault(category_id, []).append(pk)
    return newest


def related(article, tag_ids, *, limit):
    """The live stories most related to `article`, best first, with what a link shows
    (title, address, section name and address) and nothing else, in one statement.

    Candidates are the newest RELATED_CANDIDATES stories of the section and, for
    each of its first RELATED_TAGS tags, the RELATED_CANDIDATES stories most
    recently given that tag; they are ranked by how many of those tag lists they
    are in, then newest first. Every part is an index walk that stops early, so
    the page costs the same with 2,000 or 200,000 stories.
    """
    articles = Article._meta.db_table
    tagged = TaggedItem._meta.db_table
    categories = Category._meta.db_table
    content_type = ContentType.objects.get_for_model(Article).pk
    live, live_params = _live(exclude=article.pk)
    sources = [
        f"SELECT id, 0 AS shared FROM (SELECT id FROM {articles} WHERE category_id = %s "  # nosec B608 # noqa: S608
        f"AND {live} {NEWEST_FIRST} LIMIT {RELATED_CANDIDATES}) AS same_section"
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
    live_a, live_a_params = _live(exclude=article.pk, alias="a")
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
        where = f"WHERE {live_a}"
    else:
        stories_of = f"JOIN {articles} a ON a.id = candidates.id"
        where = f"WHERE {live_a}"
    sql = (
        f"SELECT a.id, a.title, a.slug, a.publish_at, a.status, a.category_id, "  # nosec B608 # noqa: S608
        f"c.name AS category_name, c.slug AS category_slug "
        f"FROM {candidates} {stories_of} "
        f"JOIN {categories} c ON c.id = a.category_id {where} "
        f"ORDER BY candidates.shared DESC, a.publish_at DESC, a.id DESC LIMIT %s"
    )
    stories = list(Article.objects.raw(sql, [*params, *live_a_params, limit]))
    for story in stories:
        story.category = Category(
            pk=story.category_id, name=story.category_name, slug=story.category_slug
        )
    return stories
