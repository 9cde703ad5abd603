import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone

from tests.factories import ArticleFactory, BreakingNewsFactory, CategoryFactory
from widgets import selectors


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


def test_recent_posts_tag_renders_in_one_query_with_machine_readable_times(
    db, django_assert_num_queries
):
    for hours in range(1, 30):
        ArticleFactory(publish_at=ago(hours=hours), dek="An excerpt for the sidebar.")
    template = Template("{% load widgets %}{% recent_posts %}")
    with django_assert_num_queries(1):
        html = template.render(Context({}))
    assert html.count("<li") == 6
    assert html.count("data-relative") == 6
    assert "An excerpt for the sidebar." in html
    # The server prints an absolute date; wording like "12 hours ago" is the script's job.
    assert " ago" not in html


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
