import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from articles.models import Article, ArticleRedirect
from caching import schedule
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BreakingNewsFactory,
    CategoryFactory,
    CorrectionFactory,
)


@pytest.fixture
def corpus(db):
    """50 live articles in 5 categories, each with 3 authors and tags from a pool of 20."""
    categories = [CategoryFactory() for _ in range(5)]
    authors = [AuthorFactory() for _ in range(6)]
    tags = [f"tag-{n}" for n in range(20)]
    now = timezone.now()
    articles = []
    for n in range(50):
        articles.append(
            ArticleFactory(
                category=categories[n % 5],
                authors=authors[n % 4 : n % 4 + 3],
                tags=tags[n % 10 : n % 10 + 10],
                publish_at=now - timezone.timedelta(hours=n + 1),
            )
        )
    return {"categories": categories, "authors": authors, "articles": articles}


# -- visibility -------------------------------------------------------------


def test_live_article_is_shown(db, client):
    article = ArticleFactory(title="Talks rejected", dateline="STEPANAKERT")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Talks rejected" in html
    assert "STEPANAKERT" in html


@pytest.mark.parametrize("state", ["draft", "review", "unpublished", "scheduled"])
def test_articles_readers_may_not_see_answer_404(db, client, state):
    article = ArticleFactory(**{state: True})
    assert client.get(article.get_absolute_url()).status_code == 404


def test_scheduled_article_appears_when_its_time_comes(db, client):
    article = ArticleFactory(scheduled=True)
    url = article.get_absolute_url()
    assert client.get(url).status_code == 404
    with time_machine.travel(article.publish_at + timezone.timedelta(seconds=1)):
        assert client.get(url).status_code == 200
        assert article.title in client.get("/").content.decode()


def test_staff_who_may_view_articles_see_a_marked_uncacheable_preview(db, client):
    article = ArticleFactory(draft=True)
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(user)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Preview" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"].startswith("noindex")


def test_staff_without_view_permission_get_404_for_drafts(db, client):
    article = ArticleFactory(draft=True)
    client.force_login(User.objects.create_user("intern", password="x", is_staff=True))
    assert client.get(article.get_absolute_url()).status_code == 404


