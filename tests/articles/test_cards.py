"""Story cards and feed entries: built once until the story changes, shared by every page.

A card is a fragment (caching.fragments) stored under the keys it shows: the
story, its section, its bylines and its picture (articles.cache_keys.card_keys).
"""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import services
from articles.cards import card_name
from articles.models import Article
from articles.querysets import RELATED_CANDIDATES
from articles.templatetags.cards import article_cards
from caching import fragments, keys, schedule
from tests.caching.support import failing_cache
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    ImageFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db


def cards_of(ids):
    """A list of cards for `ids`, with a batch of its own (as one page's)."""
    return Article.objects.card_batch().cards(ids)


def related_pks(article, tag_ids, *, limit):
    return [story.pk for story in Article.objects.related_to(article, tag_ids, limit=limit)]


def _article_rows_loaded(queries):
    """How many queries loaded article rows by id for cards (the body column is a card's tell)."""
    return sum(
        '"articles_article"."body"' in q["sql"] and '"articles_article"."id" IN (' in q["sql"]
        for q in queries
    )


@pytest.fixture
def stories(db):
    section = CategoryFactory(name="Politics")
    author = AuthorFactory(name="Ani Hakobyan")
    return [
        ArticleFactory(
            title=f"Story {n}",
            category=section,
            authors=[author],
            publish_at=timezone.now() - timezone.timedelta(hours=n + 1),
        )
        for n in range(6)
    ]


def test_cards_render_once_and_then_cost_no_query(stories):
    ids = [story.pk for story in stories]
    # A card is kept until the next scheduled change of what it shows: the
    # schedule is read once per change of schedule, here before counting.
    schedule.upcoming()
    with CaptureQueriesContext(connection) as first:
        html = article_cards(cards_of(ids), show_category=True)
    assert [f"Story {n}" in html for n in range(6)] == [True] * 6
    assert html.index("Story 0") < html.index("Story 5")
    assert "Ani Hakobyan" in html and "Politics" in html
    assert _article_rows_loaded(first) == 1
    with CaptureQueriesContext(connection) as second:
        assert article_cards(cards_of(ids), show_category=True) == html
    assert len(second) == 0


def test_a_card_is_rebuilt_after_a_change(stories):
    story = stories[0]
    assert "Story 0" in article_cards(cards_of([story.pk]))
    story.title = "Story zero, amended"
    services.save_article(story, base_version=story.version)
    assert "Story zero, amended" in article_cards(cards_of([story.pk]))


def test_a_card_is_stored_under_the_keys_it_shows(stories):
    story = stories[0]
    picture = ImageFactory()
    Article.objects.filter(pk=story.pk).update(featured_image=picture)
    with keys.collecting() as shown:
        article_cards(cards_of([story.pk]), show_image=True)
    expected = {
        f"article:{story.pk}",
        f"section:{story.category_id}",
        f"image:{picture.pk}",
        *(f"author:{author.pk}" for author in story.ordered_authors),
    }
    assert shown == expected
    # Read from the cache, it still tells the page what it shows.
    with keys.collecting() as again:
        article_cards(cards_of([story.pk]), show_image=True)
    assert again == expected
    assert set(fragments.get_many([card_name(story.pk)])) == {card_name(story.pk)}


def test_a_change_drops_that_storys_cards_and_no_other(stories):
    first, second = stories[0], stories[1]
    article_cards(cards_of([first.pk, second.pk]))
    names = [card_name(first.pk), card_name(second.pk)]
    assert set(fragments.get_many(names)) == set(names)
    story = Article.objects.get(pk=first.pk)
    story.title = "Story zero, amended"
    services.save_article(story, base_version=story.version)
    assert set(fragments.get_many(names)) == {card_name(second.pk)}


def test_a_change_of_what_a_card_shows_drops_the_cards_that_show_it(stories):
    article_cards(cards_of([s.pk for s in stories]), show_category=True)
    elsewhere = ArticleFactory(title="Elsewhere")
    article_cards(cards_of([elsewhere.pk]), show_category=True)
    section = stories[0].category
    section.name = "Government"
    section.save()
    names = [card_name(s.pk) for s in stories] + [card_name(elsewhere.pk)]
    assert set(fragments.get_many(names)) == {card_name(elsewhere.pk)}
    assert "Government" in article_cards(cards_of([stories[0].pk]), show_category=True)


def test_card_variants_are_cached_apart(stories):
    story = stories[0]
    assert "card--large" in article_cards(cards_of([story.pk]), large=True)
    assert "card--large" not in article_cards(cards_of([story.pk]))


