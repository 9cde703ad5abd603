import json
from datetime import datetime

import pytest
from django.utils import timezone
from lxml import html as lxml_html

from articles import seo, services
from articles.models import Article
from authors.models import Author
from images import renditions
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, ImageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _publisher(settings):
    settings.SITE_NAME = "Massis Post"
    settings.PUBLISHER_NAME = "Massis Post Inc."
    settings.PUBLISHER_LOGO_URL = "/static/img/logo.png"
    settings.SITE_LANGUAGE = "en-us"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return lxml_html.fromstring(response.content)


def meta(doc, key):
    """content of <meta property=key> or <meta name=key> (all of them when repeated)."""
    values = doc.xpath(f'//head/meta[@property="{key}" or @name="{key}"]/@content')
    return values


def one(doc, key):
    values = meta(doc, key)
    assert len(values) == 1, (key, values)
    return values[0]


def json_ld(doc):
    """{@type: data} of every JSON-LD block in the head."""
    blocks = [json.loads(s) for s in doc.xpath('//head/script[@type="application/ld+json"]/text()')]
    return {block["@type"]: block for block in blocks}


def aware(*args):
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def article():
    category = CategoryFactory(name="Armenia", slug="armenia")
    return ArticleFactory(
        title="Parliament passes the budget",
        slug="parliament-passes-the-budget",
        dek="Lawmakers approved next year's spending plan.",
        category=category,
        publish_at=aware(2025, 3, 5, 10, 0),
        tags=["Budget", "Parliament"],
        authors=[
            AuthorFactory(name="Ani Petrosyan", slug="ani"),
            AuthorFactory(name="Armenpress", slug="armenpress", kind=Author.Kind.ORGANIZATION),
        ],
        featured_image=ImageFactory(
            alt_text="The parliament building", file__width=1300, file__height=700
        ),
    )


# -- article pages -----------------------------------------------------------------------


def test_article_page_has_title_description_and_canonical(client, article):
    doc = page(client, article.get_absolute_url())
    url = f"http://testserver{article.get_absolute_url()}"
    assert doc.findtext(".//title") == "Parliament passes the budget – Massis Post"
    assert one(doc, "description") == "Lawmakers approved next year's spending plan."
    assert doc.xpath('//head/link[@rel="canonical"]/@href') == [url]


def test_article_page_has_open_graph_article_tags(client, article):
    doc = page(client, article.get_absolute_url())
    url = f"http://testserver{article.get_absolute_url()}"
    assert one(doc, "og:type") == "article"
    assert one(doc, "og:title") == "Parliament passes the budget"
    assert one(doc, "og:description") == "Lawmakers approved next year's spending plan."
    assert one(doc, "og:url") == url
    # No renditions yet: the original stands in, with its own size.
    assert one(doc, "og:image") == f"http://testserver{article.featured_image.file.url}"
    assert one(doc, "og:image:width") == "1300"
    assert one(doc, "og:image:height") == "700"
    assert one(doc, "og:image:alt") == "The parliament building"
    assert one(doc, "og:site_name") == "Massis Post"
    assert one(doc, "og:locale") == "en_US"
    assert one(doc, "article:published_time") == "2025-03-05T10:00:00+00:00"
    assert one(doc, "article:modified_time") == "2025-03-05T10:00:00+00:00"
    assert one(doc, "article:section") == "Armenia"
    assert meta(doc, "article:tag") == ["Budget", "Parliament"]


def test_article_page_has_a_large_twitter_card(client, article, settings):
    settings.TWITTER_SITE = "@massispost"
    doc = page(client, article.get_absolute_url())
    assert one(doc, "twitter:card") == "summary_large_image"
    assert one(doc, "twitter:site") == "@massispost"
    assert one(doc, "twitter:title") == "Parliament passes the budget"
    assert one(doc, "twitter:image") == f"http://testserver{article.featured_image.file.url}"


