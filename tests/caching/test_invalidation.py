"""Purges by key: a write drops exactly the cached pages and pieces that show what it changed.

Every test warms the pages first, makes one editorial change the way the site
makes it (articles.services, the admin's model saves), then checks that each
page showing the change shows it on the very next request while the pages that
do not show it are still answered from the cache.
"""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from taggit.models import Tag

from articles import services
from articles.cards import card_name
from articles.feeds import FULL
from articles.models import Article
from articles.signals import article_changed, article_went_live
from caching import fragments
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BreakingNewsFactory,
    CategoryFactory,
    CorrectionFactory,
    ImageFactory,
    StaffUserFactory,
)

from .support import ESI, ago, cached, html, newsroom, recent_posts, warm

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit():` runs the block's after-commit work as its commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def news(db, commit):
    with commit():
        return newsroom()


def loaded(article):
    """The story as the admin and the services load it (from the database)."""
    return Article.objects.get(pk=article.pk)


def url(article):
    return article.get_absolute_url()


def assert_fresh(client, urls, *, shows=(), hides=()):
    """Each of `urls` is rendered again and shows/hides the given text."""
    for address in urls:
        response = client.get(address)
        assert response.get("X-Cache") == "miss", address
        page = html(response)
        for text in shows:
            assert text in page, (address, text)
        for text in hides:
            assert text not in page, (address, text)


def assert_hits(client, urls):
    for address in urls:
        assert client.get(address).get("X-Cache") == "hit", address


def lists_of_a(news):
    """Every page that lists story A (Politics, "budget", Ani Hakobyan)."""
    when = news["a"].local_publish_at
    return [
        "/",
        "/category/politics/",
        "/tag/budget/",
        "/author/ani-hakobyan/",
        f"/{when:%Y}/",
        f"/{when:%Y/%m}/",
        "/feed/",
        "/feed/atom/",
        "/category/politics/feed/",
        "/tag/budget/feed/",
        "/author/ani-hakobyan/feed/",
    ]


def elsewhere(news):
    """Pages that do not show story A."""
    return [
        url(news["b"]),
        url(news["c"]),
        "/category/sport/",
        "/category/culture/",
        "/tag/football/",
        "/author/davit-petrosyan/",
        "/category/sport/feed/",
        "/tag/cinema/feed/",
    ]


# -- an edit of one story --------------------------------------------------------------


def test_editing_a_story_purges_its_page_and_the_lists_that_show_it_and_nothing_else(
    news, client, commit
):
    a, b = news["a"], news["b"]
    showing_a = [url(a), *lists_of_a(news)]
    warm(client, *showing_a, *elsewhere(news), "/news-sitemap.xml")
    assert "Parliament passes the budget" in recent_posts(html(cached(client, url(b))))

    story = loaded(a)
    story.title = "Parliament passes the amended budget"
    with commit():
        services.save_article(story, base_version=story.version)

    # The story's pieces are gone, every other story's are still there.
    names = [
        card_name(a.pk),
        card_name(b.pk),
        f"feed-entry:{FULL}:{a.pk}",
        f"feed-entry:{FULL}:{b.pk}",
    ]
    assert set(fragments.get_many(names)) == {card_name(b.pk), f"feed-entry:{FULL}:{b.pk}"}

    assert_fresh(
        client, [*showing_a, "/news-sitemap.xml"], shows=["Parliament passes the amended budget"]
    )
    assert_hits(client, elsewhere(news))
    # B's page is still the stored one; its Recent Posts (a hole) has the new title.
    response = client.get(url(b))
    assert response["X-Cache"] == "hit"
    assert "Parliament passes the amended budget" in recent_posts(html(response))


def test_an_edit_reaches_every_page_at_once_even_when_made_on_an_object_not_loaded_fresh(
    news, client
):
    # The factory's object never came from the database: the purge cannot know where
    # the story was listed before, and purges every list it is in now.
    a = news["a"]
    warm(client, url(a), *lists_of_a(news))
    a.title = "Parliament passes the amended budget"
    services.save_article(a, base_version=a.version)
    assert_fresh(client, [url(a), *lists_of_a(news)], shows=["the amended budget"])


# -- where a story appears -----------------------------------------------------------------


def test_publishing_a_story_puts_it_everywhere_it_belongs_at_once(news, client, commit):
    a, b = news["a"], news["b"]
    with commit():
        draft = ArticleFactory(
            draft=True,
            title="Ceasefire announced",
            slug="ceasefire-announced",
            category=news["politics"],
            authors=[news["ani"]],
            tags=["budget"],
        )
    when = timezone.localtime()
    month_sitemap = f"/sitemap-articles-{when:%Y-%m}.xml"
    lists = [
        "/",
        "/category/politics/",
        "/tag/budget/",
        "/author/ani-hakobyan/",
        f"/{when:%Y}/",
        f"/{when:%Y/%m}/",
        "/feed/",
        "/feed/atom/",
        "/category/politics/feed/",
        "/tag/budget/feed/",
        "/author/ani-hakobyan/feed/",
        "/news-sitemap.xml",
    ]
    warm(
        client,
        url(a),
        url(b),
        *lists,
        month_sitemap,
        "/search/?q=ceasefire",
        "/category/culture/",
        "/tag/football/",
    )
    assert "Ceasefire announced" not in html(cached(client, "/"))

    with commit():
        services.publish(loaded(draft))

    story = loaded(draft)
    assert_fresh(client, lists, shows=["Ceasefire announced"])
    assert url(story) in html(client.get(month_sitemap))
    assert url(story) in html(client.get("/search/?q=ceasefire"))
    assert client.get(url(story)).status_code == 200
    # A's page lists related stories (its section, its tag): the new one may be one.
    page = html(client.get(url(a)))
    assert "Ceasefire announced" in recent_posts(page)
    assert "Ceasefire announced" in page.split('class="related"', 1)[1]
    # B's page is still the stored one; its Recent Posts (a hole) has the story.
    response = client.get(url(b))
    assert response["X-Cache"] == "hit"
    assert "Ceasefire announced" in recent_posts(html(response))
    assert_hits(client, ["/category/culture/", "/tag/football/"])


def test_unpublishing_a_story_takes_it_off_every_page_at_once(news, client, commit):
    a, b = news["a"], news["b"]
    when = a.local_publish_at
    month_sitemap = f"/sitemap-articles-{when:%Y-%m}.xml"
    warm(
        client,
        url(a),
        *lists_of_a(news),
        month_sitemap,
        "/news-sitemap.xml",
        "/search/?q=parliament",
        url(b),
        "/category/culture/",
    )

    with commit():
        services.unpublish(loaded(a))

    assert client.get(url(a)).status_code == 404
    assert_fresh(
        client,
        [*lists_of_a(news), "/news-sitemap.xml", "/search/?q=parliament"],
        hides=["Parliament passes the budget", url(a)],
    )
    assert url(a) not in html(client.get(month_sitemap))
    response = client.get(url(b))
    assert response["X-Cache"] == "hit"
    assert "Parliament passes the budget" not in html(response)
    assert_hits(client, ["/category/culture/"])


def test_moving_a_story_to_another_section_updates_both_section_pages(news, client, commit):
    urls = [
        "/category/politics/",
        "/category/sport/",
        "/category/politics/feed/",
        "/category/sport/feed/",
    ]
    warm(client, *urls, "/category/culture/")
    story = loaded(news["a"])
    story.category = news["sport"]
    with commit():
        services.save_article(story, base_version=story.version)
    assert_fresh(
        client,
        ["/category/politics/", "/category/politics/feed/"],
        hides=["Parliament passes the budget"],
    )
    assert_fresh(
        client,
        ["/category/sport/", "/category/sport/feed/"],
        shows=["Parliament passes the budget"],
    )
    assert_hits(client, ["/category/culture/"])


def related(page):
    return page.split('class="related"', 1)[1].split("</section>", 1)[0]


def test_moving_a_story_to_another_section_changes_its_related_stories(news, client, commit):
    a = news["a"]
    with commit():
        loaded(a).tags.clear()  # related by its section alone
        ArticleFactory(
            title="Budget debate continues",
            category=news["politics"],
            authors=[news["lilit"]],
            publish_at=ago(hours=5),
        )
    assert "Budget debate continues" in related(html(cached(client, url(a))))
    story = loaded(a)
    story.category = news["sport"]
    with commit():
        services.save_article(story, base_version=story.version)
    shown = related(html(client.get(url(a))))
    assert "Cup final goes to extra time" in shown
    assert "Budget debate continues" not in shown


def test_a_new_tag_changes_the_storys_related_stories(news, client, commit):
    a = news["a"]
    before = html(cached(client, url(a)))
    assert 'class="related"' not in before or "Film festival" not in related(before)
    with commit():
        loaded(a).tags.add("cinema")  # the tag of C, in Culture
    page = html(client.get(url(a)))
    assert 'class="related"' in page
    assert "Film festival opens in Yerevan" in related(page)


def four_related_sharing_budget(news):
    """Four more Politics stories tagged "budget": A's related stories, each sharing a tag."""
    return [
        ArticleFactory(
            title=f"Budget hearing {n}",
            category=news["politics"],
            authors=[news["lilit"]],
            tags=["budget"],
            publish_at=ago(hours=10 + n),
        )
        for n in range(4)
    ]


def cabinet_reshuffle(news):
    """A new Politics story sharing no tag with A."""
    return ArticleFactory(
        title="Cabinet reshuffle",
        category=news["politics"],
        authors=[news["ani"]],
        tags=["cabinet"],
        publish_at=ago(minutes=5),
    )


def test_a_story_in_its_section_leaves_a_page_whose_related_stories_share_tags(
    news, client, commit
):
    a = news["a"]
    with commit():
        four_related_sharing_budget(news)
    page = html(cached(client, url(a)))
    assert related(page).count("Budget hearing") == 4
    with commit():
        cabinet_reshuffle(news)
    # The new story shares no tag with A: it could only rank below all four.
    response = client.get(url(a))
    assert response["X-Cache"] == "hit"
    assert "Cabinet reshuffle" in recent_posts(html(response))
    assert "Cabinet reshuffle" not in related(html(response))
    with commit():
        ArticleFactory(
            title="Budget vote scheduled",
            category=news["sport"],  # not even A's section: its tag is enough
            authors=[news["ani"]],
            tags=["budget"],
            publish_at=ago(minutes=1),
        )
    assert_fresh(client, [url(a)], shows=["Budget vote scheduled"])
    assert "Budget vote scheduled" in related(html(client.get(url(a))))


def test_a_story_in_its_section_purges_a_page_with_stories_drawn_from_the_section(
    news, client, commit
):
    a = news["a"]
    with commit():
        hearings = four_related_sharing_budget(news)
        # One of A's four related stories shares no tag: drawn from the section.
        loaded(hearings[0]).tags.clear()
    assert related(html(cached(client, url(a)))).count("Budget hearing") == 4
    with commit():
        cabinet_reshuffle(news)
    # Newer than the untagged hearing, as unrelated by tags: it takes its place.
    assert_fresh(client, [url(a)], shows=["Cabinet reshuffle"])
    shown = related(html(client.get(url(a))))
    assert "Cabinet reshuffle" in shown
    assert "Budget hearing 0" not in shown


def test_adding_a_tag_puts_the_story_on_the_tag_page(news, client, commit):
    with commit():
        news["c"].tags.add("economy")
    warm(client, "/tag/economy/", "/tag/economy/feed/", url(news["a"]), "/category/culture/")
    with commit():
        loaded(news["a"]).tags.add("economy")
    assert_fresh(
        client,
        ["/tag/economy/", "/tag/economy/feed/"],
        shows=["Parliament passes the budget", "Film festival opens in Yerevan"],
    )
    # The story's own page lists its tags.
    assert 'href="/tag/economy/"' in html(client.get(url(news["a"])))
    assert_hits(client, ["/category/culture/"])


def test_removing_a_tag_takes_the_story_off_the_tag_page(news, client, commit):
    warm(client, "/tag/budget/", "/category/culture/")
    with commit():
        loaded(news["a"]).tags.remove(Tag.objects.get(name="budget"))
    assert "Parliament passes the budget" not in html(client.get("/tag/budget/"))
    assert_hits(client, ["/category/culture/"])


# -- what a story's card shows -------------------------------------------------------------


def test_renaming_a_section_updates_the_navigation_and_the_cards(news, client, commit):
    a = news["a"]
    pages = [
        "/",
        url(a),
        url(news["b"]),
        "/tag/budget/",
        "/author/ani-hakobyan/",
        "/category/culture/",
    ]
    warm(client, *pages)
    politics = news["politics"]
    politics.name = "Government"
    with commit():
        politics.save()
    label = 'class="category-label" href="/category/politics/">Government</a>'
    for page in pages:
        nav = html(client.get(page)).split('class="section-nav"', 1)[1].split("</nav>", 1)[0]
        assert "Government</a></li>" in nav and "Politics" not in nav, page
    for page in ["/", url(a), "/tag/budget/", "/author/ani-hakobyan/"]:
        assert label in html(client.get(page)), page


def test_renaming_an_author_updates_the_bylines_on_cards(news, client, commit):
    a = news["a"]
    pages = ["/", url(a), "/category/politics/", "/tag/budget/", "/author/ani-hakobyan/", "/feed/"]
    warm(client, *pages, url(news["b"]), "/category/culture/")
    ani = news["ani"]
    ani.name = "Ani Hakobyan-Sargsyan"
    with commit():
        ani.save()
    assert_fresh(client, pages, shows=["Ani Hakobyan-Sargsyan"])
    assert_hits(client, [url(news["b"]), "/category/culture/"])


def test_a_new_byline_shows_at_once(news, client, commit):
    a = news["a"]
    warm(client, url(a), "/", "/author/lilit-sargsyan/", url(news["b"]))
    with commit():
        a.bylines.create(author=news["lilit"], order=1)
    assert_fresh(client, [url(a), "/", "/author/lilit-sargsyan/"], shows=["Lilit Sargsyan"])
    assert "Parliament passes the budget" in html(client.get("/author/lilit-sargsyan/"))
    assert_hits(client, [url(news["b"])])


def test_an_image_change_updates_the_pages_that_show_it(news, client, commit):
    with commit():
        picture = ImageFactory(alt_text="The finance minister at the lectern")
        story = loaded(news["a"])
        story.featured_image = picture
        story.save()
    b = news["b"]
    warm(client, url(story), "/", url(b), "/category/culture/")
    assert 'alt="The finance minister at the lectern"' in html(client.get(url(story)))
    picture.alt_text = "Members of parliament voting"
    with commit():
        picture.save()
    assert_fresh(client, [url(story)], shows=['alt="Members of parliament voting"'])
    assert client.get("/")["X-Cache"] == "miss"  # its card shows the picture
    assert_hits(client, [url(b), "/category/culture/"])


def test_a_correction_shows_on_the_article_page_and_in_the_feeds(news, client, commit):
    a = news["a"]
    warm(client, url(a), "/feed/", "/category/politics/feed/", url(news["b"]))
    with commit():
        services.add_correction(loaded(a), "An earlier version misstated the total.")
    assert_fresh(
        client, [url(a), "/feed/", "/category/politics/feed/"], shows=["misstated the total"]
    )
    assert_hits(client, [url(news["b"])])


# -- holes -------------------------------------------------------------------------------


def test_a_breaking_news_banner_shows_on_every_page_at_once(news, client, commit):
    pages = [
        "/",
        url(news["a"]),
        url(news["b"]),
        "/category/culture/",
        "/tag/budget/",
        "/author/ani-hakobyan/",
        "/no-such-page/",
    ]
    warm(client, *pages)
    with commit():
        banner = BreakingNewsFactory(text="Polls have closed")
    for page in pages:
        response = client.get(page)
        # The pages are still the stored ones: the banner is a hole.
        assert response["X-Cache"] == "hit", page
        assert "Polls have closed" in html(response), page
    banner.is_active = False
    with commit():
        banner.save()
    for page in pages:
        response = client.get(page)
        assert response["X-Cache"] == "hit", page
        assert "Polls have closed" not in html(response), page


def test_the_edge_is_given_the_banner_as_a_fragment_of_its_own(news, client, commit):
    page = url(news["a"])
    warm(client, page, **ESI)
    response = client.get(page, headers=ESI)
    assert '<esi:include src="/_fragment/breaking-news/" />' in html(response)
    assert "banner" not in response["Surrogate-Key"].split()
    with commit():
        BreakingNewsFactory(text="Polls have closed")
    assert client.get(page, headers=ESI)["X-Cache"] == "hit"
    fragment = client.get("/_fragment/breaking-news/")
    assert "Polls have closed" in html(fragment)
    assert fragment["Surrogate-Key"].split() == ["banner"]


# -- every kind of write that changes a story ---------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.save(),
        lambda a: a.delete(),
        lambda a: a.category.save(),
        lambda a: a.ordered_authors[0].save(),
        lambda a: a.tags.add("New tag"),
        lambda a: a.tags.clear(),
        lambda a: CorrectionFactory(article=a),
        lambda a: a.bylines.first().delete(),
        lambda a: article_changed.send(sender=Article, article=a, reason="edited"),
        lambda a: article_went_live.send(sender=Article, article=a),
    ],
    ids=[
        "save",
        "delete",
        "category",
        "author",
        "tag-add",
        "tag-clear",
        "correction",
        "byline",
        "changed-signal",
        "went-live-signal",
    ],
)
def test_every_write_that_changes_a_story_drops_its_page(news, client, commit, change, request):
    a = loaded(news["a"])
    warm(client, url(a), url(news["c"]))
    with commit():
        change(a)
    assert client.get(url(a)).get("X-Cache") == "miss"
    if "category" not in request.node.callspec.id:  # a section's name is in every page's nav
        assert_hits(client, [url(news["c"])])


def test_writes_that_change_no_page_drop_nothing(news, client, commit):
    warm(client, "/", url(news["a"]), "/feed/")
    with commit():
        Group.objects.create(name="Readers")
        StaffUserFactory(role="Editor")
    assert_hits(client, ["/", url(news["a"]), "/feed/"])


def test_a_purge_is_made_again_once_the_transaction_commits(
    news, client, django_capture_on_commit_callbacks
):
    a = news["a"]
    warm(client, url(a))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.unpublish(loaded(a))
        # A reader's rendering from the rows as they were before the transaction
        # (it has not committed), stored after the purge made at once:
        Article.objects.filter(pk=a.pk).update(status=Article.Status.PUBLISHED)
        assert cached(client, url(a)).status_code == 200
        Article.objects.filter(pk=a.pk).update(status=Article.Status.UNPUBLISHED)
    for callback in callbacks:
        callback()
    assert client.get(url(a)).status_code == 404


def test_a_new_section_shows_in_the_navigation_at_once(news, client, commit):
    pages = ["/", url(news["a"]), "/category/culture/", "/no-such-page/"]
    warm(client, *pages)
    with commit():
        CategoryFactory(name="Diaspora", slug="diaspora")
    for page in pages:
        nav = html(client.get(page)).split('class="section-nav"', 1)[1].split("</nav>", 1)[0]
        assert "Diaspora" in nav, page


def test_a_new_author_is_in_the_sitemap_at_once(news, client, commit):
    warm(client, "/sitemap-authors.xml", "/sitemap.xml")
    with commit():
        author = AuthorFactory(name="Narek Grigoryan", slug="narek-grigoryan")
        ArticleFactory(authors=[author], category=news["culture"])
    assert author.get_absolute_url() in html(client.get("/sitemap-authors.xml"))


def test_tagging_a_library_image_purges_no_story(client):
    from unittest import mock

    from caching import purges
    from tests.factories import ImageFactory

    ArticleFactory(title="Parliament passes the budget")
    image = ImageFactory()
    with mock.patch.object(purges, "purge", wraps=purges.purge) as purged:
        image.tags.add("archive")
    keys = set().union(*(set(call.args[0]) for call in purged.call_args_list))
    assert f"article:{image.pk}" not in keys and "schedule" not in keys
    # A new tag names itself; nothing names a story's page or the schedule.
    assert not any(key.startswith("article:") for key in keys)
