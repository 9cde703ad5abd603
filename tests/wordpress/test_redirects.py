from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from categories.models import Category
from wordpress.services import import_wxr

from .conftest import author, category, post, wxr

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(write_wxr):
    future = timezone.now() + timedelta(days=2)
    import_wxr(
        write_wxr(
            wxr(
                author(2, "jdoe", "Jane"),
                category(3, "news", "News"),
                post(
                    101,
                    "Live story",
                    slug="live-story",
                    creator="jdoe",
                    link="https://old.example/2024/03/live-story/",
                    categories=[("news", "News")],
                ),
                post(102, "Draft story", status="draft", slug=""),
                post(
                    103,
                    "Later",
                    status="future",
                    date_gmt=f"{future.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
                ),
                post(
                    104,
                    "Old address",
                    slug="old-address",
                    link="https://old.example/news/old-address.html",
                ),
            )
        )
    )


def test_query_p_redirects_permanently_to_the_article(imported, client):
    article = Article.objects.get(title="Live story")
    response = client.get("/?p=101")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()
    assert client.get("/?page_id=101")["Location"] == article.get_absolute_url()


def test_query_p_of_a_draft_or_scheduled_post_reveals_nothing(imported, client):
    assert client.get("/?p=102").status_code == 200  # the home page, no redirect
    assert client.get("/?p=103").status_code == 200
    assert client.get("/?p=99999").status_code == 200
    assert client.get("/?p=abc").status_code == 200


def test_query_cat_and_author_redirect_to_their_pages(imported, client):
    news = Category.objects.get(slug="news")
    assert client.get("/?cat=3")["Location"] == news.get_absolute_url()
    assert client.get("/?author=2")["Location"] == "/author/jdoe/"
    assert client.get("/?feed=rss2")["Location"] == "/feed/"


def test_old_permalink_redirects_to_the_new_address(imported, client):
    article = Article.objects.get(title="Old address")
    response = client.get("/news/old-address.html")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_same_address_as_before_needs_no_redirect(imported, client):
    article = Article.objects.get(title="Live story")
    assert article.get_absolute_url() == "/2024/03/live-story/"
    assert not article.redirects.exists()
    # WordPress's day-and-name permalink is answered by the article app itself.
    assert client.get("/2024/03/05/live-story/")["Location"] == article.get_absolute_url()


def test_other_pages_cost_no_query_for_the_redirect(imported, client, django_assert_num_queries):
    from django.test import RequestFactory

    from wordpress.middleware import WordPressQueryLinkMiddleware

    middleware = WordPressQueryLinkMiddleware(lambda request: "passed")
    with django_assert_num_queries(0):
        assert middleware(RequestFactory().get("/")) == "passed"
        assert middleware(RequestFactory().get("/search/?p=101")) == "passed"
        assert middleware(RequestFactory().get("/?page=2")) == "passed"


@pytest.mark.parametrize("value", ["a.b", "a b", "it's", "\u200b", "a\x00b", "%ff"])
def test_query_tag_that_no_tag_page_can_have_shows_the_home_page(value, client):
    # "?tag=a.b" used to raise NoReverseMatch (500): tag addresses are [-\w]+.
    client.raise_request_exception = False
    assert client.get("/", {"tag": value}).status_code == 200
    assert client.get("/?tag=elections")["Location"] == "/tag/elections/"