def test_unknown_slug_answers_styled_404(db, client):
    response = client.get("/2026/01/no-such-story/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# -- redirects ----------------------------------------------------------------


def test_day_permalink_redirects_permanently_to_canonical_address(db, client):
    article = ArticleFactory()
    when = article.local_publish_at
    response = client.get(f"/{when:%Y/%m/%d}/{article.slug}/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_wrong_month_redirects_permanently(db, client):
    article = ArticleFactory(publish_at=timezone.now() - timezone.timedelta(days=70))
    response = client.get(f"/2001/01/{article.slug}/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_old_slug_redirects_permanently_after_a_rename(db, client):
    article = ArticleFactory(title="Old headline")
    old_url = article.get_absolute_url()
    article = Article.objects.get(pk=article.pk)
    article.slug = "new-headline"
    article.save()
    response = client.get(old_url + "?utm_source=x")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url() + "?utm_source=x"


def test_old_address_of_an_unpublished_article_stays_404(db, client):
    article = ArticleFactory(title="Old headline")
    old_url = article.get_absolute_url()
    article = Article.objects.get(pk=article.pk)
    article.slug = "new-headline"
    article.status = Article.Status.UNPUBLISHED
    article.save()
    assert client.get(old_url).status_code == 404


def test_changing_the_date_keeps_a_redirect(db, client):
    article = ArticleFactory(publish_at=timezone.now() - timezone.timedelta(days=100))
    old_url = article.get_absolute_url()
    article = Article.objects.get(pk=article.pk)
    article.publish_at = timezone.now() - timezone.timedelta(hours=1)
    article.save()
    # Same slug, other month: the detail view itself moves the reader.
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_day_permalink_recorded_as_an_old_address_wins_over_the_slug(db, client):
    # An import suffixed this story's slug because another story already had it.
    imported = ArticleFactory(title="Budget", slug="budget-2")
    ArticleFactory(title="Other budget", slug="budget")
    ArticleRedirect.objects.create(old_path="/2019/03/04/budget/", article=imported)
    response = client.get("/2019/03/04/budget/")
    assert response.status_code == 301
    assert response["Location"] == imported.get_absolute_url()


def test_day_permalink_of_unknown_or_hidden_article_is_404(db, client):
    hidden = ArticleFactory(draft=True)
    assert client.get(f"/2024/01/02/{hidden.slug}/").status_code == 404
    assert client.get("/2024/01/02/nothing/").status_code == 404


# -- listings and pagination --------------------------------------------------


def test_category_page_lists_its_live_articles_and_its_subcategories(db, client):
    parent = CategoryFactory(name="Diaspora", slug="diaspora")
    child = CategoryFactory(name="Community", slug="community", parent=parent)
    own = ArticleFactory(category=parent, title="Parent story")
    nested = ArticleFactory(category=child, title="Child story")
    ArticleFactory(category=parent, draft=True, title="Hidden story")
    ArticleFactory(title="Elsewhere story")
    response = client.get(parent.get_absolute_url())
    assert response.status_code == 200
    assert response.context["articles"].articles() == [nested, own]


def test_author_page_shows_bio_and_their_live_articles(db, client):
    author = AuthorFactory(name="Ani Petrosyan", bio="Covers the South Caucasus.")
    mine = ArticleFactory(authors=[author])
    ArticleFactory()
    response = client.get(author.get_absolute_url())
    assert response.status_code == 200
    assert "Covers the South Caucasus." in response.content.decode()
    assert response.context["articles"].articles() == [mine]


def test_tag_page_lists_tagged_live_articles(db, client):
    tagged = ArticleFactory(tags=["Lachin corridor"])
    ArticleFactory(tags=["Lachin corridor"], draft=True)
    ArticleFactory(tags=["Other"])
    response = client.get("/tag/lachin-corridor/")
    assert response.status_code == 200
    assert response.context["articles"].articles() == [tagged]


def test_unicode_tag_page_answers(db, client):
    tagged = ArticleFactory(tags=["Արցախ"])
    response = client.get("/tag/արցախ/")
    assert response.status_code == 200
    assert response.context["articles"].articles() == [tagged]


@pytest.mark.parametrize(
    "page,status",
    [
        ("1", 200),
        ("2", 200),
        ("3", 200),
        ("4", 404),
        ("0", 404),
        ("-1", 404),
        ("abc", 404),
        ("1.5", 404),
        ("9" * 30, 404),
        ("last", 200),
    ],
)
def test_pagination_edges(corpus, client, settings, page, status):
    settings.ARTICLES_PER_PAGE = 20  # 50 articles -> 3 pages
    category_url = "/category/{}/".format(corpus["categories"][0].slug)
    assert client.get(f"/tag/tag-9/?page={page}").status_code == status
    # Category 0 has 10 articles: one page only.
    expected = 200 if page in ("1", "last") else 404
    assert client.get(f"{category_url}?page={page}").status_code == expected


def test_pages_do_not_overlap(corpus, client, settings):
    settings.ARTICLES_PER_PAGE = 20
    seen = []
    for page in (1, 2, 3):
        seen += client.get(f"/tag/tag-9/?page={page}").context["articles"].articles()
    assert len(seen) == len(set(seen)) == 50


def test_year_and_month_archives(db, client):
    tz = timezone.get_current_timezone()
    old = ArticleFactory(publish_at=timezone.datetime(2024, 5, 3, 12, tzinfo=tz))
    response = client.get("/2024/")
    assert response.status_code == 200
    assert response.context["articles"].articles() == [old]
    response = client.get("/2024/05/")
    assert response.status_code == 200
    assert response.context["articles"].articles() == [old]
    assert client.get("/2024/06/").status_code == 404
    assert client.get("/1999/").status_code == 404
    assert client.get("/2024/13/").status_code == 404


def test_archives_leave_out_articles_not_live(db, client):
    ArticleFactory(draft=True, publish_at=None)
    ArticleFactory(scheduled=True)
    year = timezone.localtime().year
    assert client.get(f"/{year}/").status_code == 404


def test_home_page_leads_with_the_newest_featured_story(db, client):
    ArticleFactory(title="Newest story")
    lead = ArticleFactory(
        title="Featured story",
        is_featured=True,
        publish_at=timezone.now() - timezone.timedelta(days=1),
    )
    response = client.get("/")
    assert response.context["lead"].articles() == [lead]
    assert [a.title for a in response.context["latest"].articles()] == ["Newest story"]


def test_home_page_has_one_block_per_category_with_its_newest_stories(db, client):
    world = CategoryFactory(name="World", slug="world")
    sport = CategoryFactory(name="Sport", slug="sport")
    for n in range(6):
        ArticleFactory(category=world, publish_at=timezone.now() - timezone.timedelta(hours=n + 1))
    only_sport = ArticleFactory(
        category=sport, publish_at=timezone.now() - timezone.timedelta(days=3)
    )
    blocks = dict(client.get("/").context["category_blocks"])
    assert len(blocks[world]) == 4
    assert blocks[sport].articles() == [only_sport]


def test_home_page_without_articles_says_so(db, client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No stories have been published yet." in response.content.decode()


def test_breaking_news_banner_shows_until_it_expires(db, client):
    banner = BreakingNewsFactory(text="Ceasefire announced", url="/")
    assert "Ceasefire announced" in client.get("/").content.decode()
    with time_machine.travel(banner.expires_at + timezone.timedelta(seconds=1)):
        assert "Ceasefire announced" not in client.get("/").content.decode()


def test_switched_off_banner_is_hidden(db, client):
    BreakingNewsFactory(text="Ceasefire announced", is_active=False)
    assert "Ceasefire announced" not in client.get("/").content.decode()


def test_article_page_shows_corrections_tags_share_links_and_related(db, client):
    category = CategoryFactory()
    article = ArticleFactory(category=category, tags=["Lachin corridor"])
    CorrectionFactory(article=article, text="An earlier version gave the wrong date.")
    related = ArticleFactory(category=category, title="A related story")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "An earlier version gave the wrong date." in html
    assert 'href="/tag/lachin-corridor/"' in html
    for network in ("facebook.com/sharer", "x.com/intent", "t.me/share", "wa.me", "mailto:"):
        assert network in html
    assert "Published by" in html
    assert related.title in html


def test_search_finds_words_in_title_and_body_and_survives_bad_input(db, client):
    hit = ArticleFactory(title="Lachin corridor reopened")
    ArticleFactory(title="Unrelated")
    assert list(client.get("/search/?q=lachin").context["articles"]) == [hit]
    for q in ["", "x" * 10000, "\x00", "' OR 1=1 --", '"unbalanced', "Արցախ Lachin"]:
        assert client.get("/search/", {"q": q}).status_code == 200


# -- query budgets -------------------------------------------------------------

PUBLIC_PAGE_BUDGET = 12


def test_home_page_queries_are_constant(corpus, client, django_assert_max_num_queries):
    # The steady state: the list of upcoming publications is read once per change
    # of schedule (caching.schedule), not by every rendering.
    schedule.upcoming()
    with django_assert_max_num_queries(PUBLIC_PAGE_BUDGET):
        assert client.get("/").status_code == 200


def test_article_page_renders_in_at_most_10_queries(corpus, client, django_assert_max_num_queries):
    article = corpus["articles"][0]
    CorrectionFactory(article=article)
    BreakingNewsFactory()
    # The steady state: the list of upcoming publications is read once per change
    # of schedule (caching.schedule), not by every rendering.
    schedule.upcoming()
    with django_assert_max_num_queries(10):
        assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("kind", ["category", "tag", "author", "year", "month", "search"])
def test_listing_page_queries_are_constant(corpus, client, django_assert_max_num_queries, kind):
    when = corpus["articles"][0].local_publish_at
    url = {
        "category": corpus["categories"][0].get_absolute_url(),
        "tag": "/tag/tag-9/",
        "author": corpus["authors"][1].get_absolute_url(),
        "year": f"/{when:%Y}/",
        "month": f"/{when:%Y/%m}/",
        "search": "/search/?q=story",
    }[kind]
    # The steady state: the list of upcoming publications is read once per change
    # of schedule (caching.schedule), not by every rendering.
    schedule.upcoming()
    with django_assert_max_num_queries(PUBLIC_PAGE_BUDGET):
        assert client.get(url).status_code == 200
