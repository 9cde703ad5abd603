"""A user's sessions end when they lose a group (a role) or are deactivated."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.factories import StaffUserFactory, role_group


@pytest.fixture
def editor(db):
    return StaffUserFactory(role="Editor")


def signed_in(user):
    """A browser signed in as `user` (its own session)."""
    browser = Client()
    browser.force_login(user)
    assert browser.get(reverse("admin:index")).status_code == 200
    return browser


def is_signed_out(browser):
    key = browser.cookies["sessionid"].value
    response = browser.get(reverse("admin:index"))
    return (
        not Session.objects.filter(session_key=key).exists()
        and response.status_code == 302
        and response["Location"].startswith(reverse("admin:login"))
    )


@pytest.mark.parametrize(
    "remove",
    [
        lambda user: user.groups.remove(role_group("Editor")),
        lambda user: role_group("Editor").user_set.remove(user),
        lambda user: user.groups.clear(),
        lambda user: role_group("Editor").user_set.clear(),
        lambda user: user.groups.set([role_group("Contributor")]),
    ],
    ids=["remove", "remove-from-group", "clear", "clear-group", "set"],
)
def test_losing_a_group_ends_every_session_of_the_user(editor, remove):
    laptop, phone = signed_in(editor), signed_in(editor)
    # In another group: clearing the Editor group does not concern them.
    colleague = signed_in(StaffUserFactory(role="Author"))
    remove(editor)
    assert is_signed_out(laptop)
    assert is_signed_out(phone)
    assert colleague.get(reverse("admin:index")).status_code == 200


def test_deactivation_ends_the_users_sessions(editor):
    laptop = signed_in(editor)
    colleague = signed_in(StaffUserFactory(role="Editor"))
    editor.is_active = False
    editor.save()
    assert is_signed_out(laptop)
    assert colleague.get(reverse("admin:index")).status_code == 200


def test_removal_from_a_group_in_the_admin_ends_the_sessions(editor, admin_client):
    laptop = signed_in(editor)
    change = reverse("admin:auth_user_change", args=[editor.pk])
    form = admin_client.get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        groups=[],
        user_permissions=[],
        date_joined_0="2026-01-01",
        date_joined_1="09:00:00",
        last_login_0="",
        last_login_1="",
    )
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not editor.groups.exists()
    assert is_signed_out(laptop)


def test_other_changes_keep_the_sessions(editor):
    laptop = signed_in(editor)
    editor.first_name = "Renamed"
    editor.save()
    editor.groups.add(role_group("Contributor"))
    assert laptop.get(reverse("admin:index")).status_code == 200
