from types import SimpleNamespace

import pytest

from sharing.models import ShareChannel

from .fakes import FakeBluesky, FakeFacebook, FakeHub, FakeMastodon, FakeTelegram, FakeWebhook

WEBHOOK_SECRET = "whsec-test"
TELEGRAM_TOKEN = "123456:telegram-test-token"
MASTODON_TOKEN = "mastodon-test-token"
BLUESKY_HANDLE = "news.example.com"
BLUESKY_PASSWORD = "app-pass-word-test"
FACEBOOK_PAGE = "1000123"
FACEBOOK_TOKEN = "fb-page-token"


@pytest.fixture
def networks():
    fakes = SimpleNamespace(
        webhook=FakeWebhook(WEBHOOK_SECRET).start(),
        telegram=FakeTelegram(TELEGRAM_TOKEN).start(),
        mastodon=FakeMastodon(MASTODON_TOKEN).start(),
        bluesky=FakeBluesky(BLUESKY_HANDLE, BLUESKY_PASSWORD).start(),
        facebook=FakeFacebook(FACEBOOK_PAGE, FACEBOOK_TOKEN).start(),
        hub=FakeHub().start(),
    )
    yield fakes
    for fake in vars(fakes).values():
        fake.stop()


def make_channel(kind, base_url, secret, account="", **extra):
    channel = ShareChannel(
        name=f"{kind} channel", kind=kind, base_url=base_url, account=account, **extra
    )
    channel.set_secret(secret)
    channel.full_clean()
    channel.save()
    return channel


@pytest.fixture
def channels(db, networks, settings):
    """One switched-on channel per network, pointed at its fake."""
    settings.SHARING_RETRY_BASE = 1
    kind = ShareChannel.Kind
    return SimpleNamespace(
        webhook=make_channel(kind.WEBHOOK, networks.webhook.url, WEBHOOK_SECRET),
        telegram=make_channel(
            kind.TELEGRAM, networks.telegram.url, TELEGRAM_TOKEN, "@newsroomchannel"
        ),
        mastodon=make_channel(kind.MASTODON, networks.mastodon.url, MASTODON_TOKEN),
        bluesky=make_channel(kind.BLUESKY, networks.bluesky.url, BLUESKY_PASSWORD, BLUESKY_HANDLE),
        facebook=make_channel(kind.FACEBOOK, networks.facebook.url, FACEBOOK_TOKEN, FACEBOOK_PAGE),
    )


def post_counts(networks):
    return {
        name: len(getattr(networks, name).posts)
        for name in ("webhook", "telegram", "mastodon", "bluesky", "facebook")
    }
