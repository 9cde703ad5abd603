"""The public interface in Armenian: marked strings, dates, and names per language."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from taggit.models import Tag

from articles.models import TagTranslation
from caching import schedule
from caching.middleware import forget_local_copies
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, CorrectionFactory

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def newsroom(db, frozen, settings):
    """A section, two bylines and tags with Armenian names, and enough stories to page:
    stories of the Armenian edition on a site that has one."""
    language = "hy" if "hy" in dict(settings.LANGUAGES) else "en"
    section = CategoryFactory(
        name="Artsakh",
        slug="artsakh",
        description="News from Artsakh",
        translations={"hy": {"name": "Արցախ", "description": "Լուրեր Արցախից"}},
    )
    plain = CategoryFactory(name="Diaspora", slug="diaspora")
    ani = AuthorFactory(
        name="Ani Hovhannisyan",
        slug="ani",
        bio="Reporter in Stepanakert.",
        translations={"hy": {"name": "Անի Հովհաննիսյան", "bio": "Լրագրող Ստեփանակերտում։"}},
    )
    aram = AuthorFactory(name="Aram Petrosyan", slug="aram")
    stories = [
        ArticleFactory(
            title=f"Story {n}",
            dek="A short dek.",
            category=section,
            authors=[ani, aram],
            tags=["politics", "yerevan"],
            publish_at=NOW - dt.timedelta(hours=3 + n),
            language=language,
        )
        for n in range(5)
    ]
    ArticleFactory(
        title="Elsewhere",
        dek="Another dek.",
        category=plain,
        authors=[aram],
        tags=["politics"],
        language=language,
    )
    TagTranslation.objects.create(
        tag=Tag.objects.get(slug="politics"), names={"hy": "Քաղաքականություն"}
    )
    CorrectionFactory(article=stories[0], text="A name was misspelled.")
    return {"section": section, "plain": plain, "ani": ani, "aram": aram, "stories": stories}


def page(client, url, language=None):
    """The text of page `url` in edition `language` (its address under /<language>/;
    a story's own address is already in its edition)."""
    if language and language != "en" and not url.startswith(f"/{language}/"):
        url = f"/{language}{url}"
    response = client.get(url)
    return response.status_code, response.content.decode()


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- marked strings ------------------------------------------------------------------


def test_the_article_page_speaks_armenian(two_editions, newsroom, client, settings):
    settings.ARTICLES_PER_PAGE = 2
    story = newsroom["stories"][1]
    status, html = page(client, story.get_absolute_url(), "hy")
    assert status == 200
    assert '<html lang="hy"' in html
    assert 'class="section-nav" aria-label="Բաժիններ"' in html  # the section bar
    text = text_of(html)
    for words in [
        "Արցախ",  # the section bar and the story's section label
        "Վերջին նյութեր",  # Recent Posts
        "Կիսվել",  # Share
        "Հրապարակել է",  # Published by
        "Առնչվող նյութեր",  # Related
        "Պատճենել հղումը",
        "Հեղինակ՝ Անի Հովհաննիսյան և Aram Petrosyan",  # byline, names per language
        "Որոնել",
    ]:
        assert words in text, words
    for english in ["Recent Posts", "Share", "Published by", "Related", "Copy link", "By "]:
        assert english not in text, english


def test_related_stories_name_their_section_in_armenian(two_editions, newsroom, client):
    # The related list is read by a statement of its own (ArticleQuerySet.related_to),
    # which builds each story's section from its columns: its names per language too.
    status, html = page(client, newsroom["stories"][0].get_absolute_url(), "hy")
    assert status == 200
    related = html[html.index('<section class="related"') :]
    related = related[: related.index("</section>")]
    assert related.count('class="category-label" href="/hy/category/artsakh/">Արցախ</a>') >= 2
    assert "Artsakh<" not in related


def test_corrections_and_dates_are_armenian(two_editions, newsroom, client):
    status, html = page(client, newsroom["stories"][0].get_absolute_url(), "hy")
    text = text_of(html)
    assert "Ուղղումներ և թարմացումներ" in text
    # The dateline: day, the month in the genitive, the year, a 24-hour time.
    assert "5 դեկտեմբերի 2026 թ., 09:00" in text
    assert "December" not in text


def test_pagination_and_listing_words_are_armenian(two_editions, newsroom, client, settings):
    settings.ARTICLES_PER_PAGE = 2
    status, html = page(client, "/category/artsakh/?page=2", "hy")
    assert status == 200
    text = text_of(html)
    assert "Էջ 2՝ 3-ից" in text
    assert "Ավելի նոր" in text and "Ավելի հին" in text
    assert "<h1>Արցախ</h1>" in html
    assert "Լուրեր Արցախից" in text


def test_search_page_is_armenian(two_editions, newsroom, client):
    status, html = page(client, "/search/?q=Story&from=2026-13-01", "hy")
    assert status == 200
    text = text_of(html)
    assert "Արդյունքներ՝ «Story»" in text
    assert "Բոլոր բաժինները" in text
    assert "ամսաթիվ չէ" in text  # the form's note about the bad date
    # "N stories" (or, where the index has not the words, "N stories with a similar title").
    assert re.search(r'class="search-count">\d+ նյութ', html)
    _, empty = page(client, "/search/", "hy")
    assert "Որոնման դաշտում գրեք անուն, վայր կամ իրադարձություն։" in text_of(empty)


def test_not_found_page_is_armenian(two_editions, newsroom, client):
    status, html = page(client, "/no-such-page/", "hy")
    assert status == 404
    assert '<html lang="hy"' in html
    text = text_of(html)
    assert "Էջը չի գտնվել" in text
    assert "Անցնել գլխավոր էջ" in text


def test_newsletter_sign_up_is_armenian(two_editions, newsroom, client):
    status, html = page(client, "/newsletter/", "hy")
    assert status == 200
    text = text_of(html)
    assert "Բաժանորդագրվել" in text
    assert "Օրվա ամփոփում" in text  # a form label from Python
    assert "Ձեր էլ. փոստի հասցեն" in text


def test_archive_titles_name_the_month_in_armenian(two_editions, newsroom, client):
    status, html = page(client, "/2026/12/", "hy")
    assert status == 200
    assert "<h1>Դեկտեմբեր 2026 թ.</h1>" in html
    assert "Արխիվ 2026" in text_of(html)


# -- the one-language site stays as it was --------------------------------------------


def test_a_one_language_site_reads_as_before(newsroom, client):
    story = newsroom["stories"][0]
    status, html = page(client, story.get_absolute_url())
    assert '<html lang="en"' in html
    text = text_of(html)
    for words in [
        "Recent Posts",
        "Share",
        "Published by",
        "Corrections and updates",
        "By Ani Hovhannisyan and Aram Petrosyan",
        "December 5, 2026 at 9:00 AM",
        "Skip to content",
        "Get the newsletter",
    ]:
        assert words in text, words
    # Names of other editions never leak into the default one.
    assert "Արցախ" not in html and "Անի" not in html and "Քաղաքականություն" not in html


def test_feeds_keep_rfc_dates_in_armenian(two_editions, newsroom, client):
    status, xml = page(client, "/feed/", "hy")
    assert status == 200
    assert "Sat, 05 Dec 2026" in xml
    assert "<category>Արցախ</category>" in xml
    assert "<category>Քաղաքականություն</category>" in xml


# -- names per language ----------------------------------------------------------------


def test_names_fall_back_to_the_default_edition(two_editions, newsroom):
    section, plain, ani, aram = (newsroom[k] for k in ("section", "plain", "ani", "aram"))
    with translation.override("hy"):
        assert (section.local_name, section.local_description) == ("Արցախ", "Լուրեր Արցախից")
        assert (plain.local_name, plain.local_description) == ("Diaspora", "")
        assert (ani.local_name, ani.local_bio) == ("Անի Հովհաննիսյան", "Լրագրող Ստեփանակերտում։")
        assert (aram.local_name, aram.local_bio) == ("Aram Petrosyan", "")
    with translation.override("en"):
        assert (section.local_name, ani.local_name) == ("Artsakh", "Ani Hovhannisyan")
    # A regional variant of the language finds the language's names.
    with translation.override("hy-am"):
        assert section.local_name == "Արցախ"


def test_tag_and_author_pages_show_names_in_armenian(two_editions, newsroom, client):
    _, tag_page = page(client, "/tag/politics/", "hy")
    assert "<h1>Քաղաքականություն</h1>" in tag_page
    assert "«Քաղաքականություն» պիտակով նյութեր։" in tag_page  # meta description
    _, untranslated = page(client, "/tag/yerevan/", "hy")
    assert "<h1>yerevan</h1>" in untranslated
    _, author_page = page(client, "/author/ani/", "hy")
    assert "<h1>Անի Հովհաննիսյան</h1>" in author_page
    assert "Լրագրող Ստեփանակերտում։" in author_page
    assert '"name": "Անի Հովհաննիսյան"' in author_page  # JSON-LD


def test_article_metadata_names_in_armenian(two_editions, newsroom, client):
    _, html = page(client, newsroom["stories"][0].get_absolute_url(), "hy")
    assert '<meta property="article:section" content="Արցախ">' in html
    assert '<meta property="article:tag" content="Քաղաքականություն">' in html
    assert 'rel="tag">Քաղաքականություն</a>' in html


def count_queries(client, url):
    schedule.upcoming()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/", "/category/artsakh/", "/tag/politics/", "/author/ani/", "/feed/", "article"]
)
def test_names_per_language_cost_no_query(two_editions, newsroom, client, url):
    """A page with Armenian names reads as many rows as the same page without them."""
    url = newsroom["stories"][0].get_absolute_url() if url == "article" else f"/hy{url}"
    named = count_queries(client, url)
    newsroom["section"].translations = {}
    newsroom["section"].save()
    newsroom["ani"].translations = {}
    newsroom["ani"].save()
    TagTranslation.objects.all().delete()
    # Nothing cached in between: both renderings are complete.
    cache.clear()
    forget_local_copies()
    unnamed = count_queries(client, url)
    assert named == unnamed


def test_section_bar_is_cached_per_language(two_editions, newsroom, client):
    with translation.override("en"):
        client.get("/2026/")
    _, html = page(client, "/2026/12/", "hy")
    nav = re.search(r'<nav class="section-nav".*?</nav>', html, re.S).group(0)
    assert "Արցախ" in nav and 'aria-label="Բաժիններ"' in nav
