"""Editions in addresses (issue 22): /<lang>/ prefixes, the edition middleware, story
addresses per edition, per-edition listings, widgets, feeds and sitemaps with hreflang
alternates, an edition on a host of its own, and Latin slugs.

Tests run as a one-edition site (pyproject's EDITIONS=en); `two_editions` makes the
site English and Armenian, as the default settings do."""

import re

import pytest
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri
from lxml import etree

from articles import editions
from articles.models import Article
from caching import schedule
from tests.caching.support import ESI, cached, recent_posts
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BreakingNewsFactory,
    CategoryFactory,
)

pytestmark = pytest.mark.django_db

SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
XHTML = "{http://www.w3.org/1999/xhtml}link"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
# The budgets of tests/articles/test_views.py, for the same pages of the other edition.
PUBLIC_PAGE_BUDGET = 12
ARTICLE_PAGE_BUDGET = 10


@pytest.fixture
def site(two_editions):
    """A story in each edition, sharing a section, a tag and a byline, and a month."""
    section = CategoryFactory(slug="politics", name="Politics")
    author = AuthorFactory(slug="ani", name="Ani")
    when = timezone.now() - timezone.timedelta(hours=1)
    en = ArticleFactory(
        title="Talks resume in Geneva",
        category=section,
        authors=[author],
        tags=["talks"],
        publish_at=when,
    )
    hy = ArticleFactory(
        title="Բանակցությունները վերսկսվեցին",
        language="hy",
        category=section,
        authors=[author],
        tags=["talks"],
        publish_at=when,
    )
    return {"en": en, "hy": hy, "section": section, "author": author, "when": en.local_publish_at}


def text(response):
    return response.content.decode()


def pages(site, prefix):
    """Every public page of an edition, under `prefix` ("" or "/hy")."""
    when, story = site["when"], site["hy" if prefix else "en"]
    return {
        "home": f"{prefix}/",
        "article": story.path,
        "category": f"{prefix}/category/politics/",
        "tag": f"{prefix}/tag/talks/",
        "author": f"{prefix}/author/ani/",
        "year": f"{prefix}/{when:%Y}/",
        "month": f"{prefix}/{when:%Y/%m}/",
        "search": f"{prefix}/search/?q=talks",
        "feed": f"{prefix}/feed/",
        "atom": f"{prefix}/feed/atom/",
        "category-feed": f"{prefix}/category/politics/feed/",
        "tag-feed": f"{prefix}/tag/talks/feed/",
        "author-feed": f"{prefix}/author/ani/feed/",
        "sitemap": f"{prefix}/sitemap.xml",
        "sitemap-month": f"{prefix}/sitemap-articles-{when:%Y-%m}.xml",
        "sitemap-tags": f"{prefix}/sitemap-tags.xml",
        "news-sitemap": f"{prefix}/news-sitemap.xml",
        "recent-posts": f"{prefix}/_fragment/recent-posts/",
    }


# -- a one-edition site ---------------------------------------------------------------


