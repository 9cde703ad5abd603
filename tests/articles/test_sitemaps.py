from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from lxml import etree

from articles import services
from articles.sitemaps import news_language
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory

pytestmark = pytest.mark.django_db

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content)


def locs(root):
    return root.xpath("//sm:loc/text()", namespaces=NS)


def lastmods(root):
    """{loc: lastmod} of an index or url set."""
    return {
        node.findtext("sm:loc", namespaces=NS): node.findtext("sm:lastmod", namespaces=NS)
        for node in root.xpath("/*/*", namespaces=NS)
    }


def aware(*args):
    return timezone.make_aware(datetime(*args))


# -- index ---------------------------------------------------------------------------------


def test_index_lists_articles_by_month_and_categories_tags_authors_with_lastmod(client):
    ArticleFactory(publish_at=aware(2025, 3, 5, 10), tags=["Economy"])
    ArticleFactory(publish_at=aware(2025, 4, 9, 12), authors=[AuthorFactory(slug="ani")])
    root = xml(client, "/sitemap.xml")
    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    entries = lastmods(root)
    assert list(entries) == [
        "http://testserver/sitemap-articles-2025-04.xml",
        "http://testserver/sitemap-articles-2025-03.xml",
        "http://testserver/sitemap-categories.xml",
        "http://testserver/sitemap-tags.xml",
        "http://testserver/sitemap-authors.xml",
    ]
    assert entries["http://testserver/sitemap-articles-2025-03.xml"] == "2025-03-05T10:00:00+00:00"
    assert entries["http://testserver/sitemap-articles-2025-04.xml"] == "2025-04-09T12:00:00+00:00"
    assert entries["http://testserver/sitemap-tags.xml"] == "2025-03-05T10:00:00+00:00"
    assert entries["http://testserver/sitemap-categories.xml"] == "2025-04-09T12:00:00+00:00"


def test_index_leaves_out_sections_with_nothing_live(client):
    ArticleFactory(draft=True, tags=["Hidden"])
    ArticleFactory(scheduled=True)
    assert locs(xml(client, "/sitemap.xml")) == []


def test_sitemap_addresses_use_site_url_not_the_request_host(client, settings):
    settings.SITE_URL = "https://news.example.com"
    settings.ALLOWED_HOSTS = ["internal"]
    article = ArticleFactory(publish_at=aware(2025, 3, 5, 10))
    index = client.get("/sitemap.xml", HTTP_HOST="internal")
    assert b"https://news.example.com/sitemap-articles-2025-03.xml" in index.content
    month = client.get("/sitemap-articles-2025-03.xml", HTTP_HOST="internal")
    assert f"https://news.example.com{article.get_absolute_url()}".encode() in month.content


# -- sections ---------------------------------------------------------------------------


def test_month_sitemap_lists_its_live_articles_with_lastmod(client):
    march = ArticleFactory(publish_at=aware(2025, 3, 31, 23, 59))
    ArticleFactory(publish_at=aware(2025, 4, 1, 0, 0))
    ArticleFactory(publish_at=aware(2025, 3, 2), unpublished=True)
    entries = lastmods(xml(client, "/sitemap-articles-2025-03.xml"))
    assert entries == {f"http://testserver{march.get_absolute_url()}": "2025-03-31T23:59:00+00:00"}


def test_a_correction_moves_lastmod_in_the_sitemaps(client):
    article = ArticleFactory(publish_at=aware(2025, 3, 5, 10))
    services.add_correction(article, "Corrected a figure.", when=aware(2025, 3, 5, 15, 30))
    url = f"http://testserver{article.get_absolute_url()}"
    month = lastmods(xml(client, "/sitemap-articles-2025-03.xml"))
    assert month[url] == "2025-03-05T15:30:00+00:00"
    index = lastmods(xml(client, "/sitemap.xml"))
    assert index["http://testserver/sitemap-articles-2025-03.xml"] == "2025-03-05T15:30:00+00:00"


def test_category_tag_and_author_sitemaps_list_only_what_has_live_articles(client):
    live_category = CategoryFactory(slug="live")
    CategoryFactory(slug="empty")
    author = AuthorFactory(slug="writer")
    AuthorFactory(slug="idle")
    ArticleFactory(category=live_category, authors=[author], tags=["Shown"])
    ArticleFactory(draft=True, tags=["Hidden"], authors=[AuthorFactory(slug="drafter")])
    categories = locs(xml(client, "/sitemap-categories.xml"))
    assert "http://testserver/category/live/" in categories
    assert "http://testserver/category/empty/" not in categories
    assert locs(xml(client, "/sitemap-tags.xml")) == ["http://testserver/tag/shown/"]
    assert locs(xml(client, "/sitemap-authors.xml")) == ["http://testserver/author/writer/"]


def test_unicode_slugs_are_percent_encoded_in_sitemaps(client):
    ArticleFactory(category=CategoryFactory(name="Լուրեր", slug="լուրեր"))
    assert locs(xml(client, "/sitemap-categories.xml")) == [
        "http://testserver/category/%D5%AC%D5%B8%D6%82%D6%80%D5%A5%D6%80/"
    ]


# -- news sitemap ------------------------------------------------------------------------


