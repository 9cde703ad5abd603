"""Login lockout, password hashing and validation, staff idle expiry, password reset."""

import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from newsroom.security import LAST_ACTIVITY_KEY
from tests.factories import StaffUserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def editor(db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    return StaffUserFactory(
        role="Editor", username="desk", email="desk@example.com", password=PASSWORD
    )


def login(client, username, password, address="203.0.113.9"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_failures_lock_the_user_name_from_that_address_only(editor, client):
    for _ in range(3):
        login(client, "desk", "wrong", address="192.0.2.66")
    locked = login(client, "desk", PASSWORD, address="192.0.2.66")
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert "_auth_user_id" not in client.session
    # The owner, from their own address, still signs in: an attacker cannot lock them out.
    assert login(client, "desk", PASSWORD, address="198.51.100.1").status_code == 302


def test_signing_in_to_another_account_does_not_reset_the_failures(editor, client):
    """Wrong passwords against one account, a good sign-in to one's own, again: no
    unlimited guessing (a success used to wipe every failure from the address)."""
    StaffUserFactory(role="Contributor", username="mallory", password=PASSWORD)
    for _ in range(2):
        for _ in range(2):
            login(client, "desk", "wrong")
        assert login(client, "mallory", PASSWORD).status_code == 302
        client.logout()
    assert AccessAttempt.objects.get(username="desk").failures_since_start == 4
    assert login(client, "desk", PASSWORD).status_code == 429


def test_a_good_sign_in_forgets_only_ones_own_failures(editor, client):
    StaffUserFactory(role="Contributor", username="mallory", password=PASSWORD)
    login(client, "desk", "wrong")
    login(client, "mallory", "wrong")
    assert login(client, "mallory", PASSWORD).status_code == 302
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["desk"]


def test_behind_a_proxy_each_client_is_locked_out_alone(editor, client, settings):
    """Every request comes from the proxy's address; the client's is in X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1

    def through_proxy(password, client_address):
        return client.post(
            reverse("admin:login"),
            {"username": "desk", "password": password},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=client_address,
        )

    for _ in range(3):
        through_proxy("wrong", "192.0.2.66")
    assert through_proxy(PASSWORD, "192.0.2.66").status_code == 429
    assert AccessAttempt.objects.get(username="desk").ip_address == "192.0.2.66"
    assert through_proxy(PASSWORD, "198.51.100.1").status_code == 302


def test_an_address_trying_many_accounts_is_throttled(editor, client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": "4/600"}
    for name in ("alice", "bob", "carol"):
        login(client, name, "wrong")
    assert login(client, "desk", PASSWORD).status_code == 302
    client.logout()
    # Successes count too: signing in to one's own account resets nothing.
    assert login(client, "desk", PASSWORD).status_code == 429
    assert login(client, "desk", PASSWORD, address="198.51.100.1").status_code == 302


def test_the_lockout_page_says_what_to_do(editor, client):
    for _ in range(3):
        login(client, "desk", "wrong")
    page = login(client, "desk", "wrong").content.decode()
    assert "try again in" in page
    assert "ask an administrator" in page.lower()
    assert reverse("admin_password_reset") in page


def test_fewer_failures_than_the_limit_do_not_lock(editor, client):
    for _ in range(2):
        login(client, "desk", "wrong")
    assert login(client, "desk", PASSWORD).status_code == 302


def test_an_administrator_unlocks_an_account_in_the_admin(editor, client, admin_client):
    for _ in range(3):
        login(client, "desk", "wrong")
    assert login(client, "desk", PASSWORD).status_code == 429
    attempts = AccessAttempt.objects.filter(username="desk")
    assert attempts.exists()
    admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in attempts], "post": "yes"},
    )
    assert not AccessAttempt.objects.filter(username="desk").exists()
    assert login(client, "desk", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(editor, client, time_machine):
    time_machine.move_to("2026-03-01 09:00:00Z", tick=False)
    for _ in range(3):
        login(client, "desk", "wrong")
    assert login(client, "desk", PASSWORD).status_code == 429
    time_machine.move_to("2026-03-01 10:00:00Z", tick=False)
    assert login(client, "desk", PASSWORD).status_code == 302


def test_commands_can_still_authenticate_without_a_request(editor):
    from django.contrib.auth import authenticate

    assert authenticate(username="desk", password=PASSWORD) == editor


def test_new_passwords_are_hashed_with_argon2(db):
    user = get_user_model().objects.create_user("new", password=PASSWORD)
    assert user.password.startswith("argon2$")


def test_old_pbkdf2_hashes_still_work_and_are_upgraded(editor, client, settings):
    from django.contrib.auth.hashers import make_password

    editor.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    editor.save()
    assert login(client, "desk", PASSWORD).status_code == 302
    editor.refresh_from_db()
    assert editor.password.startswith("argon2$")


@pytest.mark.parametrize("password", ["short", "password123", "12345678901234", "desk-desk"])
def test_weak_passwords_are_refused(db, password):
    user = get_user_model()(username="desk-desk", email="desk@example.com")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_staff_session_ends_after_inactivity(editor, client, settings):
    settings.STAFF_SESSION_IDLE_TIMEOUT = 600
    client.force_login(editor)
    assert client.get(reverse("admin:index")).status_code == 200
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 601
    session.save()
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_staff_session_alive(editor, client, settings):
    settings.STAFF_SESSION_IDLE_TIMEOUT = 600
    client.force_login(editor)
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - 500
    session.save()
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_password_reset_answers_the_same_for_unknown_addresses(editor, client):
    url = reverse("admin_password_reset")
    known = client.post(url, {"email": "desk@example.com"})
    unknown = client.post(url, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["desk@example.com"]


def test_the_reset_link_uses_the_site_address_not_the_host_header(editor, client, settings):
    settings.SITE_URL = "https://news.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    client.post(
        reverse("admin_password_reset"), {"email": "desk@example.com"}, HTTP_HOST="evil.example"
    )
    body = mail.outbox[0].body
    assert "https://news.example.com/admin/reset/" in body
    assert "evil.example" not in body


def test_the_reset_link_sets_a_new_password(editor, client):
    client.post(reverse("admin_password_reset"), {"email": "desk@example.com"})
    link = re.search(r"https?://[^/]+(/admin/reset/\S+)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)
    new = "an entirely new passphrase 42"
    response = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.check_password(new)


def test_the_admin_login_offers_password_reset(db, client):
    assert reverse("admin_password_reset") in client.get(reverse("admin:login")).content.decode()
