"""The article page's statements stay bounded on tables without planner statistics.

A WordPress import fills the tables, and until ANALYZE (import_wordpress runs it;
autovacuum may never) the planner knows nothing of them. Every statement of an
uncached article page must still read only a bounded number of rows: checked
with EXPLAIN ANALYZE on PostgreSQL, on an import whose ANALYZE is skipped.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.views import ArticleDetailView
from caching import fragments, schedule
from wordpress import bench as wxr_bench
from wordpress import services as wordpress_services

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="planner statistics are PostgreSQL's: set DATABASE_URL (CI does)",
    ),
]

POSTS = 1200
TABLES = [
    "articles_article",
    "taggit_taggeditem",
    "articles_articleauthor",
    "articles_articlebodyimage",
    "images_image",
    "images_rendition",
]
# More than a page needs, fewer than any of the imported tables holds.
ROW_BOUND = 1000
# The article page's own statements, a cold render of a story with pictures and no
# corrections (the story's row, its body's pictures, their renditions and the lead
# picture's, bylines with whether there are corrections, tags, related stories).
STORY_STATEMENTS = 6
# Library pictures: every imported story shows one in its body, each with renditions.
PICTURES = 300
RENDITION_WIDTHS = (320, 640, 1024, 1600)


def rows_examined(node):
    """The most rows any scan of the plan read (kept or filtered out), over all loops."""
    most = 0
    if "Scan" in node["Node Type"]:
        read = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
        read += node.get("Rows Removed by Index Recheck", 0)
        most = read * node.get("Actual Loops", 1)
    for child in node.get("Plans", []):
        most = max(most, rows_examined(child))
    return most


@pytest.fixture
def imported_without_statistics(tmp_path, monkeypatch):
    path = tmp_path / "export.xml"
    wxr_bench.write(str(path), POSTS)
    monkeypatch.setattr(wordpress_services, "analyze", lambda *models: None)
    report = wordpress_services.import_wxr(str(path), fetch_media=False)
    assert not report.error, report.error
    _pictured_bodies()
    with connection.cursor() as cursor:
        # An ANALYZE of an earlier test is rolled back from pg_statistic but not from
        # pg_class's row counts (updated in place): make the tables look as a fresh
        # load leaves them, never analysed, so that the order of tests cannot matter.
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute(
                "UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE relname = ANY(%s)",
                [TABLES],
            )
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = ANY(%s)", [TABLES])
        (statistics,) = cursor.fetchone()
    if statistics:
        pytest.skip("autovacuum analysed the tables meanwhile: nothing to prove")


def _pictured_bodies():
    """A picture library as a site's: PICTURES images with their renditions, one in the
    body of every story (rows made directly: the files are never read)."""
    from articles.models import ArticleBodyImage
    from images.models import Image, Rendition

    images = Image.objects.bulk_create(
        Image(file=f"images/planner/{n}.jpg", width=1600, height=900, title=f"Picture {n}")
        for n in range(PICTURES)
    )
    Rendition.objects.bulk_create(
        Rendition(
            image=image,
            ratio=ratio,
            width=width,
            height=width * 9 // 16,
            format=fmt,
            file=f"renditions/{image.pk}/{ratio.replace(':', 'x')}-{width}.{fmt}",
            focal="0.500,0.500",
        )
        for image in images
        for ratio in ("16:9", "original")
        for width in RENDITION_WIDTHS
        for fmt in ("webp", "jpeg")
    )
    stories = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    ArticleBodyImage.objects.bulk_create(
        ArticleBodyImage(article_id=pk, image=images[n % PICTURES]) for n, pk in enumerate(stories)
    )


def _give_pictures(story):
    """The story shows its body's picture and a lead picture."""
    from articles.models import ArticleBodyImage

    body_image = ArticleBodyImage.objects.select_related("image").get(article=story).image
    lead = ArticleBodyImage.objects.exclude(image=body_image).first().image
    figure = f'<figure class="image"><img src="{body_image.file.url}" alt="A picture"></figure>'
    Article.objects.filter(pk=story.pk).update(body=figure + story.body, featured_image=lead)


def assert_bounded(captured):
    for sql in [q["sql"] for q in captured]:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            (plan,) = cursor.fetchone()
        examined = rows_examined(plan[0]["Plan"])
        assert examined <= ROW_BOUND, (examined, sql)


def test_an_uncached_article_page_reads_bounded_rows_without_statistics(
    imported_without_statistics, client, render_anyway
):
    render = render_anyway
    story = Article.objects.live().filter(tags__isnull=False).latest_first()[40]
    _give_pictures(story)
    cache.clear()
    # The list of upcoming publications is read once per change of schedule for
    # the whole site (caching.schedule), not per page: read it first.
    schedule.upcoming()
    # The blocks the page shares with others, cached apart: the navigation and
    # the banner (through the section's page), Recent Posts.
    assert client.get(story.category.get_absolute_url(), headers=render).status_code == 200
    with CaptureQueriesContext(connection) as shared:
        client.get(f"/_fragment/recent-posts/?exclude={story.pk}", headers=render)
    assert_bounded(shared)
    # The page once, so that its holes are stored (Recent Posts, read above, is not:
    # the rendering was asked for), then the story's own fragments dropped.
    client.get(story.get_absolute_url(), headers=render)
    own = ArticleDetailView.own_fragments(story.pk)
    cache.delete_many([fragments.PREFIX + name for name in own])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(story.get_absolute_url(), headers=render)
    assert response.status_code == 200
    assert response.content.decode().count("<picture>") == 2
    assert len(captured) == STORY_STATEMENTS, "\n".join(q["sql"][:200] for q in captured)
    assert_bounded(captured)


def test_an_unchanged_story_renders_from_its_fragments_without_a_statement(
    client, render_anyway, django_assert_num_queries
):
    from tests.factories import ArticleFactory

    story = ArticleFactory()
    story.tags.add("budget")
    client.get(story.get_absolute_url(), headers=render_anyway)
    # Its row is cached with its fragments (articles.views.ArticleDetailView.remembered).
    with django_assert_num_queries(0):
        response = client.get(story.get_absolute_url(), headers=render_anyway)
    assert story.title in response.content.decode()