def test_cards_render_uncached_when_the_cache_fails(stories):
    with failing_cache():
        assert "Story 3" in article_cards(cards_of([stories[3].pk]))
        assert "Story 3" in article_cards(cards_of([stories[3].pk]))


def test_one_batch_loads_the_rows_of_every_list_of_a_page(stories):
    batch = Article.objects.card_batch()
    first = batch.cards([s.pk for s in stories[:3]])
    second = batch.cards([s.pk for s in stories[3:]])
    with CaptureQueriesContext(connection) as queries:
        assert [a.title for a in first.articles()] == ["Story 0", "Story 1", "Story 2"]
        assert [a.title for a in second.articles()] == ["Story 3", "Story 4", "Story 5"]
    assert _article_rows_loaded(queries) == 1


def test_unknown_card_options_are_refused(stories):
    from django import template

    with pytest.raises(template.TemplateSyntaxError):
        article_cards(cards_of([stories[0].pk]), colour="red")


def _home_queries(client):
    # Staff pages are rendered every time (their cards still come from the cache).
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    # (A signed-in page may also refresh its session: not the page's own work.)
    return [q for q in queries if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]]


def test_home_page_queries_do_not_grow_with_its_sections(client):
    client.force_login(StaffUserFactory(role="Editor"))
    for n in range(2):
        section = CategoryFactory(name=f"Section {n}", show_on_home=True)
        ArticleFactory.create_batch(5, category=section)
    cache.clear()
    two_sections = len(_home_queries(client))
    for n in range(2, 7):
        section = CategoryFactory(name=f"Section {n}", show_on_home=True)
        ArticleFactory.create_batch(5, category=section)
    cache.clear()
    seven_sections = _home_queries(client)
    assert len(seven_sections) == two_sections
    assert _article_rows_loaded(seven_sections) == 1
    # With its cards cached the page loads no article row at all.
    assert _article_rows_loaded(_home_queries(client)) == 0


def test_listing_pages_load_no_article_row_once_cards_are_cached(stories, client):
    client.force_login(StaffUserFactory(role="Editor"))
    url = stories[0].category.get_absolute_url()
    assert "Story 5" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert "Story 5" in html and "Ani Hakobyan" in html
    assert _article_rows_loaded(queries) == 0


# -- related stories ------------------------------------------------------------------


def test_related_stories_rank_shared_tags_then_recency(db):
    section, elsewhere = CategoryFactory(), CategoryFactory()
    now = timezone.now()

    def story(title, hours_ago, category=section, tags=(), **kwargs):
        return ArticleFactory(
            title=title,
            category=category,
            tags=list(tags),
            publish_at=now - timezone.timedelta(hours=hours_ago),
            **kwargs,
        )

    article = story("The story", 1, tags=["border", "talks", "water"])
    two_tags = story("Two tags, other section", 50, category=elsewhere, tags=["border", "talks"])
    one_tag_new = story("One tag, newer", 5, category=elsewhere, tags=["water"])
    one_tag_old = story("One tag, older", 40, tags=["border"])
    same_section = story("Same section, no tag", 2)
    story("Unrelated", 3, category=elsewhere, tags=["sport"])
    story("Draft sharing every tag", 1, tags=["border", "talks", "water"], draft=True)
    story("Scheduled sharing every tag", -5, tags=["border", "talks", "water"])
    ranked = related_pks(article, [t.pk for t in article.tags.all()], limit=10)
    assert ranked == [two_tags.pk, one_tag_new.pk, one_tag_old.pk, same_section.pk]


def test_related_stories_without_tags_are_the_newest_of_the_section(db):
    section = CategoryFactory()
    now = timezone.now()
    article = ArticleFactory(category=section, publish_at=now - timezone.timedelta(hours=1))
    older, newer = (
        ArticleFactory(category=section, publish_at=now - timezone.timedelta(hours=h))
        for h in (9, 3)
    )
    ArticleFactory(publish_at=now - timezone.timedelta(hours=2))  # another section
    assert related_pks(article, [], limit=4) == [newer.pk, older.pk]


