import io
from datetime import timedelta
from html import unescape

import feedparser
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from taggit.models import Tag

from articles import services
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, ImageFactory

pytestmark = pytest.mark.django_db


def png(name="photo.png", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def read(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:500]
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def titles(parsed):
    return [entry.title for entry in parsed.entries]


# -- format --------------------------------------------------------------------------


def test_site_feed_is_valid_rss_2_with_channel_metadata(client, settings):
    settings.SITE_LANGUAGE = "hy"
    ArticleFactory()
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/rss+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert parsed.version == "rss20"
    assert parsed.feed.title == settings.SITE_NAME
    assert parsed.feed.link == "http://testserver/"
    assert parsed.feed.language == "hy"
    assert {"rel": "self", "href": "http://testserver/feed/", "type": "application/rss+xml"} in [
        dict(link) for link in parsed.feed.links
    ] or any(
        link.get("rel") == "self" and link["href"] == "http://testserver/feed/"
        for link in parsed.feed.links
    )


def test_site_feed_items_carry_full_content_excerpt_creators_and_categories(client):
    first, second = AuthorFactory(name="Ani Petrosyan"), AuthorFactory(name="Aram Hakobyan")
    article = ArticleFactory(
        title="Parliament votes",
        dek="The vote & its meaning",
        body="<p>The whole story.</p>",
        authors=[first, second],
        tags=["Yerevan", "Parliament"],
        category=CategoryFactory(name="Politics"),
    )
    entry = read(client, "/feed/").entries[0]
    assert entry.title == "Parliament votes"
    assert entry.link == f"http://testserver{article.get_absolute_url()}"
    # <description> is HTML: the plain-text excerpt arrives entity-encoded, once.
    assert entry.summary == "The vote &amp; its meaning"
    assert unescape(entry.summary) == "The vote & its meaning"
    assert "<p>The whole story.</p>" in entry.content[0].value
    assert [a.name for a in entry.authors] == ["Ani Petrosyan", "Aram Hakobyan"]
    assert [t.term for t in entry.tags] == ["Politics", "Yerevan", "Parliament"]
    assert entry.published_parsed[:6] == article.publish_at.utctimetuple()[:6]


def test_guid_is_permanent_and_survives_a_slug_change(client):
    article = ArticleFactory(slug="first-slug")
    before = read(client, "/feed/").entries[0]
    assert before.id == f"http://testserver/?p={article.pk}"
    assert before.guidislink is False
    article.slug = "second-slug"
    article.save()
    after = read(client, "/feed/").entries[0]
    assert after.id == before.id
    assert after.link.endswith("/second-slug/")


def test_atom_feed_is_valid_atom_with_content_and_every_author(client):
    article = ArticleFactory(
        body="<p>Body text.</p>",
        authors=[AuthorFactory(name="One"), AuthorFactory(name="Two")],
    )
    response = client.get("/feed/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert parsed.version == "atom10"
    entry = parsed.entries[0]
    assert entry.id == f"http://testserver/?p={article.pk}"
    assert entry.content[0].type == "text/html"
    assert "<p>Body text.</p>" in entry.content[0].value
    assert [a.name for a in entry.authors] == ["One", "Two"]
    assert entry.authors[0].href.startswith("http://testserver/author/")
    assert any(link.rel == "self" for link in parsed.feed.links)


def test_relative_links_and_images_in_the_body_become_absolute(client):
    ArticleFactory(
        slug="story",
        body='<p><a href="/about/">About</a> <a href="other/">x</a> '
        '<img src="/media/pic.jpg" alt="A"> <a href="https://example.org/">ext</a></p>',
    )
    content = read(client, "/feed/").entries[0].content[0].value
    assert 'href="http://testserver/about/"' in content
    assert 'src="http://testserver/media/pic.jpg"' in content
    assert 'href="https://example.org/"' in content
    assert "/story/other/" in content and 'href="http://testserver/' in content
    assert 'href="/' not in content and 'src="/' not in content


def test_featured_image_is_an_enclosure_and_media_content_with_type_and_length(client):
    image = ImageFactory(file=png(), credit="Photo: Ani Hovhannisyan")
    article = ArticleFactory(featured_image=image, featured_image_caption="A red square")
    entry = read(client, "/feed/").entries[0]
    enclosure = entry.enclosures[0]
    assert enclosure.href == f"http://testserver{image.file.url}"
    assert enclosure.type == "image/png"
    assert int(enclosure.length) == image.file.size > 0
    media = entry.media_content[0]
    assert media["url"] == enclosure.href
    assert media["medium"] == "image"
    assert media["width"] == "40" and media["height"] == "30"
    assert media["filesize"] == str(image.file.size)
    assert entry.media_credit[0]["content"] == "Photo: Ani Hovhannisyan"
    body = client.get("/feed/").content.decode()
    assert "<media:description>A red square</media:description>" in body
    assert article.featured_caption == "A red square"


def test_media_description_is_the_library_caption_unless_the_story_has_its_own(client):
    image = ImageFactory(caption="The square at dawn")
    ArticleFactory(featured_image=image)
    body = client.get("/feed/").content.decode()
    assert "<media:description>The square at dawn</media:description>" in body


def test_rss_items_carry_atom_updated_and_dc_creator(client):
    ArticleFactory(authors=[AuthorFactory(name="Lilit")])
    body = client.get("/feed/").content.decode()
    assert "<dc:creator>Lilit</dc:creator>" in body
    assert "<atom:updated>" in body
    assert "<content:encoded>" in body


def test_websub_hub_is_announced_when_configured(client, settings):
    settings.WEBSUB_HUB_URL = "https://hub.example.org/"
    ArticleFactory()
    parsed = read(client, "/feed/")
    assert any(
        link.get("rel") == "hub" and link["href"] == "https://hub.example.org/"
        for link in parsed.feed.links
    )


# -- what is in a feed -------------------------------------------------------------------


def test_feed_carries_only_the_latest_live_articles_up_to_feed_size(client, settings):
    settings.FEED_SIZE = 3
    now = timezone.now()
    for hours in range(5):
        ArticleFactory(title=f"live {hours}", publish_at=now - timedelta(hours=hours + 1))
    ArticleFactory(title="draft", draft=True)
    ArticleFactory(title="scheduled", scheduled=True)
    ArticleFactory(title="unpublished", unpublished=True)
    assert titles(read(client, "/feed/")) == ["live 0", "live 1", "live 2"]


def test_excerpt_default_leaves_out_the_full_text(client, settings):
    settings.FEED_FULL_TEXT = False
    ArticleFactory(dek="Short version", body="<p>Long version</p>")
    entry = read(client, "/feed/").entries[0]
    assert entry.summary == "Short version"
    assert "content" not in entry
    assert "content:encoded" not in client.get("/feed/").content.decode()


def test_category_choice_overrides_the_site_default_in_its_feed(client, settings):
    settings.FEED_FULL_TEXT = True
    opinion = CategoryFactory(slug="opinion", feed_content="excerpt")
    news = CategoryFactory(slug="news", feed_content="")
    ArticleFactory(category=opinion, body="<p>Opinion body</p>")
    ArticleFactory(category=news, body="<p>News body</p>")
    assert "content" not in read(client, "/category/opinion/feed/").entries[0]
    assert "News body" in read(client, "/category/news/feed/").entries[0].content[0].value

    settings.FEED_FULL_TEXT = False
    CategoryFactory(slug="reports", feed_content="full")
    ArticleFactory(category=CategoryFactory(slug="reports"), body="<p>Report body</p>")
    assert "Report body" in read(client, "/category/reports/feed/").entries[0].content[0].value


def test_main_feed_leaves_out_categories_marked_so_but_their_own_feed_keeps_them(client):
    opinion = CategoryFactory(slug="opinion", exclude_from_main_feed=True)
    columns = CategoryFactory(slug="columns", parent=opinion)
    ArticleFactory(title="News story")
    ArticleFactory(title="Opinion piece", category=opinion)
    ArticleFactory(title="Column", category=columns)
    assert titles(read(client, "/feed/")) == ["News story"]
    assert titles(read(client, "/feed/atom/")) == ["News story"]
    assert set(titles(read(client, "/category/opinion/feed/"))) == {"Opinion piece", "Column"}


def test_category_tag_and_author_feeds_carry_their_own_articles(client):
    category = CategoryFactory(slug="culture")
    author = AuthorFactory(slug="ani")
    ArticleFactory(title="Culture", category=category)
    ArticleFactory(title="Tagged", tags=["Music"])
    ArticleFactory(title="By Ani", authors=[author])
    ArticleFactory(title="Other")
    category_feed = read(client, "/category/culture/feed/")
    assert titles(category_feed) == ["Culture"]
    assert category_feed.feed.link == "http://testserver/category/culture/"
    assert titles(read(client, "/tag/music/feed/")) == ["Tagged"]
    assert titles(read(client, "/author/ani/feed/")) == ["By Ani"]
    assert titles(read(client, "/author/ani/feed/atom/")) == ["By Ani"]


def test_unicode_slugs_have_feeds(client):
    category = CategoryFactory(name="Հայաստան", slug="հայաստան")
    ArticleFactory(title="Լուր", category=category, tags=["Երևան"])
    url = reverse("articles:category-feed", kwargs={"slug": category.slug})
    assert titles(read(client, url)) == ["Լուր"]
    tag = Tag.objects.get(name="Երևան")
    tag_url = reverse("articles:tag-feed", kwargs={"slug": tag.slug})
    assert titles(read(client, tag_url)) == ["Լուր"]


def test_wordpress_feed_addresses_move_permanently_to_the_feed(client):
    for old in ("/feed/rss2/", "/feed/rss/", "/feed/rdf/"):
        response = client.get(old)
        assert response.status_code == 301
        assert response["Location"] == "/feed/"


# -- corrections -----------------------------------------------------------------------


def test_a_correction_moves_updated_in_both_feeds(client):
    article = ArticleFactory(publish_at=timezone.now() - timedelta(days=1))
    before = read(client, "/feed/atom/").entries[0].updated_parsed
    when = timezone.now().replace(microsecond=0)
    services.add_correction(article, "A name was misspelled.", when=when)
    atom = read(client, "/feed/atom/").entries[0]
    assert atom.updated_parsed != before
    assert atom.updated_parsed[:6] == when.utctimetuple()[:6]
    assert "A name was misspelled." in atom.content[0].value
    rss = client.get("/feed/").content.decode()
    assert f"<atom:updated>{when.isoformat()}</atom:updated>" in rss


# -- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/category/nope/feed/",
        "/tag/nope/feed/",
        "/author/nope/feed/",
        "/category/nope/feed/atom/",
        "/category/" + "a" * 5000 + "/feed/",
        "/tag/" + "b" * 5000 + "/feed/",
        "/author/%00/feed/",
        "/category/a%20b/feed/",
    ],
)
def test_unknown_or_malformed_feed_addresses_answer_404(client, url):
    assert client.get(url).status_code == 404


