"""The newsroom desk on the admin index, the list's order, the calendar and quick edit."""

from datetime import timedelta
from unittest.mock import patch

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import desk, services
from articles.models import Article, ArticleEvent, ArticleLock
from tests.articles.test_admin_support import login
from tests.factories import ArticleFactory, CategoryFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

INDEX = "admin:index"
CHANGELIST = "admin:articles_article_changelist"
CALENDAR = "admin:articles_article_calendar"
MOVE = "admin:articles_article_calendar_move"


def section(page, name):
    doc = lxml.html.fromstring(page)
    return doc.get_element_by_id(f"desk-{name}").text_content()


def fill_desk(user, n):
    """`n` stories in each of the desk's sections."""
    later_today = timezone.localtime().replace(hour=23, minute=59)
    for i in range(n):
        ArticleFactory(review=True, title=f"Review {i}")
        ArticleFactory(draft=True, title=f"Draft {i}", created_by=user)
        if later_today > timezone.now() + timedelta(minutes=5):
            ArticleFactory(title=f"Today {i}", publish_at=later_today - timedelta(minutes=i))
        live = ArticleFactory(title=f"Live {i}")
        services.unpublish(live)
        services.publish(live, user=StaffUserFactory(role="Editor"))
        ArticleFactory(title=f"Overdue {i}", publish_at=timezone.now() - timedelta(hours=1))
        ArticleLock.objects.create(article=ArticleFactory(draft=True), user=user)


def test_desk_shows_each_section_of_the_days_work(client):
    editor = login(client, "Editor", first_name="Ani", last_name="Hakobyan")
    waiting = ArticleFactory(review=True, title="Budget story")
    ArticleEvent.objects.create(
        article=waiting,
        action=ArticleEvent.Action.SUBMITTED,
        created_at=timezone.now() - timedelta(hours=3, minutes=5),
    )
    ArticleFactory(draft=True, title="My own draft", created_by=editor)
    ArticleFactory(draft=True, title="Someone else's draft")
    soon = timezone.now() + timedelta(minutes=2)
    ArticleFactory(title="Coming at noon", publish_at=soon)
    published = ArticleFactory(draft=True, title="Out this morning")
    services.publish(published, user=editor)
    locked = ArticleFactory(draft=True, title="Open in a tab")
    services.hold_lock(locked, StaffUserFactory(first_name="Aram", last_name="Petrosyan"))

    page = client.get(reverse(INDEX)).content.decode()

    assert "Budget story" in section(page, "review")
    assert "waiting 3 h 5 min" in section(page, "review")
    assert "My own draft" in section(page, "drafts")
    assert "Someone else's draft" not in section(page, "drafts")
    if timezone.localdate(soon) == timezone.localdate():
        assert "Coming at noon" in section(page, "today")
    assert "Out this morning" in section(page, "published")
    assert "by Ani Hakobyan" in section(page, "published")
    assert "Open in a tab" in section(page, "locks")
    assert "Aram Petrosyan" in section(page, "locks")


def test_desk_counts_stories_waiting_for_review_beyond_those_listed(client):
    login(client, "Editor")
    ArticleFactory.create_batch(desk.DESK_ROWS + 2, review=True)
    page = client.get(reverse(INDEX)).content.decode()
    assert f"In review {desk.DESK_ROWS + 2}" in " ".join(section(page, "review").split())


def test_desk_lists_overdue_side_effects_by_the_warnings_rule(client):
    login(client, "Editor")
    ArticleFactory(title="Went live unnoticed", publish_at=timezone.now() - timedelta(hours=1))
    ArticleFactory(title="Just now", publish_at=timezone.now() - timedelta(seconds=30))
    page = client.get(reverse(INDEX)).content.decode()
    assert "Went live unnoticed" in section(page, "overdue")
    assert "Just now" not in section(page, "overdue")  # within the grace period


def test_a_contributor_sees_only_own_work_in_review(client):
    contributor = login(client, "Contributor")
    ArticleFactory(review=True, title="A colleague's story")
    ArticleFactory(review=True, title="Her own story", created_by=contributor)
    page = client.get(reverse(INDEX)).content.decode()
    assert "Her own story" in section(page, "review")
    assert "A colleague's story" not in section(page, "review")


