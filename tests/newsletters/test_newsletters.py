"""The newsletter end to end through a real SMTP server: sign-up, digests, alerts, unsubscribe."""

import csv
import hashlib
import hmac
import io
import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles import services as article_services
from newsletters import services
from newsletters.models import BreakingAlert, Delivery, Edition, Subscriber
from tests.factories import ArticleFactory, CategoryFactory, StaffUserFactory

from .conftest import parts


def path_of(url):
    parts_ = urlsplit(url)
    return parts_.path + (f"?{parts_.query}" if parts_.query else "")


def links(text):
    return re.findall(r"https?://[^\s<>\"]+", text)


def active(email, **prefs):
    subscriber = Subscriber.objects.create(
        email=email, status=Subscriber.Status.ACTIVE, consent_at=timezone.now(), **prefs
    )
    return subscriber


def test_signup_is_confirmed_by_the_signed_link_it_mails(db, client, smtp_server):
    section = CategoryFactory(name="Artsakh")
    response = client.post(
        reverse("newsletters:signup"),
        {
            "email": "reader@example.org",
            "weekly": "on",
            "alerts": "on",
            "sections": [section.pk],
            "source": "/2026/12/a-story/",
        },
    )
    assert response.status_code == 200
    subscriber = Subscriber.objects.get(email="reader@example.org")
    assert subscriber.status == Subscriber.Status.PENDING
    assert (subscriber.daily, subscriber.weekly, subscriber.alerts) == (False, True, True)
    assert subscriber.consent_source == "/2026/12/a-story/"

    (mail,) = smtp_server.to("reader@example.org")
    (confirm_url,) = [u for u in links(mail.get_content()) if "/confirm/" in u]
    # A GET (a mail scanner following the link) confirms nothing.
    assert client.get(path_of(confirm_url)).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING
    assert client.post(path_of(confirm_url)).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert subscriber.consent_at is not None
    assert list(subscriber.sections.all()) == [section]


def test_a_confirmation_link_expires(db, client, smtp_server, settings):
    client.post(reverse("newsletters:signup"), {"email": "late@example.org", "daily": "on"})
    (mail,) = smtp_server.to("late@example.org")
    (confirm_url,) = [u for u in links(mail.get_content()) if "/confirm/" in u]
    later = timezone.now() + timedelta(seconds=settings.NEWSLETTER_CONFIRM_MAX_AGE + 60)
    with time_machine.travel(later):
        response = client.post(path_of(confirm_url))
    assert response.status_code == 404
    assert Subscriber.objects.get(email="late@example.org").status == Subscriber.Status.PENDING


def test_a_bad_signup_is_refused_with_its_reasons(db, client, smtp_server):
    response = client.post(reverse("newsletters:signup"), {"email": "not-an-address"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid email address." in body
    assert "Choose at least one" in body
    assert not Subscriber.objects.exists()
    assert len(smtp_server) == 0


def test_signup_page_answers_in_constant_queries(db, client, django_assert_max_num_queries):
    CategoryFactory.create_batch(3)
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("newsletters:signup")).status_code == 200
    CategoryFactory.create_batch(10)
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("newsletters:signup")).status_code == 200