def test_article_json_ld_is_a_complete_news_article(client, article):
    data = json_ld(page(client, article.get_absolute_url()))["NewsArticle"]
    url = f"http://testserver{article.get_absolute_url()}"
    assert data["@context"] == "https://schema.org"
    assert data["headline"] == "Parliament passes the budget"
    assert data["description"] == "Lawmakers approved next year's spending plan."
    assert data["image"] == [f"http://testserver{article.featured_image.file.url}"]
    assert data["datePublished"] == "2025-03-05T10:00:00+00:00"
    assert data["dateModified"] == "2025-03-05T10:00:00+00:00"
    assert data["author"] == [
        {"@type": "Person", "name": "Ani Petrosyan", "url": "http://testserver/author/ani/"},
        {
            "@type": "Organization",
            "name": "Armenpress",
            "url": "http://testserver/author/armenpress/",
        },
    ]
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Massis Post Inc.",
        "url": "http://testserver/",
        "logo": {"@type": "ImageObject", "url": "http://testserver/static/img/logo.png"},
    }
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["articleSection"] == "Armenia"
    assert data["keywords"] == ["Budget", "Parliament"]
    assert data["inLanguage"] == "en-us"


def test_article_without_byline_is_credited_to_the_publisher(client):
    article = ArticleFactory(authors=[])
    data = json_ld(page(client, article.get_absolute_url()))["NewsArticle"]
    assert data["author"] == [data["publisher"]]


def test_article_json_ld_has_a_breadcrumb_trail(client, article):
    data = json_ld(page(client, article.get_absolute_url()))["BreadcrumbList"]
    assert [(i["position"], i["name"], i["item"]) for i in data["itemListElement"]] == [
        (1, "Massis Post", "http://testserver/"),
        (2, "Armenia", "http://testserver/category/armenia/"),
        (3, "Parliament passes the budget", f"http://testserver{article.get_absolute_url()}"),
    ]


def test_a_correction_moves_date_modified_everywhere_on_the_page(client, article):
    services.add_correction(article, "Corrected the total.", when=aware(2025, 3, 6, 9, 15))
    doc = page(client, article.get_absolute_url())
    assert json_ld(doc)["NewsArticle"]["dateModified"] == "2025-03-06T09:15:00+00:00"
    assert json_ld(doc)["NewsArticle"]["datePublished"] == "2025-03-05T10:00:00+00:00"
    assert one(doc, "article:modified_time") == "2025-03-06T09:15:00+00:00"


def test_a_headline_cannot_break_out_of_the_json_ld_script(client):
    title = 'Tricky </script><script>alert("x")</script> & <b>'
    article = ArticleFactory(title=title)
    body = client.get(article.get_absolute_url()).content.decode()
    assert "</script><script>alert" not in body
    doc = lxml_html.fromstring(body)
    assert json_ld(doc)["NewsArticle"]["headline"] == title


def test_json_ld_escapes_markup_characters():
    rendered = str(seo.json_ld({"headline": "</script><!-- & \u2028"}))
    inner = rendered.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert json.loads(inner) == {"headline": "</script><!-- & \u2028"}


def test_share_picture_is_the_open_graph_rendition_with_its_real_size(client, article):
    renditions.generate(article.featured_image)
    rendition = article.featured_image.renditions.get(ratio="1.91:1", width=1200, format="jpeg")

    doc = page(client, article.get_absolute_url())

    assert 625 <= rendition.height <= 632  # 1.91:1 of a 1300x700 picture
    assert one(doc, "og:image") == f"http://testserver{rendition.file.url}"
    assert one(doc, "og:image:width") == "1200"
    assert one(doc, "og:image:height") == str(rendition.height)
    assert one(doc, "twitter:image") == f"http://testserver{rendition.file.url}"
    data = json_ld(doc)["NewsArticle"]
    assert data["image"] == [f"http://testserver{rendition.file.url}"]


def test_syndicated_article_points_canonical_at_the_original(client):
    article = ArticleFactory(canonical_url="https://agency.example.org/story/1")
    doc = page(client, article.get_absolute_url())
    assert doc.xpath('//head/link[@rel="canonical"]/@href') == [
        "https://agency.example.org/story/1"
    ]
    assert one(doc, "og:url") == f"http://testserver{article.get_absolute_url()}"


def test_article_without_picture_falls_back_to_the_logo_and_a_small_card(client):
    article = ArticleFactory()
    doc = page(client, article.get_absolute_url())
    assert one(doc, "og:image") == "http://testserver/static/img/logo.png"
    assert one(doc, "twitter:card") == "summary"