def test_news_sitemap_lists_the_last_48_hours_in_google_news_format(client, settings):
    settings.PUBLISHER_NAME = "Massis Post"
    settings.SITE_LANGUAGE = "en-us"
    now = timezone.now().replace(microsecond=0)
    fresh = ArticleFactory(title="Fresh & new", publish_at=now - timedelta(hours=47))
    ArticleFactory(title="Old", publish_at=now - timedelta(hours=49))
    ArticleFactory(title="Later", scheduled=True)
    root = xml(client, "/news-sitemap.xml")
    urls = root.xpath("/sm:urlset/sm:url", namespaces=NS)
    assert len(urls) == 1
    url = urls[0]
    assert url.findtext("sm:loc", namespaces=NS) == f"http://testserver{fresh.get_absolute_url()}"
    news = url.find("news:news", namespaces=NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == "Massis Post"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:title", namespaces=NS) == "Fresh & new"
    assert news.findtext("news:publication_date", namespaces=NS) == (
        timezone.localtime(fresh.publish_at).isoformat()
    )


def test_news_language_is_the_iso_639_code_google_expects():
    assert news_language("en-us") == "en"
    assert news_language("hy") == "hy"
    assert news_language("zh-TW") == "zh-tw"


def test_robots_txt_names_both_sitemaps_and_keeps_crawlers_out_of_admin_and_search(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/news-sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /search/" in lines


# -- freshness and conditional GET --------------------------------------------------------


def test_sitemaps_answer_conditional_gets_with_304(client):
    ArticleFactory(publish_at=aware(2025, 3, 5, 10))
    for url in ("/sitemap.xml", "/sitemap-articles-2025-03.xml", "/news-sitemap.xml"):
        first = client.get(url)
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_a_scheduled_article_reaches_the_sitemaps_right_after_its_time(client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        when = timezone.now() + timedelta(minutes=5)
        article = ArticleFactory(publish_at=when)
        assert locs(xml(client, "/news-sitemap.xml")) == []
        traveller.move_to(when + timedelta(seconds=1))
        assert locs(xml(client, "/news-sitemap.xml")) == [
            f"http://testserver{article.get_absolute_url()}"
        ]


def test_an_unpublished_article_leaves_the_sitemaps_at_once(client):
    article = ArticleFactory()
    assert len(locs(xml(client, "/news-sitemap.xml"))) == 1
    services.unpublish(article)
    assert locs(xml(client, "/news-sitemap.xml")) == []


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-articles-2025-13.xml",
        "/sitemap-articles-2025-00.xml",
        "/sitemap-articles-0000-01.xml",
        "/sitemap-articles-2020-01.xml",  # nothing published then
        "/sitemap-articles-2025-03.xml?p=abc",
        "/sitemap-articles-2025-03.xml?p=0",
        "/sitemap-articles-2025-03.xml?p=99",
        "/sitemap-articles-2025-03.xml?p=" + "9" * 5000,
        "/sitemap-tags.xml?p=%00",
        "/sitemap-tags.xml?p=２",
        "/sitemap-nope.xml",
    ],
)
def test_malformed_sitemap_requests_answer_404(client, url):
    ArticleFactory(publish_at=aware(2025, 3, 5, 10), tags=["One"])
    assert client.get(url).status_code == 404


# -- query budget ------------------------------------------------------------------------------


@pytest.fixture
def crowded_site():
    """50 live articles, each with 20 tags and 3 authors."""
    authors = AuthorFactory.create_batch(6)
    tags = [f"tag {n}" for n in range(20)]
    start = timezone.now() - timedelta(hours=30)
    for n in range(50):
        ArticleFactory(
            publish_at=start + timedelta(minutes=n),
            authors=authors[n % 4 : n % 4 + 3],
            tags=tags,
        )
    return timezone.localtime(start)


def test_sitemaps_render_in_a_constant_number_of_queries(
    client, crowded_site, django_assert_max_num_queries
):
    month = f"/sitemap-articles-{crowded_site:%Y-%m}.xml"
    for url, expected in (
        ("/sitemap.xml", None),
        (month, None),
        ("/sitemap-categories.xml", 50),
        ("/sitemap-tags.xml", 20),
        ("/sitemap-authors.xml", 6),
        ("/news-sitemap.xml", 50),
    ):
        with django_assert_max_num_queries(6):
            root = xml(client, url)
        if expected is not None:
            assert len(locs(root)) == expected, url


def test_the_last_month_a_date_can_have_answers_404_not_500(client):
    # December 9999 has no following month to end it: it used to raise
    # "year 10000 is out of range".
    ArticleFactory(publish_at=aware(2025, 3, 5, 10))
    client.raise_request_exception = False
    assert client.get("/sitemap-articles-9999-12.xml").status_code == 404
    assert client.get("/sitemap-articles-9999-11.xml").status_code == 404


@pytest.mark.parametrize("url", ["/sitemap-articles-0001-01.xml", "/0001/", "/0001/01/"])
def test_year_one_east_of_utc_answers_404_not_500(client, settings, url):
    # In Asia/Yerevan, 1 January of year 1 is in year 0 in UTC: OverflowError.
    settings.TIME_ZONE = "Asia/Yerevan"
    ArticleFactory(publish_at=aware(2025, 3, 5, 10))
    client.raise_request_exception = False
    assert client.get(url).status_code == 404