def test_a_digest_reaches_each_subscriber_once_with_both_parts_and_one_click_unsubscribe(
    db, client, smtp_server, settings, django_capture_on_commit_callbacks
):
    stories = [ArticleFactory(title=f"Digest story {n}") for n in range(3)]
    ArticleFactory(title="Old story", publish_at=timezone.now() - timedelta(days=3))
    readers = [active(f"r{n}@example.org") for n in range(3)]
    active("weekly-only@example.org", daily=False, weekly=True)
    Subscriber.objects.create(email="pending@example.org")  # never confirmed

    with django_capture_on_commit_callbacks(execute=True):
        edition = services.plan_digest(Edition.Kind.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.plan_digest(Edition.Kind.DAILY) == edition  # twice the same day: once

    assert len(smtp_server) == 3
    for reader in readers:
        (mail,) = smtp_server.to(reader.email)
        assert mail["Subject"] == edition.subject
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        (unsubscribe,) = re.findall(r"<(https?://[^>]+)>", mail["List-Unsubscribe"])
        text, html = parts(mail)
        for story in stories:
            assert story.title in text and story.title in html
            assert f"{settings.SITE_URL}{story.get_absolute_url()}" in text
            assert f'href="{settings.SITE_URL}{story.get_absolute_url()}"' in html
        assert "Old story" not in text
        assert unsubscribe in text and unsubscribe in html
        # Table layout, CSS inlined: no style sheet left for a client to drop.
        assert "<table" in html and "<style" not in html and 'style="' in html
    assert Delivery.objects.filter(edition=edition, status=Delivery.Status.SENT).count() == 3
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.DONE

    # RFC 8058: the mail client POSTs the List-Unsubscribe address, nothing else.
    (mail,) = smtp_server.to("r0@example.org")
    (one_click,) = re.findall(r"<(https?://[^>]+)>", mail["List-Unsubscribe"])
    response = client.post(
        path_of(one_click),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Subscriber.objects.get(email="r0@example.org").status == Subscriber.Status.UNSUBSCRIBED
    assert Subscriber.objects.get(email="r1@example.org").status == Subscriber.Status.ACTIVE


def test_a_digest_carries_only_the_sections_a_reader_follows(
    db, smtp_server, django_capture_on_commit_callbacks
):
    culture, sport = CategoryFactory(name="Culture"), CategoryFactory(name="Sport")
    ArticleFactory(title="A concert", category=culture)
    ArticleFactory(title="A match", category=sport)
    fan = active("fan@example.org")
    fan.sections.set([sport])
    active("all@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_digest(Edition.Kind.DAILY)
    fan_text, _ = parts(smtp_server.to("fan@example.org")[0])
    all_text, _ = parts(smtp_server.to("all@example.org")[0])
    assert "A match" in fan_text and "A concert" not in fan_text
    assert "A match" in all_text and "A concert" in all_text


def test_the_next_digest_starts_where_the_last_one_ended(
    db, smtp_server, django_capture_on_commit_callbacks
):
    active("r@example.org")
    ArticleFactory(title="Yesterday's story", publish_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_digest(Edition.Kind.DAILY)
    tomorrow = timezone.now() + timedelta(days=1)
    ArticleFactory(title="Today's story", publish_at=timezone.now() + timedelta(hours=1))
    with time_machine.travel(tomorrow), django_capture_on_commit_callbacks(execute=True):
        second = services.plan_digest(Edition.Kind.DAILY)
    text, _ = parts(smtp_server.to("r@example.org")[1])
    assert second.subject in smtp_server.to("r@example.org")[1]["Subject"]
    assert "Today's story" in text and "Yesterday's story" not in text


def test_a_story_marked_breaking_alerts_subscribers_when_it_goes_live(
    db, smtp_server, django_capture_on_commit_callbacks
):
    active("alerts@example.org", daily=False, alerts=True)
    active("digest-only@example.org")
    story = ArticleFactory(title="Earthquake", draft=True)
    BreakingAlert.objects.create(article=story, send_alert=True)
    quiet = ArticleFactory(title="Not breaking", draft=True)
    with django_capture_on_commit_callbacks(execute=True):
        article_services.publish(story)
        article_services.publish(quiet)
    (mail,) = smtp_server.to("alerts@example.org")
    assert mail["Subject"] == "Breaking: Earthquake"
    assert smtp_server.to("digest-only@example.org") == []
    assert Edition.objects.filter(kind=Edition.Kind.ALERT).count() == 1


def sign(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_the_webhook_unsubscribes_hard_bounces_and_complaints_only_when_signed(
    db, client, settings
):
    settings.NEWSLETTER_WEBHOOK_SECRET = "s3cret"
    hard, soft, spam = (
        active("hard@example.org"),
        active("soft@example.org"),
        active("spam@example.org"),
    )
    body = json.dumps(
        {
            "events": [
                {"type": "bounce", "email": "hard@example.org", "hard": True},
                {"type": "bounce", "email": "soft@example.org", "hard": False},
                {"type": "complaint", "email": "spam@example.org"},
            ]
        }
    ).encode()
    url = reverse("newsletters:webhook")
    forged = client.post(
        url, body, content_type="application/json", HTTP_X_NEWSLETTER_SIGNATURE=sign("wrong", body)
    )
    assert forged.status_code == 403
    assert Subscriber.objects.filter(status=Subscriber.Status.ACTIVE).count() == 3
    response = client.post(
        url, body, content_type="application/json", HTTP_X_NEWSLETTER_SIGNATURE=sign("s3cret", body)
    )
    assert response.status_code == 200
    hard.refresh_from_db(), soft.refresh_from_db(), spam.refresh_from_db()
    assert hard.status == Subscriber.Status.BOUNCED
    assert soft.status == Subscriber.Status.ACTIVE and soft.soft_bounces == 1
    assert spam.status == Subscriber.Status.COMPLAINED
    bad = b'{"nope": 1}'
    assert (
        client.post(
            url,
            bad,
            content_type="application/json",
            HTTP_X_NEWSLETTER_SIGNATURE=sign("s3cret", bad),
        ).status_code
        == 400
    )
    settings.NEWSLETTER_WEBHOOK_SECRET = ""
    assert client.post(url, body, content_type="application/json").status_code == 503


def test_deleting_a_subscriber_leaves_no_address_behind(
    db, client, smtp_server, django_capture_on_commit_callbacks
):
    ArticleFactory()
    subscriber = active("forget-me@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        edition = services.plan_digest(Edition.Kind.DAILY)
    (mail,) = smtp_server.to("forget-me@example.org")
    text, _ = parts(mail)
    (prefs,) = [u for u in links(text) if "/preferences/" in u]
    assert client.post(path_of(prefs), {"action": "delete"}).status_code == 200
    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()
    assert Delivery.objects.get(edition=edition).subscriber_id is None  # the count stays
    # No table holds the address any more.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if not table.startswith("newsletters_"):
                continue
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            for column in columns:
                quoted = connection.ops.quote_name
                # Names from the database's own catalogue, quoted: no outside input.
                sql = (
                    f"SELECT COUNT(*) FROM {quoted(table)} "  # noqa: S608
                    f"WHERE CAST({quoted(column)} AS TEXT) LIKE %s"
                )
                cursor.execute(sql, ["%forget-me%"])
                assert cursor.fetchone()[0] == 0, (table, column)
    # Its old links now say so, and do nothing.
    assert client.get(path_of(prefs)).status_code == 404


def test_preferences_change_by_the_signed_link_and_a_forged_one_fails(db, client):
    subscriber = active("prefs@example.org")
    from newsletters import tokens

    url = reverse("newsletters:preferences", args=[tokens.make(subscriber, tokens.MANAGE)])
    response = client.post(url, {"weekly": "on", "action": "save"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert (subscriber.daily, subscriber.weekly, subscriber.alerts) == (False, True, False)
    forged = reverse("newsletters:preferences", args=["x" + tokens.make(subscriber, tokens.MANAGE)])
    assert client.get(forged).status_code == 404
    # A confirmation token is not a preferences token.
    confirm = reverse("newsletters:preferences", args=[tokens.make(subscriber, tokens.CONFIRM)])
    assert client.get(confirm).status_code == 404


@pytest.fixture
def editor_client(client):
    editor = StaffUserFactory(role="Editor", email="desk@example.org")
    editor.is_superuser = True
    editor.save()
    client.force_login(editor)
    return client


def test_admin_exports_subscribers_as_csv_without_formulas(db, editor_client):
    active("=HYPERLINK@example.org")
    active("plain@example.org", weekly=True)
    ids = list(Subscriber.objects.values_list("pk", flat=True))
    response = editor_client.post(
        reverse("admin:newsletters_subscriber_changelist"),
        {"action": "export_csv", "_selected_action": ids},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["email", "status"]
    emails_ = sorted(row[0] for row in rows[1:])
    assert emails_ == ["'=HYPERLINK@example.org", "plain@example.org"]
    filtered = editor_client.get(
        reverse("admin:newsletters_subscriber_changelist") + "?weekly__exact=1"
    )
    assert "plain@example.org" in filtered.content.decode()
    assert "HYPERLINK" not in filtered.content.decode()


def test_admin_previews_an_edition_sends_a_test_and_counts_deliveries(
    db, editor_client, smtp_server, django_capture_on_commit_callbacks
):
    ArticleFactory(title="Preview story")
    active("a@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        edition = services.plan_digest(Edition.Kind.DAILY)
    listing = editor_client.get(reverse("admin:newsletters_edition_changelist")).content.decode()
    assert '<td class="field-sent">1</td>' in listing
    preview = editor_client.get(reverse("admin:newsletters_edition_preview", args=[edition.pk]))
    assert preview.status_code == 200 and "Preview story" in preview.content.decode()
    page = editor_client.get(reverse("admin:newsletters_edition_change", args=[edition.pk]))
    assert "Send test to me" in page.content.decode()
    response = editor_client.post(reverse("admin:newsletters_edition_send_test", args=[edition.pk]))
    assert response.status_code == 302
    (test_mail,) = smtp_server.to("desk@example.org")
    assert "Preview story" in parts(test_mail)[0]
    assert Delivery.objects.filter(edition=edition).count() == 1  # a test is not a delivery


def test_send_digest_command_plans_once_and_says_so(
    db, smtp_server, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    active("cron@example.org")
    out = io.StringIO()
    call_command("send_digest", "daily", stdout=out)
    assert "Nothing new" in out.getvalue()
    ArticleFactory(title="Cron story")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digest", "daily", stdout=out)
        call_command("send_digest", "daily", stdout=out)
    assert len(smtp_server.to("cron@example.org")) == 1
    assert Edition.objects.count() == 1


def test_the_article_page_in_the_admin_offers_the_breaking_alert(db, editor_client):
    story = ArticleFactory(draft=True)
    page = editor_client.get(reverse("admin:articles_article_change", args=[story.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "breaking-news alert by e-mail" in body.lower()
    assert 'name="breaking_alert-0-send_alert"' in body


def test_an_editor_may_export_but_not_unsubscribe_in_bulk(db, client):
    editor = StaffUserFactory(role="Editor")
    client.force_login(editor)
    active("someone@example.org")
    page = client.get(reverse("admin:newsletters_subscriber_changelist"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="export_csv"' in body
    assert 'value="unsubscribe_selected"' not in body


def test_resume_marks_the_row_in_flight_unknown_and_sends_the_rest(
    db, smtp_server, django_capture_on_commit_callbacks
):
    ArticleFactory()
    for n in range(3):
        active(f"cut{n}@example.org")
    with django_capture_on_commit_callbacks(execute=False):
        edition = services.plan_digest(Edition.Kind.DAILY)  # planned, its task not run
    token = services.claim_batch(edition, 10)  # as a worker that then died
    with django_capture_on_commit_callbacks(execute=True):
        services.resume(stale_seconds=0)
    rows = list(Delivery.objects.filter(edition=edition).order_by("pk"))
    assert [row.status for row in rows] == ["unknown", "sent", "sent"]
    assert rows[0].claim == token
    assert smtp_server.to(rows[0].subscriber.email) == []
    assert len(smtp_server) == 2
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.DONE


def test_beat_sends_the_digests_at_their_hours_in_the_newsroom_time_zone(settings):
    from newsroom.celery import app

    app.finalize()  # as beat does before it reads its schedule
    schedule = app.conf.beat_schedule
    daily, weekly = schedule["newsletter-daily"], schedule["newsletter-weekly"]
    assert daily["task"] == weekly["task"] == "newsletters.tasks.send_digest"
    assert (daily["args"], weekly["args"]) == (("daily",), ("weekly",))
    assert daily["schedule"].hour == {settings.NEWSLETTER_DAILY_HOUR}
    assert weekly["schedule"].day_of_week == {settings.NEWSLETTER_WEEKLY_DAY}
    assert app.conf.timezone == settings.TIME_ZONE
    assert schedule["newsletter-resume"]["task"] == "newsletters.tasks.resume_editions"
    assert schedule["readership-fold"]["task"] == "readership.tasks.fold_daily_views"


def test_signups_are_limited_per_address(db, client, settings, smtp_server):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "newsletter": "2/60"}
    codes = [
        client.post(
            reverse("newsletters:signup"), {"email": f"t{n}@example.org", "daily": "on"}
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
    assert Subscriber.objects.count() == 2
    # The form itself and one-click unsubscribes are never limited by it.
    assert client.get(reverse("newsletters:signup")).status_code == 200


def test_an_editor_ticks_the_alert_on_the_story_and_publishing_sends_it(
    db, client, smtp_server, django_capture_on_commit_callbacks
):
    from tests.articles.test_admin_support import change_url, error_text, form_data, login

    login(client, "Editor")
    active("alerted@example.org", alerts=True)
    story = ArticleFactory(title="Ceasefire announced", draft=True)
    data = form_data(client, change_url(story))
    assert data.get("breaking_alert-0-send_alert") is None  # off until ticked
    data["breaking_alert-0-send_alert"] = "on"
    response = client.post(change_url(story), data)
    assert response.status_code == 302, error_text(response)
    assert BreakingAlert.objects.get(article=story).send_alert is True
    with django_capture_on_commit_callbacks(execute=True):
        article_services.publish(story)
    (mail,) = smtp_server.to("alerted@example.org")
    assert mail["Subject"] == "Breaking: Ceasefire announced"
