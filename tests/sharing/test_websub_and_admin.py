from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from articles import services as article_services
from articles.models import Article
from articles.tasks import go_live
from sharing.forms import ShareChannelForm
from sharing.models import HubPing, ShareChannel, ShareDelivery, validate_template
from tests.factories import ArticleFactory, CategoryFactory

from .conftest import MASTODON_TOKEN


@pytest.fixture
def hub(networks, settings):
    settings.WEBSUB_HUB_URL = networks.hub.url
    return networks.hub


def test_going_live_pings_the_hub_once_with_the_feeds(db, hub, django_capture_on_commit_callbacks):
    article = ArticleFactory(draft=True, category=CategoryFactory(slug="artsakh"))
    with django_capture_on_commit_callbacks(execute=True):
        article_services.publish(article)
        Article.objects.filter(pk=article.pk).update(went_live_at=None)
        go_live(article.pk)  # a second run: the ping is recorded, not repeated
    assert hub.posts == [
        [
            "http://testserver/feed/",
            "http://testserver/feed/atom/",
            "http://testserver/category/artsakh/feed/",
        ]
    ]
    ping = HubPing.objects.get()
    assert ping.status == HubPing.Status.SENT and ping.attempts == 1


def test_a_correction_pings_the_hub_again(db, hub, django_capture_on_commit_callbacks):
    article = ArticleFactory(draft=True)
    with django_capture_on_commit_callbacks(execute=True):
        article_services.publish(article)
    with django_capture_on_commit_callbacks(execute=True):
        article_services.add_correction(article, "The date was wrong.")
    assert len(hub.posts) == 2
    assert HubPing.objects.filter(event__startswith="corrected").count() == 1


def test_hub_errors_are_retried_and_recorded(db, hub, settings, django_capture_on_commit_callbacks):
    settings.SHARING_RETRY_BASE = 1
    hub.fail_next(502, b"bad gateway")
    with django_capture_on_commit_callbacks(execute=True):
        article_services.publish(ArticleFactory(draft=True))
    ping = HubPing.objects.get()
    assert ping.status == HubPing.Status.SENT and ping.attempts == 2


def test_no_hub_configured_records_no_ping(
    db, networks, settings, django_capture_on_commit_callbacks
):
    settings.WEBSUB_HUB_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        article_services.publish(ArticleFactory(draft=True))
    assert not HubPing.objects.exists()


# -- channels and secrets --------------------------------------------------------


def channel_form(**overrides):
    data = {
        "name": "Our Mastodon",
        "kind": "mastodon",
        "enabled": "on",
        "base_url": "https://mastodon.example",
        "account": "",
        "message_template": "{title} {url}",
        "max_hashtags": "3",
        "secret_env": "",
        "secret": MASTODON_TOKEN,
    }
    data.update(overrides)
    return ShareChannelForm(data=data, instance=overrides.pop("instance", None))


def test_secret_is_stored_encrypted_and_kept_when_left_empty(db):
    form = channel_form()
    assert form.is_valid(), form.errors
    channel = form.save()
    assert MASTODON_TOKEN not in channel.secret_encrypted
    assert channel.get_secret() == MASTODON_TOKEN

    form = ShareChannelForm(data={**channel_form().data, "secret": ""}, instance=channel)
    assert form.is_valid(), form.errors
    assert form.save().get_secret() == MASTODON_TOKEN


def test_secret_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("SHARE_MASTODON_TOKEN", "from-env")
    form = channel_form(secret="", secret_env="SHARE_MASTODON_TOKEN")
    assert form.is_valid(), form.errors
    assert form.save().get_secret() == "from-env"


def test_channel_without_any_secret_is_refused(db):
    form = channel_form(secret="")
    assert not form.is_valid()
    assert "access token" in str(form.errors["secret"])


def test_a_secret_is_never_shown_back_in_the_admin(db, admin_client):
    channel = ShareChannel(name="Hook", kind="webhook", base_url="https://hooks.example/x")
    channel.set_secret("super-secret-value")
    channel.save()
    response = admin_client.get(reverse("admin:sharing_sharechannel_change", args=[channel.pk]))
    assert response.status_code == 200
    assert b"super-secret-value" not in response.content
    assert channel.secret_encrypted.encode() not in response.content
    listing = admin_client.get(reverse("admin:sharing_sharechannel_changelist"))
    assert b"stored, encrypted" in listing.content


@pytest.mark.parametrize("template", ["{title} {body}", "{title", "{0}"])
def test_bad_templates_are_refused_with_a_clear_message(template):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_template(template)


def test_channel_needs_its_account(db):
    form = channel_form(kind="telegram", base_url="", account="")
    assert not form.is_valid()
    assert "account" in form.errors


def test_bluesky_message_is_fitted_to_300_characters(db):
    channel = ShareChannel(kind="bluesky", message_template="{title}\n{dek}\n{url}")
    article = ArticleFactory(title="T" * 250, dek="D" * 100)
    text = channel.compose(article, "https://example.com/a/")
    assert len(text) <= 300
    assert "D" not in text and text.endswith("https://example.com/a/")  # the excerpt goes first
    article.title = "T" * 255
    article.dek = ""
    channel.message_template = "{title} {title} {url}"
    assert len(channel.compose(article, "https://example.com/a/")) == 300


# -- admin -------------------------------------------------------------------------


def test_delivery_admin_lists_status_and_link_and_retries(
    db, admin_client, channels, networks, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    delivery = ShareDelivery.objects.create(
        article=article,
        channel=channels.mastodon,
        publication=article.publish_at,
        status=ShareDelivery.Status.FAILED,
        last_error="HTTP 422: Validation failed",
        attempts=1,
    )
    url = reverse("admin:sharing_sharedelivery_changelist")
    page = admin_client.get(url)
    assert page.status_code == 200 and b"HTTP 422: Validation failed" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "retry_deliveries", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == ShareDelivery.Status.SENT
    assert b"view post" in admin_client.get(url).content


def test_article_admin_shows_sharing_inlines(db, admin_client, channels):
    from django.contrib import admin as django_admin

    if Article not in django_admin.site._registry:
        pytest.skip("the article admin is not registered")
    article = ArticleFactory()
    ShareDelivery.objects.create(
        article=article,
        channel=channels.webhook,
        publication=article.publish_at,
        status=ShareDelivery.Status.SENT,
        external_url="https://hooks.example/1",
    )
    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert page.status_code == 200
    assert b"sharing: deliveries" in page.content.lower()
    assert b"https://hooks.example/1" in page.content


def test_hub_ping_body_is_a_websub_publish(db, hub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article_services.publish(ArticleFactory(draft=True))
    form = parse_qs(hub.requests[0]["body"].decode())
    assert form["hub.mode"] == ["publish"] and len(form["hub.url"]) == 3
