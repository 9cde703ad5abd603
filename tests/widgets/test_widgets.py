import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone

from caching import blocks, keys, registry, schedule
from tests.factories import ArticleFactory, BreakingNewsFactory, CategoryFactory
from widgets import selectors
from widgets.templatetags.widgets import render_breaking_news, render_recent_posts


def ago(**kwargs):
    return timezone.now() - timezone.timedelta(**kwargs)


def test_recent_posts_are_the_newest_live_articles_without_the_one_being_read(db):
    reading = ArticleFactory(publish_at=ago(minutes=5))
    older = ArticleFactory(publish_at=ago(hours=13))
    newer = ArticleFactory(publish_at=ago(hours=12))
    ArticleFactory(draft=True)
    ArticleFactory(scheduled=True)
    assert selectors.recent_posts(exclude=reading, limit=6) == [newer, older]


def test_recent_posts_respect_the_limit(db):
    ArticleFactory.create_batch(8)
    assert len(selectors.recent_posts(limit=6)) == 6


def test_recent_posts_block_renders_in_one_query_with_machine_readable_times(
    db, django_assert_num_queries
):
    for hours in range(1, 30):
        ArticleFactory(publish_at=ago(hours=hours), dek="An excerpt for the sidebar.")
    selectors.widget_settings()  # the steady state: the blocks' settings are cached
    with django_assert_num_queries(1):
        html = render_recent_posts()
    assert html.count("<li") == 6
    assert html.count("data-relative") == 6
    assert "An excerpt for the sidebar." in html
    # The server prints an absolute date; wording like "12 hours ago" is the script's job.
    assert " ago" not in html


def test_recent_posts_and_the_banner_are_holes_of_their_own(db):
    assert registry.blocks["recent-posts"] == (render_recent_posts, ("exclude",))
    assert registry.blocks["breaking-news"] == (render_breaking_news, ())


def test_a_hole_in_a_page_the_cache_stores_is_an_include(db):
    reading = ArticleFactory(publish_at=ago(minutes=5))
    template = Template('{% load caching %}{% hole "recent-posts" exclude=article %}')
    with blocks.as_placeholders():
        html = template.render(Context({"article": reading}))
    assert html == f'<esi:include src="/_fragment/recent-posts/?exclude={reading.pk}" />'
    with blocks.as_placeholders():
        banner = Template('{% load caching %}{% hole "breaking-news" %}').render(Context({}))
    assert banner == '<esi:include src="/_fragment/breaking-news/" />'


def test_a_hole_elsewhere_is_its_block(db):
    reading = ArticleFactory(publish_at=ago(minutes=5))
    other = ArticleFactory(title="Another story", publish_at=ago(hours=1))
    template = Template('{% load caching %}{% hole "recent-posts" exclude=article %}')
    html = template.render(Context({"article": reading}))
    assert "Another story" in html and "<esi:include" not in html
    assert f'href="{other.get_absolute_url()}"' in html
    assert reading.title not in html


def test_an_unknown_hole_or_parameter_is_refused(db):
    with pytest.raises(KeyError):
        blocks.hole("no-such-block")
    with pytest.raises(TypeError):
        blocks.hole("recent-posts", limit=3)


def test_recent_posts_record_the_stories_they_show(db):
    reading = ArticleFactory(publish_at=ago(minutes=5))
    shown = [ArticleFactory(publish_at=ago(hours=h)) for h in (1, 2)]
    with keys.collecting() as recorded:
        render_recent_posts(exclude=str(reading.pk))
    assert recorded == {"recent", *(f"article:{a.pk}" for a in shown)}


def test_the_banner_records_its_key_with_or_without_a_banner(db):
    with keys.collecting() as recorded:
        assert "Polls have closed" not in render_breaking_news()
    assert recorded == {"banner"}
    BreakingNewsFactory(text="Polls have closed")
    with keys.collecting() as recorded:
        assert "Polls have closed" in render_breaking_news()
    assert recorded == {"banner"}


def test_a_hole_keeps_its_keys_from_the_page_around_it(db):
    ArticleFactory(publish_at=ago(hours=1))
    with keys.collecting() as page:
        keys.record("home")
        html, shown = blocks.render_isolated("/_fragment/recent-posts/?exclude=")
    assert "recent" in shown and "recent-posts" in html
    assert page == {"home"}


def test_the_navigation_is_cached_until_a_section_changes(db, django_assert_num_queries):
    CategoryFactory(name="Armenia", slug="armenia")
    template = Template("{% load widgets %}{% category_nav %}")
    # Cached until the next scheduled change: the schedule is read once per
    # change of schedule, here before counting.
    schedule.upcoming()
    with django_assert_num_queries(1):
        template.render(Context({}))
    with django_assert_num_queries(0), keys.collecting() as recorded:
        assert "Armenia" in template.render(Context({}))
    assert recorded == {"sections"}
    CategoryFactory(name="Artsakh", slug="artsakh")
    assert "Artsakh" in template.render(Context({}))


def test_banners_change_by_the_clock_alone(db):
    now = timezone.now()
    BreakingNewsFactory(
        starts_at=now + timezone.timedelta(minutes=5), expires_at=now + timezone.timedelta(hours=1)
    )
    BreakingNewsFactory(expires_at=now + timezone.timedelta(hours=2))
    BreakingNewsFactory(is_active=False, expires_at=now + timezone.timedelta(hours=3))
    events, _ = schedule.upcoming()
    moments = [
        (round(moment - now.timestamp()), keys_)
        for moment, keys_ in events
        if "most-read" not in keys_  # "Most read" ends on the clock too, every few minutes
    ]
    assert moments == [
        (300, frozenset({"banner"})),
        (3600, frozenset({"banner"})),
        (7200, frozenset({"banner"})),
    ]


def test_category_nav_marks_the_current_section(db):
    current = CategoryFactory(name="Artsakh", slug="artsakh")
    CategoryFactory(name="Armenia", slug="armenia")
    CategoryFactory(name="Community", slug="community", parent=current)
    html = Template("{% load widgets %}{% category_nav %}").render(Context({"category": current}))
    assert 'href="/category/artsakh/" aria-current="page"' in html
    assert "Armenia" in html
    assert "Community" not in html  # only top-level sections in the bar


def test_breaking_news_window(db):
    BreakingNewsFactory(text="Old", starts_at=ago(hours=5), expires_at=ago(hours=1))
    BreakingNewsFactory(text="Later", starts_at=ago(hours=-1))
    current = BreakingNewsFactory(text="Now", starts_at=ago(minutes=5))
    assert selectors.current_breaking_news() == current


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//evil.example", "ftp://x", "story"])
def test_breaking_news_refuses_unsafe_or_relative_links(db, url):
    banner = BreakingNewsFactory.build(url=url)
    with pytest.raises(ValidationError) as error:
        banner.full_clean()
    assert "url" in error.value.message_dict


def test_breaking_news_must_expire_after_it_starts(db):
    banner = BreakingNewsFactory.build(starts_at=ago(minutes=1), expires_at=ago(minutes=2))
    with pytest.raises(ValidationError) as error:
        banner.full_clean()
    assert "expires_at" in error.value.message_dict