def test_a_one_edition_site_has_no_prefixes_alternates_or_language_headers(client):
    story = ArticleFactory(title="Talks resume", tags=["talks"])
    assert story.get_absolute_url().startswith(f"/{story.local_publish_at:%Y}/")
    assert editions.current() == "en"
    for url in ["/", story.get_absolute_url(), "/feed/", "/sitemap.xml", "/tag/talks/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.has_header("Content-Language"), url
        assert response["Vary"] == "Cookie, Accept-Encoding", url
        assert "hreflang" not in text(response), url
        assert "/en/" not in text(response), url
        assert "/hy/" not in text(response), url
    assert client.get("/hy/").status_code == 404
    assert client.get("/en/").status_code == 404
    assert "<language>en-us</language>" in text(client.get("/feed/"))
    robots = text(client.get("/robots.txt"))
    assert re.findall(r"Sitemap: (\S+)", robots) == [
        "http://testserver/sitemap.xml",
        "http://testserver/news-sitemap.xml",
    ]
    assert re.findall(r"Disallow: (\S+)", robots) == ["/admin/", "/search/"]


def test_a_one_edition_site_lists_every_story_whatever_its_language_field(client):
    # The field is not read at all: a site that drops an edition keeps showing it.
    story = ArticleFactory(title="Left from an Armenian edition", language="hy")
    assert story.get_absolute_url() == story.path
    assert not story.path.startswith("/hy/")
    assert story.title in text(client.get("/"))
    assert client.get(story.get_absolute_url()).status_code == 200


# -- routing -------------------------------------------------------------------------


@pytest.mark.parametrize("edition", ["en", "hy"])
def test_every_public_page_answers_in_its_edition(site, client, edition):
    prefix = "/hy" if edition == "hy" else ""
    for name, url in pages(site, prefix).items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        assert response["Content-Language"] == edition, url
        # No Accept-Language guessing: nothing splits the cache by it.
        assert "Accept-Language" not in response.get("Vary", ""), url


def test_the_default_edition_has_no_prefix_and_the_others_no_unprefixed_twin(site, client):
    assert client.get("/en/").status_code == 404
    assert client.get("/en/feed/").status_code != 200
    # Outside the editions: once, unprefixed.
    assert client.get("/robots.txt").status_code == 200
    assert client.get("/hy/robots.txt").status_code == 404
    assert client.get("/hy/admin/").status_code == 404
    assert client.get("/hy/wp-json/").status_code == 404


def test_accept_language_changes_nothing(site, client):
    english = client.get("/", headers={"Accept-Language": "hy"})
    assert english["Content-Language"] == "en"
    assert site["hy"].title not in text(english)
    assert site["en"].title in text(english)


def test_a_story_has_its_address_in_its_own_edition_whatever_the_page(site):
    en, hy = site["en"], site["hy"]
    assert hy.get_absolute_url().startswith("/hy/")
    assert not en.get_absolute_url().startswith("/hy/")
    with translation.override("hy"):
        assert not en.get_absolute_url().startswith("/hy/")
        assert editions.current() == "hy"
    with translation.override("en"):
        assert hy.get_absolute_url().startswith("/hy/")
    with translation.override("fr"):
        assert editions.current() == "en"


def test_a_story_asked_under_another_editions_prefix_moves_to_its_own(site, client):
    en, hy = site["en"], site["hy"]
    under_hy = client.get(f"/hy{en.get_absolute_url()}")
    assert under_hy.status_code == 301
    assert under_hy["Location"] == en.get_absolute_url()
    unprefixed = client.get(hy.get_absolute_url().removeprefix("/hy"))
    assert unprefixed.status_code == 301
    assert unprefixed["Location"] == hy.get_absolute_url()


def test_day_permalinks_and_old_addresses_lead_to_the_edition(site, client, two_editions):
    hy = site["hy"]
    when = hy.local_publish_at
    day = client.get(f"/hy/{when:%Y/%m/%d}/{hy.slug}/")
    assert day.status_code == 301
    assert day["Location"] == hy.get_absolute_url()
    old = hy.path
    hy.slug = "new-slug"
    hy.save()
    moved = client.get(old)
    assert moved.status_code == 301
    assert moved["Location"] == f"/hy/{when:%Y/%m}/new-slug/"


# -- listings --------------------------------------------------------------------------


LISTINGS = ["home", "category", "tag", "author", "year", "month", "feed", "atom"]


@pytest.mark.parametrize("edition", ["en", "hy"])
def test_every_listing_shows_its_editions_stories_only(site, client, edition):
    other = "en" if edition == "hy" else "hy"
    urls = pages(site, "/hy" if edition == "hy" else "")
    for name in [*LISTINGS, "category-feed", "tag-feed", "author-feed", "recent-posts"]:
        page = text(client.get(urls[name]))
        assert site[edition].title in page or name == "recent-posts", name
        assert site[other].title not in page, name
    # Recent Posts on a story's page: the other edition's story is never offered.
    ArticleFactory(title="Another story", language=edition)
    story_page = text(client.get(site[edition].path))
    assert "Another story" in recent_posts(story_page)
    assert site[other].title not in story_page


def test_home_lead_and_section_blocks_are_per_edition(site, client):
    site["section"].show_on_home = True
    site["section"].save()
    featured = ArticleFactory(title="Հատուկ նյութ", language="hy", is_featured=True)
    english = text(client.get("/"))
    assert featured.title not in english
    assert site["en"].title in english
    armenian = text(client.get("/hy/"))
    assert featured.title in armenian
    assert site["en"].title not in armenian


def test_a_tag_with_stories_in_one_edition_only_is_404_in_the_other(site, client):
    ArticleFactory(title="Armenian only", language="hy", tags=["yerevan"])
    assert client.get("/hy/tag/yerevan/").status_code == 200
    assert client.get("/tag/yerevan/").status_code == 404
    assert client.get("/tag/yerevan/feed/").status_code == 404


def test_most_read_is_per_edition(site, client, monkeypatch):
    from collections import Counter

    from readership import services

    reads = Counter({site["en"].pk: 10, site["hy"].pk: 20})
    monkeypatch.setattr(services, "window_counts", lambda hours: reads)
    english = text(client.get("/_fragment/most-read/"))
    armenian = text(client.get("/hy/_fragment/most-read/"))
    assert site["en"].title in english and site["hy"].title not in english
    assert site["hy"].title in armenian and site["en"].title not in armenian


def test_breaking_news_banner_is_per_edition(site, client):
    BreakingNewsFactory(text="Ceasefire announced")
    BreakingNewsFactory(text="Հրադադար", language="hy")
    english = text(client.get("/"))
    armenian = text(client.get("/hy/"))
    assert "Ceasefire announced" in english and "Հրադադար" not in english
    assert "Հրադադար" in armenian and "Ceasefire announced" not in armenian


# -- the page cache and holes ------------------------------------------------------------


def test_cached_pages_of_each_edition_stay_apart(site, client):
    cached(client, "/")
    hit = cached(client, "/hy/")
    assert hit["Content-Language"] == "hy"
    assert site["hy"].title in text(hit) and site["en"].title not in text(hit)
    english = cached(client, "/")
    assert english["Content-Language"] == "en"
    assert site["en"].title in text(english) and site["hy"].title not in text(english)


def test_a_pages_holes_carry_its_edition(site, client):
    hy = site["hy"]
    page = text(client.get(hy.path, headers=ESI))
    assert f'<esi:include src="/hy/_fragment/recent-posts/?exclude={hy.pk}" />' in page
    assert '<esi:include src="/hy/_fragment/breaking-news/" />' in page
    english = text(client.get(site["en"].path, headers=ESI))
    assert f'<esi:include src="/_fragment/recent-posts/?exclude={site["en"].pk}" />' in english


def test_an_armenian_story_going_live_shows_on_the_cached_armenian_pages(
    site, client, django_capture_on_commit_callbacks
):
    cached(client, "/hy/")
    cached(client, "/hy/feed/")
    cached(client, site["en"].path)
    with django_capture_on_commit_callbacks(execute=True):
        fresh = ArticleFactory(title="Նոր լուր", language="hy")
    assert fresh.title in text(client.get("/hy/"))
    assert fresh.title in text(client.get("/hy/feed/"))
    assert fresh.title not in text(client.get("/"))


def test_armenian_pages_keep_the_query_budgets(site, client, django_assert_max_num_queries):
    for _ in range(12):
        ArticleFactory(language="hy", category=site["section"], tags=["talks"])
    schedule.upcoming()
    urls = pages(site, "/hy")
    with django_assert_max_num_queries(ARTICLE_PAGE_BUDGET):
        assert client.get(urls["article"]).status_code == 200
    for name in ["home", "category", "tag", "author", "year", "month", "search", "feed"]:
        with django_assert_max_num_queries(PUBLIC_PAGE_BUDGET):
            assert client.get(urls[name]).status_code == 200, name


# -- feeds and sitemaps -----------------------------------------------------------------


def test_feeds_say_their_editions_language_title_and_address(site, client):
    rss = etree.fromstring(client.get("/hy/feed/").content)
    assert rss.findtext("channel/language") == "hy"
    assert rss.findtext("channel/title") == "Newsroom – Հայերեն"
    self_link = rss.find("channel/{http://www.w3.org/2005/Atom}link[@rel='self']")
    assert self_link.get("href") == "http://testserver/hy/feed/"
    assert rss.findtext("channel/link") == "http://testserver/hy/"
    assert [item.findtext("link") for item in rss.iter("item")] == [
        f"http://testserver{site['hy'].get_absolute_url()}"
    ]
    atom = etree.fromstring(client.get("/hy/feed/atom/").content)
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "hy"
    english = etree.fromstring(client.get("/feed/").content)
    assert english.findtext("channel/language") == "en-us"
    assert english.findtext("channel/title") == "Newsroom"


def alternates(client, url):
    """{loc: {hreflang: href}} of a sitemap's urls."""
    doc = etree.fromstring(client.get(url).content)
    return {
        node.findtext("s:loc", namespaces=SITEMAP): {
            link.get("hreflang"): link.get("href") for link in node.iter(XHTML)
        }
        for node in doc.findall("s:url", namespaces=SITEMAP)
    }


def test_sitemaps_list_translations_both_ways_with_x_default(site, client, two_editions):
    from articles import services
    from tests.factories import StaffUserFactory

    editor = StaffUserFactory(role="Editor")
    source = site["en"]
    draft = services.translate(source, "hy", user=editor)
    draft.title, draft.slug = "Թարգմանություն", ""
    services.save_article(draft, user=editor, base_version=draft.version)
    translation_ = Article.objects.get(pk=services.publish(draft, user=editor).pk)
    when = source.local_publish_at
    month = f"sitemap-articles-{when:%Y-%m}.xml"
    en_url = f"http://testserver{source.get_absolute_url()}"
    hy_url = f"http://testserver{translation_.get_absolute_url()}"
    expected = {"en": en_url, "hy": hy_url, "x-default": en_url}
    english = alternates(client, f"/{month}")
    armenian = alternates(client, f"/hy/{month}")
    assert english[en_url] == expected
    assert armenian[hy_url] == expected
    # Untranslated stories have none; the other edition's stories are not listed.
    assert armenian[f"http://testserver{site['hy'].get_absolute_url()}"] == {}
    assert en_url not in armenian and hy_url not in english


def test_each_edition_has_its_sitemap_index_and_robots_names_them_all(site, client):
    index = etree.fromstring(client.get("/hy/sitemap.xml").content)
    locs = [loc.text for loc in index.iter(LOC)]
    assert locs and all(loc.startswith("http://testserver/hy/sitemap-") for loc in locs)
    robots = text(client.get("/robots.txt"))
    assert re.findall(r"Sitemap: (\S+)", robots) == [
        "http://testserver/sitemap.xml",
        "http://testserver/news-sitemap.xml",
        "http://testserver/hy/sitemap.xml",
        "http://testserver/hy/news-sitemap.xml",
    ]
    assert re.findall(r"Disallow: (\S+)", robots) == ["/admin/", "/search/", "/hy/search/"]


def test_news_sitemaps_give_each_story_its_language(site, client):
    for url, story, language in [
        ("/news-sitemap.xml", site["en"], "en"),
        ("/hy/news-sitemap.xml", site["hy"], "hy"),
    ]:
        doc = etree.fromstring(client.get(url).content)
        assert [loc.text for loc in doc.iter(LOC)] == [
            f"http://testserver{story.get_absolute_url()}"
        ]
        assert [node.text for node in doc.iter(f"{NEWS}language")] == [language]


# -- an edition on a host of its own ---------------------------------------------------


@pytest.fixture
def hosted(site, two_editions):
    two_editions.EDITION_HOSTS = {"hy": "hy.example.com"}
    two_editions.PAGE_CACHE_VARY_HOST = True
    two_editions.ALLOWED_HOSTS = ["testserver", "hy.example.com"]
    return site


def test_an_edition_on_its_own_host_is_unprefixed_there(hosted, client):
    hy, en = hosted["hy"], hosted["en"]
    path = iri_to_uri(f"/{hy.local_publish_at:%Y/%m}/{hy.slug}/")
    # Linked from the main host: an absolute address on the edition's host.
    assert hy.get_absolute_url() == f"http://hy.example.com{path}"
    home = client.get("/", headers={"Host": "hy.example.com"})
    assert home["Content-Language"] == "hy"
    assert hy.title in text(home) and en.title not in text(home)
    assert f'href="{path}"' in text(home)
    story = client.get(path, headers={"Host": "hy.example.com"})
    assert story.status_code == 200
    assert 'href="http://hy.example.com/feed/"' in text(story)
    # The prefixed address on the main host moves to the edition's host.
    moved = client.get(f"/hy{path}")
    assert moved.status_code == 301
    assert moved["Location"] == f"http://hy.example.com{path}"
    # The main host keeps the default edition.
    assert en.title in text(client.get("/")) and hy.title not in text(client.get("/"))


def test_the_page_cache_keeps_each_hosts_pages_apart(hosted, client):
    cached(client, "/")
    armenian = cached(client, "/", Host="hy.example.com")
    assert hosted["hy"].title in text(armenian)
    assert hosted["en"].title not in text(armenian)
    english = cached(client, "/")
    assert hosted["en"].title in text(english)
    assert hosted["hy"].title not in text(english)


def test_robots_and_feeds_name_the_editions_host(hosted, client):
    robots = text(client.get("/robots.txt"))
    assert "Sitemap: http://hy.example.com/sitemap.xml" in robots
    rss = etree.fromstring(client.get("/feed/", headers={"Host": "hy.example.com"}).content)
    assert rss.findtext("channel/link") == "http://hy.example.com/"
    assert rss.findtext("channel/language") == "hy"


# -- slugs -----------------------------------------------------------------------------


def test_slugs_stay_unicode_unless_the_edition_asks_for_latin(two_editions):
    title = "Գյումրիի փողոցները"
    assert ArticleFactory(title=title, language="hy").slug == "գյումրիի-փողոցները"
    two_editions.EDITION_ASCII_SLUGS = ["hy"]
    # anyascii, with "ու" as one letter (BGN/PCGN), less the apostrophes.
    assert ArticleFactory(title=title, language="hy").slug == "gyumrii-poghotsnery"
    # Other editions keep their letters; an address of any script works too.
    assert ArticleFactory(title="Café in Gyumri", language="en").slug == "café-in-gyumri"


def test_websub_pings_name_the_feeds_of_the_storys_edition(site):
    from sharing.services import article_url, feed_urls

    assert feed_urls(site["hy"]) == [
        "http://testserver/hy/feed/",
        "http://testserver/hy/feed/atom/",
        "http://testserver/hy/category/politics/feed/",
    ]
    assert feed_urls(site["en"])[0] == "http://testserver/feed/"
    assert article_url(site["hy"]) == f"http://testserver{site['hy'].get_absolute_url()}"