def test_related_stories_rank_only_the_newest_candidates(db):
    # The cost stays flat as the archive grows: a story older than the newest
    # RELATED_CANDIDATES of its section and of its tags is not ranked.
    section = CategoryFactory()
    now = timezone.now()
    article = ArticleFactory(category=section, tags=["border"], publish_at=now)
    ancient = ArticleFactory(
        category=section, tags=["border"], publish_at=now - timezone.timedelta(days=3650)
    )
    Article.objects.bulk_create(
        Article(
            title=f"Filler {n}",
            slug=f"filler-{n}",
            body="<p>Filler.</p>",
            category=section,
            status=Article.Status.PUBLISHED,
            publish_at=now - timezone.timedelta(hours=n + 1),
        )
        for n in range(RELATED_CANDIDATES)
    )
    ranked = related_pks(article, [t.pk for t in article.tags.all()], limit=RELATED_CANDIDATES + 1)
    assert ancient.pk in ranked  # still the newest story sharing the tag
    assert ranked[0] == ancient.pk  # and it shares a tag, which ranks first
    assert len(ranked) == RELATED_CANDIDATES + 1
    assert related_pks(article, [], limit=RELATED_CANDIDATES + 5) == ranked[1:]


def test_home_blocks_take_the_newest_live_stories_of_each_section(db):
    now = timezone.now()
    first, second, empty = CategoryFactory(), CategoryFactory(), CategoryFactory()
    stories = {
        section: [
            ArticleFactory(category=section, publish_at=now - timezone.timedelta(hours=h))
            for h in (5, 1, 3, 2, 4)
        ]
        for section in (first, second)
    }
    ArticleFactory(category=first, scheduled=True)
    ArticleFactory(category=first, draft=True)
    lead = stories[second][1]
    newest = Article.objects.newest_per_category(
        [first.pk, second.pk, empty.pk], 3, exclude=lead.pk
    )
    by_age = {s: sorted(v, key=lambda a: a.publish_at, reverse=True) for s, v in stories.items()}
    assert newest[first.pk] == [a.pk for a in by_age[first][:3]]
    assert newest[second.pk] == [a.pk for a in by_age[second] if a != lead][:3]
    assert empty.pk not in newest
    assert Article.objects.newest_per_category([], 3) == {}


# -- listings stop at LISTING_MAX_PAGES ----------------------------------------------


@pytest.mark.parametrize("kind", ["category", "tag", "author", "year"])
def test_listings_stop_at_the_page_limit_and_point_to_the_archive(db, client, settings, kind):
    settings.ARTICLES_PER_PAGE = 2
    settings.LISTING_MAX_PAGES = 2
    section, author = CategoryFactory(slug="politics"), AuthorFactory(slug="ani")
    stories = [
        ArticleFactory(
            category=section,
            authors=[author],
            tags=["budget"],
            publish_at=datetime(2025, 6, 20 - n, 12, tzinfo=UTC),
        )
        for n in range(6)
    ]
    url = {
        "category": "/category/politics/",
        "tag": "/tag/budget/",
        "author": "/author/ani/",
        "year": "/2025/",
    }[kind]
    with CaptureQueriesContext(connection) as queries:
        last = client.get(url, {"page": 2})
    assert last.status_code == 200
    assert last.context["articles"].ids == [s.pk for s in stories[2:4]]
    assert last.context["page_obj"].paginator.num_pages == 2
    assert 'href="/2025/"' in last.content.decode()
    assert "Older stories in the archive" in last.content.decode()
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert counts and all("LIMIT" in sql for sql in counts)  # never counts the whole listing
    assert client.get(url, {"page": 3}).status_code == 404


def test_a_listing_within_the_page_limit_has_no_archive_link(db, client, settings):
    settings.ARTICLES_PER_PAGE = 2
    settings.LISTING_MAX_PAGES = 5
    section = CategoryFactory(slug="politics")
    ArticleFactory.create_batch(3, category=section)
    page = client.get("/category/politics/", {"page": 2})
    assert page.status_code == 200
    assert "Older stories in the archive" not in page.content.decode()


def test_month_archive_links_to_the_months_around_it(db, client):
    for month in (3, 5, 7):
        ArticleFactory(title=f"Month {month}", publish_at=datetime(2025, month, 10, 12, tzinfo=UTC))
    page = client.get("/2025/05/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Month 5" in html and "Month 3" not in html
    assert page.context["previous_month"].month == 3
    assert page.context["next_month"].month == 7


def test_the_lead_is_the_newest_live_featured_story(db):
    now = timezone.now()
    old_featured = ArticleFactory(is_featured=True, publish_at=now - timezone.timedelta(days=9))
    ArticleFactory(is_featured=True, scheduled=True)
    ArticleFactory(is_featured=True, draft=True)
    newest = [ArticleFactory(publish_at=now - timezone.timedelta(hours=h)).pk for h in (1, 2, 3)]
    assert Article.objects.lead_and_latest(2) == (old_featured.pk, newest[:2])
    old_featured.is_featured = False
    old_featured.save()
    assert Article.objects.lead_and_latest(5) == (None, [*newest, old_featured.pk])
