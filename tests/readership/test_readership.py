"""Counting reads: the beacon, the windows, the fold into daily totals, "Most read", the admin."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from caching.middleware import forget_local_copies
from readership import buffer, services
from readership.models import DailyViews
from tests.factories import ArticleFactory, StaffUserFactory

BROWSER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)


@pytest.fixture(params=["counter-of-the-settings", "database"])
def counter(request, settings):
    """Each test runs on the database counter and, when REDIS_URL is set, on Redis too.

    Beacon reads are written at once (no tally in the process) unless a test says otherwise.
    """
    buffer.reset()
    settings.READERSHIP_BUFFER_SECONDS = 0
    if request.param == "database":
        settings.READERSHIP_REDIS_URL = ""
    elif not settings.READERSHIP_REDIS_URL:
        pytest.skip("the Redis counter needs REDIS_URL")
    return request.param


def read(client, article_id, agent=BROWSER_AGENT):
    return client.post(reverse("readership:beacon"), {"id": str(article_id)}, HTTP_USER_AGENT=agent)


def test_a_beacon_counts_one_read(db, client, counter):
    article = ArticleFactory()
    response = read(client, article.pk)
    assert response.status_code == 204
    assert not response.cookies
    assert services.views_for([article.pk])[article.pk] == (1, 1, 1)


def test_bots_and_empty_agents_are_not_counted(db, client, counter):
    article = ArticleFactory()
    for agent in ("Googlebot/2.1", "", "curl/8.5", "Mozilla/5.0 HeadlessChrome/131"):
        assert read(client, article.pk, agent).status_code == 204
    assert services.views_for([article.pk])[article.pk] == (0, 0, 0)


def test_malformed_ids_are_refused_and_gets_are_not_allowed(db, client, counter):
    assert read(client, "12x").status_code == 400
    assert read(client, "").status_code == 400
    assert client.get(reverse("readership:beacon")).status_code == 405


def test_reads_are_rate_limited_per_address(db, client, settings, counter):
    settings.READERSHIP_RATE_PER_MINUTE = 2
    article = ArticleFactory()
    assert [read(client, article.pk).status_code for _ in range(3)] == [204, 204, 429]
    assert read(client, article.pk, agent=BROWSER_AGENT).status_code == 429
    other = client.post(
        reverse("readership:beacon"),
        {"id": str(article.pk)},
        HTTP_USER_AGENT=BROWSER_AGENT,
        REMOTE_ADDR="192.0.2.9",
    )
    assert other.status_code == 204
    assert services.views_for([article.pk])[article.pk][0] == 3


def test_beacon_reads_are_tallied_in_the_process_and_written_together(
    db, client, settings, counter
):
    settings.READERSHIP_BUFFER_SECONDS = 60
    article, other = ArticleFactory(), ArticleFactory()
    for story in (article, article, other):
        assert read(client, story.pk).status_code == 204
    assert services.views_for([article.pk])[article.pk] == (0, 0, 0)
    assert buffer.flush() == 3
    assert services.views_for([article.pk, other.pk]) == {
        article.pk: (2, 2, 2),
        other.pk: (1, 1, 1),
    }
    assert buffer.flush() == 0


def test_windows_slide_and_the_fold_is_idempotent(db, counter):
    article = ArticleFactory()
    now = timezone.now()
    hours_ago = (0, 0, 5, 30, 100, 200)
    for hours in hours_ago:
        services.record_read(article.pk, when=now - timedelta(hours=hours))
    # 24 hours: 3 reads; 7 days: 5; in all: the 200-hour-old read was never folded.
    assert services.views_for([article.pk])[article.pk] == (3, 5, 5)

    services.fold(days=2)
    totals = dict(DailyViews.objects.values_list("day", "views"))
    services.fold(days=2)
    assert dict(DailyViews.objects.values_list("day", "views")) == totals
    recent_days = {timezone.localdate(now) - timedelta(days=n) for n in (0, 1)}
    expected = sum(
        1
        for hours in hours_ago
        if timezone.localtime(now - timedelta(hours=hours)).date() in recent_days
    )
    assert sum(totals.values()) == expected >= 3
    # Folded or not yet, each read counts once in the total.
    assert services.views_for([article.pk])[article.pk] == (3, 5, 5)


def test_most_read_ranks_live_stories_only(db, counter):
    first, second, gone = ArticleFactory(), ArticleFactory(), ArticleFactory()
    for article, reads in ((first, 3), (second, 5), (gone, 9)):
        for _ in range(reads):
            services.record_read(article.pk)
    gone.status = gone.Status.UNPUBLISHED
    gone.save()
    assert services.most_read(5) == [(second, 5), (first, 3)]
    assert services.most_read(1) == [(second, 5)]


def test_most_read_fragment_carries_one_spare_and_refreshes_on_the_clock(
    db, client, settings, counter
):
    from widgets.apps import MOST_READ_KEY, most_read_refresh

    settings.MOST_READ_COUNT = 2
    stories = [ArticleFactory() for _ in range(4)]
    for reads, story in enumerate(stories, start=1):
        for _ in range(reads):
            services.record_read(story.pk)
    html = client.get(reverse("caching:fragment", kwargs={"name": "most-read"})).content.decode()
    shown = [s for s in reversed(stories) if f'data-story="{s.pk}"' in html]
    assert shown == list(reversed(stories))[:3]
    assert html.count(" hidden>") == 1
    ((moment, keys),) = most_read_refresh()
    assert keys == {MOST_READ_KEY}
    assert timezone.now() < moment <= timezone.now() + timedelta(seconds=settings.MOST_READ_SECONDS)


def test_article_page_has_the_beacon_and_most_read_in_constant_queries(
    db, client, django_assert_max_num_queries, counter
):
    stories = ArticleFactory.create_batch(8)
    for story in stories:
        services.record_read(story.pk)
    page = stories[0].get_absolute_url()
    with django_assert_max_num_queries(40) as few:
        client.get(page)
    small = len(few.captured_queries)
    more = ArticleFactory.create_batch(20)
    # Empties the page cache (and, on one Redis, the counts): count everything again.
    cache.clear()
    forget_local_copies()
    for story in stories + more:
        services.record_read(story.pk)
    with django_assert_max_num_queries(small):
        response = client.get(page)
    html = response.content.decode()
    assert f'data-read-beacon="{reverse("readership:beacon")}"' in html
    # "Most read" is fetched by the page's script: the page's lifetime does not depend on it.
    fragment = reverse("caching:fragment", kwargs={"name": "most-read"})
    assert f'class="most-read-slot" data-fragment="{fragment}"' in html
    assert "Most read" in client.get(fragment).content.decode()


def test_admin_shows_reads_per_story_and_the_top_stories_chart(db, client, counter):
    editor = StaffUserFactory(role="Editor")
    editor.is_superuser = True
    editor.save()
    client.force_login(editor)
    article = ArticleFactory(title="A much read story")
    for _ in range(4):
        services.record_read(article.pk)
    services.fold()
    listing = client.get(reverse("admin:readership_storyreadership_changelist"))
    assert listing.status_code == 200
    assert "A much read story" in listing.content.decode()
    assert '<td class="field-reads_24h">4</td>' in listing.content.decode()
    change = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert "<strong>4</strong> in 24 hours" in change.content.decode()
    articles = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Reads 24 h · 7 d · all" in articles
    assert '<span class="reads" title="reads: 24 hours · 7 days · all">4 · 4 · 4</span>' in articles
    top = client.get(reverse("admin:readership_top_stories"))
    body = top.content.decode()
    assert top.status_code == 200
    assert "<svg" in body and body.count("<rect") == 30
    assert "A much read story" in body


def test_fold_reads_command_writes_the_daily_totals(db, counter):
    from io import StringIO

    from django.core.management import call_command

    article = ArticleFactory()
    services.record_read(article.pk)
    out = StringIO()
    call_command("fold_reads", stdout=out)
    assert "Wrote 1 daily totals." in out.getvalue()
    assert DailyViews.objects.get(article=article).views == 1


def test_most_read_fragment_answers_in_constant_queries(
    db, client, settings, django_assert_max_num_queries, counter
):
    settings.PAGE_CACHE_ENABLED = False  # count the rendering itself, every time
    fragment = reverse("caching:fragment", kwargs={"name": "most-read"})
    for story in ArticleFactory.create_batch(3):
        services.record_read(story.pk)
    with django_assert_max_num_queries(10) as few:
        assert "Most read" in client.get(fragment).content.decode()
    for story in ArticleFactory.create_batch(20):
        services.record_read(story.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(fragment).content.decode().count("most-read__item") == 6


def test_the_article_lists_reads_cost_one_read_for_the_page(
    db, client, counter, django_assert_max_num_queries
):
    client.force_login(StaffUserFactory(role="Editor"))
    ArticleFactory()
    client.get(reverse("admin:articles_article_changelist"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("admin:articles_article_changelist"))
    for _ in range(10):
        ArticleFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert page.count('class="reads"') == 11
