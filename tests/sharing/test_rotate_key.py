import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from sharing import crypto
from sharing.models import ShareChannel

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def channel(name, secret):
    created = ShareChannel(
        name=name, kind=ShareChannel.Kind.WEBHOOK, base_url="https://hooks.example/x"
    )
    created.set_secret(secret)
    created.save()
    return created


@pytest.fixture
def old_key_in_use(db, settings, monkeypatch):
    settings.SHARING_ENCRYPTION_KEY = OLD
    first, second = channel("one", "first-secret"), channel("two", "second-secret")
    settings.SHARING_ENCRYPTION_KEY = NEW
    monkeypatch.setenv("SHARING_ENCRYPTION_OLD_KEY", OLD)
    return first, second


def test_rotation_makes_every_secret_readable_with_the_new_key_only(old_key_in_use, settings):
    call_command("rotate_sharing_key")
    one, two = (ShareChannel.objects.get(name=n) for n in ("one", "two"))
    assert (one.get_secret(), two.get_secret()) == ("first-secret", "second-secret")
    settings.SHARING_ENCRYPTION_KEY = OLD
    with pytest.raises(crypto.SecretUnreadable):
        one.get_secret()


def test_running_the_rotation_twice_is_harmless(old_key_in_use):
    call_command("rotate_sharing_key")
    call_command("rotate_sharing_key")
    assert ShareChannel.objects.get(name="one").get_secret() == "first-secret"


def test_a_secret_neither_key_opens_stops_the_rotation_with_nothing_changed(
    old_key_in_use, settings
):
    settings.SHARING_ENCRYPTION_KEY = Fernet.generate_key().decode()
    channel("stranger", "unknown-key-secret")
    settings.SHARING_ENCRYPTION_KEY = NEW
    before = dict(ShareChannel.objects.values_list("name", "secret_encrypted"))
    with pytest.raises(CommandError, match="stranger"):
        call_command("rotate_sharing_key")
    assert dict(ShareChannel.objects.values_list("name", "secret_encrypted")) == before


def test_dry_run_changes_nothing(old_key_in_use):
    before = dict(ShareChannel.objects.values_list("name", "secret_encrypted"))
    call_command("rotate_sharing_key", "--dry-run")
    assert dict(ShareChannel.objects.values_list("name", "secret_encrypted")) == before


def test_rotation_from_the_key_derived_from_secret_key(db, settings):
    settings.SHARING_ENCRYPTION_KEY = ""
    channel("derived", "derived-secret")
    settings.SHARING_ENCRYPTION_KEY = NEW
    call_command("rotate_sharing_key", "--old-from-secret-key")
    assert ShareChannel.objects.get(name="derived").get_secret() == "derived-secret"


def test_without_the_old_key_the_command_says_what_to_set(db, monkeypatch):
    monkeypatch.delenv("SHARING_ENCRYPTION_OLD_KEY", raising=False)
    with pytest.raises(CommandError, match="SHARING_ENCRYPTION_OLD_KEY"):
        call_command("rotate_sharing_key")


def test_a_malformed_key_is_a_clear_error(db, settings, monkeypatch):
    monkeypatch.setenv("SHARING_ENCRYPTION_OLD_KEY", "not-a-key")
    with pytest.raises(CommandError, match="32 url-safe base64"):
        call_command("rotate_sharing_key")