def test_desk_costs_the_same_queries_however_much_work_there_is(client):
    editor = login(client, "Editor")
    fill_desk(editor, 2)
    client.get(reverse(INDEX))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(INDEX)).status_code == 200
    fill_desk(editor, 15)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse(INDEX)).content.decode()
    # The rows are really there: 17 waiting, ten of them listed.
    assert "In review 17" in " ".join(section(page, "review").split())
    assert section(page, "review").count("waiting") == desk.DESK_ROWS
    assert len(many) == len(few)
    editor = type(editor).objects.get(pk=editor.pk)  # no permissions cached yet
    with CaptureQueriesContext(connection) as reads:
        desk.desk_for(editor)
    # Eight reads (review and its count, drafts, today, published and their
    # publishers, overdue, locks) and the user's permissions (two).
    assert len(reads) == 10


def test_admin_is_branded_with_the_site_name(client, settings):
    settings.SITE_NAME = "Massis Post"
    login(client, "Editor")
    page = client.get(reverse(INDEX)).content.decode()
    assert "Massis Post" in page
    assert "Django administration" not in page


def test_index_hides_technical_apps_from_editors_and_lists_the_newsroom_first(client):
    from django.contrib.auth.models import Permission

    editor = login(client, "Editor")
    # Rights that would list the technical apps (an editor allowed to see lockouts).
    editor.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["axes", "otp_static"], codename__startswith="view_"
        )
    )
    editor_apps = [app["app_label"] for app in client.get(reverse(INDEX)).context["app_list"]]
    assert editor_apps[0] == "articles"
    assert "otp_totp" in editor_apps  # their own two-factor devices stay reachable
    assert not {"axes", "otp_static", "reversion"} & set(editor_apps)

    client.force_login(StaffUserFactory(is_superuser=True))
    admin_apps = [app["app_label"] for app in client.get(reverse(INDEX)).context["app_list"]]
    assert admin_apps[0] == "articles"
    assert {"axes", "otp_static"} <= set(admin_apps)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/wp-admin", "admin:index"),
        ("/wp-admin/post-new.php", "admin:index"),
        ("/wp-login.php", "admin:login"),
    ],
)
def test_wordpress_admin_addresses_lead_to_the_admin(client, old, new):
    response = client.get(old)
    assert response.status_code == 302
    assert response["Location"] == reverse(new)


# -- the list ------------------------------------------------------------------------


def test_list_puts_work_in_progress_before_published_stories(client):
    login(client, "Editor")
    ArticleFactory(draft=True, title="Old draft", publish_at=None)
    Article.objects.filter(title="Old draft").update(updated_at=timezone.now() - timedelta(days=30))
    ArticleFactory.create_batch(3)
    ArticleFactory(review=True, title="Waiting story")
    ArticleFactory(scheduled=True, title="Tomorrow story")
    titles = [a.title for a in client.get(reverse(CHANGELIST)).context["cl"].result_list]
    assert titles[:3] == ["Waiting story", "Old draft", "Tomorrow story"]


# -- calendar ------------------------------------------------------------------------


def test_calendar_shows_the_weeks_stories_by_day(client):
    login(client, "Editor")
    when = timezone.now() + timedelta(days=1)
    ArticleFactory(title="Tomorrow's lead", publish_at=when)
    ArticleFactory(draft=True, title="Unscheduled draft")
    response = client.get(reverse(CALENDAR), {"start": timezone.localdate().isoformat()})
    doc = lxml.html.fromstring(response.content)
    cell = doc.xpath(f'//td[@data-day="{timezone.localdate(when).isoformat()}"]')
    if not cell:  # tomorrow is next week's Monday
        response = client.get(reverse(CALENDAR), {"start": timezone.localdate(when).isoformat()})
        doc = lxml.html.fromstring(response.content)
        cell = doc.xpath(f'//td[@data-day="{timezone.localdate(when).isoformat()}"]')
    assert "Tomorrow's lead" in cell[0].text_content()
    assert "Unscheduled draft" not in response.content.decode()
    assert doc.xpath('//a[@draggable="true"]')


def test_calendar_refuses_a_bad_address(client):
    login(client, "Editor")
    assert client.get(reverse(CALENDAR), {"start": "yesterday"}).status_code == 400