def test_feeds_refuse_unsafe_methods(client):
    assert client.post("/feed/").status_code == 405


def test_query_parameters_do_not_break_or_multiply_feeds(client):
    ArticleFactory()
    first = client.get("/feed/?utm_source=x")
    second = client.get("/feed/?page=%00&x=" + "y" * 3000)
    assert first.status_code == second.status_code == 200
    assert first["ETag"] == second["ETag"]


# -- conditional GET and caching -----------------------------------------------------------


def test_feeds_answer_a_matching_etag_with_304(client):
    ArticleFactory()
    first = client.get("/feed/")
    assert first["ETag"] and first["Last-Modified"]
    again = client.get("/feed/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_feeds_answer_if_modified_since_with_304(client):
    ArticleFactory()
    first = client.get("/feed/atom/")
    again = client.get("/feed/atom/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_a_stale_etag_gets_the_new_feed(client):
    article = ArticleFactory(title="Before")
    etag = client.get("/feed/")["ETag"]
    article.title = "After"
    article.save()
    response = client.get("/feed/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert titles(feedparser.parse(response.content)) == ["After"]


def test_readers_keep_a_feed_briefly_and_shared_caches_until_purged(client, settings):
    # Feed readers cannot be told of a change: a minute at most, then a cheap
    # conditional GET. Varnish and CDNs are purged by key (Surrogate-Key).
    ArticleFactory()
    response = client.get("/feed/")
    cache_control = response["Cache-Control"]
    assert f"max-age={settings.PAGE_CACHE_MAX_AGE}" in cache_control
    assert "s-maxage=" in cache_control and "public" in cache_control
    assert "feed" in response["Surrogate-Key"].split()
    assert response["ETag"]


def test_a_cached_feed_costs_no_queries(client, django_assert_num_queries):
    ArticleFactory()
    client.get("/feed/")
    with django_assert_num_queries(0):
        assert client.get("/feed/").status_code == 200


def test_a_scheduled_article_appears_right_after_its_time_without_any_task(client):
    ArticleFactory(title="Earlier")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        publish_at = timezone.now() + timedelta(minutes=10)
        ArticleFactory(title="Scheduled", publish_at=publish_at)
        assert titles(read(client, "/feed/")) == ["Earlier"]
        traveller.move_to(publish_at - timedelta(seconds=1))
        assert titles(read(client, "/feed/")) == ["Earlier"]
        traveller.move_to(publish_at + timedelta(milliseconds=500))
        assert titles(read(client, "/feed/")) == ["Scheduled", "Earlier"]


def test_scheduling_through_the_service_reaches_the_feed_on_time(client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        article = ArticleFactory(title="Planned", draft=True)
        assert titles(read(client, "/feed/atom/")) == []
        when = timezone.now() + timedelta(hours=3)
        services.schedule(article, when)
        assert titles(read(client, "/feed/atom/")) == []
        traveller.move_to(when + timedelta(seconds=1))
        assert titles(read(client, "/feed/atom/")) == ["Planned"]


def test_an_unpublished_article_leaves_every_feed_at_once(client):
    article = ArticleFactory(title="Going", tags=["Gone"], category=CategoryFactory(slug="c"))
    urls = ["/feed/", "/feed/atom/", "/category/c/feed/", "/tag/gone/feed/"]
    for url in urls:
        assert titles(read(client, url)) == ["Going"]
    services.unpublish(article)
    for url in urls[:-1]:
        assert titles(read(client, url)) == []
    # The tag has no live story left: its feed is gone (no empty public feed of a tag).
    assert client.get("/tag/gone/feed/").status_code == 404


def test_an_edit_in_the_admin_reaches_the_feed_at_once(client):
    article = ArticleFactory(title="Old headline")
    assert titles(read(client, "/feed/")) == ["Old headline"]
    Article.objects.filter(pk=article.pk).update(title="Silent")  # no signal: still cached
    assert titles(read(client, "/feed/")) == ["Old headline"]
    article.refresh_from_db()
    article.title = "New headline"
    article.save()
    assert titles(read(client, "/feed/")) == ["New headline"]


def test_renaming_a_category_or_author_reaches_the_feed_at_once(client):
    category = CategoryFactory(name="Old section")
    author = AuthorFactory(name="Old name")
    ArticleFactory(category=category, authors=[author])
    read(client, "/feed/")
    category.name = "New section"
    category.save()
    author.name = "New name"
    author.save()
    entry = read(client, "/feed/").entries[0]
    assert entry.tags[0].term == "New section"
    assert entry.author == "New name"


# -- query budget ------------------------------------------------------------------------


@pytest.fixture
def crowded_site(settings):
    """50 live articles, each with 20 tags and 3 authors."""
    settings.FEED_SIZE = 50
    category = CategoryFactory(slug="crowded")
    authors = AuthorFactory.create_batch(6)
    tags = [f"tag {n}" for n in range(20)]
    for n in range(50):
        ArticleFactory(
            category=category,
            authors=authors[n % 4 : n % 4 + 3],
            tags=tags,
            featured_image=ImageFactory(file=png(f"p{n}.png")) if n % 10 == 0 else None,
        )
    services.add_correction(Article.objects.first(), "Fixed.")
    return {"category": category, "author": authors[1], "tag": "tag-0"}


@pytest.mark.parametrize(
    "url",
    [
        "/feed/",
        "/feed/atom/",
        "/category/crowded/feed/",
        "/tag/tag-0/feed/",
        "/author/{author}/feed/atom/",
    ],
)
def test_feeds_render_in_a_constant_number_of_queries(
    client, crowded_site, django_assert_max_num_queries, url
):
    url = url.format(author=crowded_site["author"].slug)
    with django_assert_max_num_queries(9):
        parsed = read(client, url)
    assert len(parsed.entries) >= 25
    assert all(len(entry.tags) == 21 for entry in parsed.entries)


def test_atom_feed_names_the_publisher_for_stories_without_a_byline(client, settings):
    settings.PUBLISHER_NAME = "Massis Post"
    ArticleFactory(authors=[])
    parsed = read(client, "/feed/atom/")
    assert parsed.feed.author == "Massis Post"
    assert "authors" not in parsed.entries[0] or parsed.entries[0].authors == [
        {"name": "Massis Post", "href": "http://testserver/"}
    ]


def test_head_requests_are_answered_like_gets(client):
    ArticleFactory()
    get = client.get("/feed/")
    head = client.head("/feed/")
    assert head.status_code == 200
    assert head["ETag"] == get["ETag"]


def test_a_picture_missing_from_storage_does_not_break_the_feed(client):
    image = ImageFactory(file=png())
    article = ArticleFactory(featured_image=image)
    image.file.storage.delete(image.file.name)
    entry = read(client, "/feed/").entries[0]
    assert entry.enclosures[0].href.endswith(article.featured_image.file.url)