def test_article_pages_announce_the_site_feeds(client, article):
    doc = page(client, article.get_absolute_url())
    assert doc.xpath('//head/link[@rel="alternate"][@type="application/rss+xml"]/@href') == [
        "http://testserver/feed/"
    ]
    assert doc.xpath('//head/link[@rel="alternate"][@type="application/atom+xml"]/@href') == [
        "http://testserver/feed/atom/"
    ]


# -- other pages -----------------------------------------------------------------------------


def test_home_page_has_organization_and_website_with_search_action(client, article):
    doc = page(client, "/")
    assert one(doc, "og:type") == "website"
    assert doc.xpath('//head/link[@rel="canonical"]/@href') == ["http://testserver/"]
    data = json_ld(doc)
    assert data["Organization"]["name"] == "Massis Post Inc."
    assert data["Organization"]["logo"]["url"] == "http://testserver/static/img/logo.png"
    website = data["WebSite"]
    assert website["url"] == "http://testserver/"
    assert website["name"] == "Massis Post"
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == ("http://testserver/search/?q={search_term_string}")
    assert action["query-input"] == "required name=search_term_string"


@pytest.mark.parametrize(
    ("url", "title", "feed"),
    [
        ("/category/armenia/", "Armenia", "http://testserver/category/armenia/feed/"),
        ("/tag/budget/", "Budget", "http://testserver/tag/budget/feed/"),
        ("/author/ani/", "Ani Petrosyan", "http://testserver/author/ani/feed/"),
    ],
)
def test_listing_pages_have_metadata_and_their_own_feed(client, article, url, title, feed):
    doc = page(client, url)
    assert doc.xpath('//head/link[@rel="canonical"]/@href') == [f"http://testserver{url}"]
    assert one(doc, "og:title") == title
    assert one(doc, "og:url") == f"http://testserver{url}"
    assert one(doc, "og:type") == "website"
    assert one(doc, "twitter:card") in {"summary", "summary_large_image"}
    rss = doc.xpath('//head/link[@rel="alternate"][@type="application/rss+xml"]/@href')
    assert rss == [feed, "http://testserver/feed/"]


def test_later_pages_of_a_listing_are_their_own_canonical(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    category = CategoryFactory(slug="news")
    ArticleFactory.create_batch(3, category=category)
    doc = page(client, "/category/news/?page=2")
    assert doc.xpath('//head/link[@rel="canonical"]/@href') == [
        "http://testserver/category/news/?page=2"
    ]


def test_archive_and_search_pages_have_metadata(client, article):
    doc = page(client, "/2025/03/")
    assert one(doc, "og:title") == "March 2025"
    assert doc.xpath('//head/link[@rel="canonical"]/@href') == ["http://testserver/2025/03/"]
    search = page(client, "/search/?q=budget")
    assert one(search, "robots") == "noindex"


def test_author_page_describes_the_author_as_a_profile(client, article):
    data = json_ld(page(client, "/author/armenpress/"))["ProfilePage"]
    assert data["mainEntity"]["@type"] == "Organization"
    assert data["mainEntity"]["url"] == "http://testserver/author/armenpress/"


# -- builders ------------------------------------------------------------------------------------


def test_og_locale_follows_the_site_language():
    assert seo.og_locale("en-us") == "en_US"
    assert seo.og_locale("hy") == "hy"
    assert seo.og_locale("hy_AM") == "hy_AM"


def test_publisher_has_no_logo_key_when_none_is_configured(settings):
    settings.PUBLISHER_LOGO_URL = ""
    assert "logo" not in seo.publisher()


def test_absolute_url_keeps_absolute_addresses(settings):
    settings.SITE_URL = "https://news.example.com"
    assert seo.absolute_url("/a/") == "https://news.example.com/a/"
    assert seo.absolute_url("https://cdn.example.com/x.png") == "https://cdn.example.com/x.png"


def test_article_metadata_adds_no_queries(article, django_assert_num_queries):
    from articles.views import ArticleDetailView

    renditions.generate(article.featured_image)
    # As the article page loads it: the row, then its bylines, tags and corrections.
    loaded = Article.objects.story_at(article.slug)
    ArticleDetailView.prepare(loaded)
    with django_assert_num_queries(0):
        seo.article_meta(loaded)