def test_moving_a_scheduled_story_reschedules_it_and_queues_go_live_again(
    client, django_capture_on_commit_callbacks
):
    editor = login(client, "Editor")
    when = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    article = ArticleFactory(publish_at=when)
    target = timezone.localdate(when) + timedelta(days=2)
    with (
        patch("articles.tasks.go_live.apply_async") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse(MOVE),
            {"article": article.pk, "day": target.isoformat(), "version": article.version},
        )
    assert response.status_code == 200, response.content
    article.refresh_from_db()
    assert timezone.localdate(article.publish_at) == target
    assert timezone.localtime(article.publish_at).time() == timezone.localtime(when).time()
    enqueue.assert_called_once_with((article.pk,), eta=article.publish_at)
    event = article.events.first()
    assert event.action == ArticleEvent.Action.SCHEDULED and event.user == editor


def test_a_contributor_cannot_move_a_story_on_the_calendar(client):
    contributor = login(client, "Contributor")
    article = ArticleFactory(scheduled=True, created_by=contributor)
    before = article.publish_at
    response = client.post(
        reverse(MOVE),
        {"article": article.pk, "day": "2099-01-01", "version": article.version},
    )
    assert response.status_code in (403, 404)
    article.refresh_from_db()
    assert article.publish_at == before


def test_a_stale_move_is_refused_with_the_reason(client):
    login(client, "Editor")
    article = ArticleFactory(scheduled=True)
    target = timezone.localdate() + timedelta(days=3)
    response = client.post(
        reverse(MOVE), {"article": article.pk, "day": target.isoformat(), "version": 99}
    )
    assert response.status_code == 409
    assert "NOT saved" in response.json()["error"]["message"]


def test_a_live_story_or_a_past_day_cannot_be_moved(client):
    login(client, "Editor")
    live = ArticleFactory()
    response = client.post(
        reverse(MOVE),
        {"article": live.pk, "day": timezone.localdate().isoformat(), "version": live.version},
    )
    assert response.status_code == 400
    assert "not scheduled" in response.json()["error"]["message"]
    scheduled = ArticleFactory(scheduled=True)
    response = client.post(
        reverse(MOVE),
        {"article": scheduled.pk, "day": "2001-01-01", "version": scheduled.version},
    )
    assert response.status_code == 400
    assert "already passed" in response.json()["error"]["message"]


# -- quick edit ------------------------------------------------------------------------


def quick_url(article):
    return reverse("admin:articles_article_quick", args=[article.pk])


def test_quick_edit_saves_fields_and_publishes_through_the_services(client):
    editor = login(client, "Editor")
    section = CategoryFactory(name="Community")
    article = ArticleFactory(draft=True, title="Old title")
    response = client.post(
        quick_url(article),
        {
            "title": "New title",
            "slug": "new-title",
            "category": section.pk,
            "tags": "budget, parliament",
            "status": "published",
            "publish_at": "",
            "version": article.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    article.refresh_from_db()
    assert (article.title, article.slug, article.category) == ("New title", "new-title", section)
    assert sorted(article.tags.names()) == ["budget", "parliament"]
    assert article.is_live
    assert article.events.filter(action=ArticleEvent.Action.PUBLISHED, user=editor).exists()


def test_quick_edit_of_a_stale_version_is_refused_and_changes_nothing(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True, title="Kept title")
    response = client.post(
        quick_url(article),
        {
            "title": "Lost title",
            "slug": article.slug,
            "category": article.category_id,
            "status": "draft",
            "version": article.version - 1 if article.version > 1 else 99,
        },
    )
    assert response.status_code == 200
    assert "NOT saved" in response.content.decode()
    article.refresh_from_db()
    assert article.title == "Kept title"


def test_a_contributor_cannot_publish_through_quick_edit(client):
    contributor = login(client, "Contributor")
    article = ArticleFactory(draft=True, created_by=contributor, title="Her draft")
    response = client.post(
        quick_url(article),
        {
            "title": "Her draft, retitled",
            "slug": article.slug,
            "category": article.category_id,
            "status": "published",
            "version": article.version,
        },
    )
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.title == "Her draft"  # the whole quick edit is refused, not half of it


def test_a_contributors_list_offers_quick_edit_on_her_drafts_only_without_a_query_per_row(
    client, django_assert_max_num_queries
):
    contributor = login(client, "Contributor")
    mine = ArticleFactory(draft=True, created_by=contributor)
    ArticleFactory.create_batch(3)  # live, others'
    client.get(reverse(CHANGELIST))
    ArticleFactory.create_batch(20)
    with django_assert_max_num_queries(22):
        page = client.get(reverse(CHANGELIST)).content.decode()
    doc = lxml.html.fromstring(page)
    links = doc.xpath('//a[@class="quick-edit-link"]/@href')
    assert links == [reverse("admin:articles_article_quick", args=[mine.pk])]
