"""Two-factor authentication for staff (TOTP + recovery codes), required for editors."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.twofactor import issue_recovery_codes
from tests.factories import StaffUserFactory


@pytest.fixture(autouse=True)
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.OTP_REQUIRED_ROLES = ["Editor"]


def code_for(device):
    """The code the device's app shows now."""
    value = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return f"{value:0{device.digits}d}"


def enrolled(user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return device


@pytest.fixture
def editor(db):
    return StaffUserFactory(role="Editor")


def test_an_editor_without_a_device_is_sent_to_enrolment(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("twofactor:setup"))


def test_an_editor_with_a_device_is_refused_without_the_code(client, editor):
    enrolled(editor)
    client.force_login(editor)
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("twofactor:verify"))
    wrong = client.post(reverse("twofactor:verify"), {"token": "000000"})
    assert wrong.status_code == 200
    assert "not valid" in wrong.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_an_editor_with_a_valid_code_gets_in(client, editor):
    device = enrolled(editor)
    client.force_login(editor)
    next_url = reverse("admin:articles_article_changelist")
    response = client.post(
        f"{reverse('twofactor:verify')}?next={next_url}", {"token": code_for(device)}
    )
    assert response.status_code == 302
    assert response["Location"] == next_url
    assert client.get(next_url).status_code == 200


def test_a_code_is_accepted_only_once(client, editor):
    device = enrolled(editor)
    token = code_for(device)
    client.force_login(editor)
    assert client.post(reverse("twofactor:verify"), {"token": token}).status_code == 302
    client.logout()
    client.force_login(editor)
    assert client.post(reverse("twofactor:verify"), {"token": token}).status_code == 200


def test_wrong_codes_are_throttled(client, editor):
    device = enrolled(editor)
    client.force_login(editor)
    client.post(reverse("twofactor:verify"), {"token": "000000"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Even the right code waits out the back-off that follows a wrong one.
    assert client.post(reverse("twofactor:verify"), {"token": code_for(device)}).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_recovery_code_gets_in_once(client, editor):
    enrolled(editor)
    codes = issue_recovery_codes(editor)
    client.force_login(editor)
    assert client.post(reverse("twofactor:verify"), {"token": codes[0]}).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    client.logout()
    client.force_login(editor)
    assert client.post(reverse("twofactor:verify"), {"token": codes[0]}).status_code == 200


def test_enrolment_confirms_the_app_and_shows_recovery_codes(client, editor):
    client.force_login(editor)
    page = client.get(reverse("twofactor:setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    done = client.post(reverse("twofactor:setup"), {"token": code_for(device)})
    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    codes = StaticDevice.objects.get(user=editor).token_set.values_list("token", flat=True)
    assert len(codes) == 10
    assert all(code in done.content.decode() for code in codes)
    assert client.get(reverse("admin:index")).status_code == 200


def test_enrolment_refuses_a_wrong_code(client, editor):
    client.force_login(editor)
    client.get(reverse("twofactor:setup"))
    response = client.post(reverse("twofactor:setup"), {"token": "000000"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()


def test_a_password_alone_cannot_enrol_a_new_device(client, editor):
    enrolled(editor)
    client.force_login(editor)
    response = client.get(reverse("twofactor:setup"))
    assert response["Location"].startswith(reverse("twofactor:verify"))


def test_superusers_need_a_second_factor(client, db):
    admin = StaffUserFactory(is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("admin:index")).status_code == 302


def test_roles_outside_the_setting_are_not_forced(client, db):
    author = StaffUserFactory(role="Author")
    client.force_login(author)
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_setting_relaxes_it_for_development(client, editor, settings):
    settings.TWO_FACTOR_REQUIRED = False
    client.force_login(editor)
    assert client.get(reverse("admin:index")).status_code == 200


def test_enrolment_is_reachable_from_the_admin(client, db, settings):
    settings.TWO_FACTOR_REQUIRED = False
    author = StaffUserFactory(role="Author")
    client.force_login(author)
    assert (
        reverse("admin:otp_totp_totpdevice_changelist")
        in client.get(reverse("admin:index")).content.decode()
    )
    devices = client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    assert reverse("twofactor:setup") in devices
    assert reverse("twofactor:recovery-codes") in devices


def test_staff_see_only_their_own_devices(client, editor, db, settings):
    settings.TWO_FACTOR_REQUIRED = False
    other = StaffUserFactory(role="Author")
    enrolled(other)
    client.force_login(editor)
    page = client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    assert other.username not in page


def test_new_recovery_codes_replace_the_old_ones(client, editor):
    device = enrolled(editor)
    old = issue_recovery_codes(editor)
    client.force_login(editor)
    client.post(reverse("twofactor:verify"), {"token": code_for(device)})
    response = client.post(reverse("twofactor:recovery-codes"))
    assert response.status_code == 200
    tokens = set(StaticDevice.objects.get(user=editor).token_set.values_list("token", flat=True))
    assert tokens.isdisjoint(old)


def test_verification_redirects_only_to_this_site(client, editor):
    device = enrolled(editor)
    client.force_login(editor)
    response = client.post(
        f"{reverse('twofactor:verify')}?next=https://evil.example/", {"token": code_for(device)}
    )
    assert response["Location"] == reverse("admin:index")


def test_an_editor_signs_in_with_password_and_code_through_the_forms(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 5
    editor = StaffUserFactory(role="Editor", username="desk", password="correct horse battery")
    device = enrolled(editor)
    response = client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": "desk", "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith(reverse("twofactor:verify"))
    assert (
        client.post(reverse("twofactor:verify") + "?next=/admin/", {"token": code_for(device)})[
            "Location"
        ]
        == "/admin/"
    )
    assert client.get("/admin/").status_code == 200


def test_every_role_that_can_publish_needs_a_second_factor_by_default(client, db, settings):
    import newsroom.settings as project_settings
    from articles.roles import role_permissions

    settings.OTP_REQUIRED_ROLES = project_settings.OTP_REQUIRED_ROLES
    publishers = sorted(
        name
        for name, perms in role_permissions().items()
        if any(perm.startswith("articles.publish_") for perm in perms)
    )
    assert publishers == ["Author", "Editor"]
    for role in publishers:
        client.force_login(StaffUserFactory(role=role))
        response = client.get(reverse("admin:index"))
        assert response["Location"].startswith(reverse("twofactor:setup")), role
    client.force_login(StaffUserFactory(role="Contributor"))
    assert client.get(reverse("admin:index")).status_code == 200


def test_recovery_codes_are_never_shown_again_in_the_admin(client, db):
    admin_user = StaffUserFactory(is_superuser=True)
    owner = StaffUserFactory(role="Editor")
    codes = issue_recovery_codes(owner)
    device = StaticDevice.objects.get(user=owner)
    enrolled(admin_user)
    client.force_login(admin_user)
    session = client.session
    # Signed in with the second factor (as otp_login records it).
    session["otp_device_id"] = TOTPDevice.objects.get(user=admin_user).persistent_id
    session.save()
    page = client.get(reverse("admin:otp_static_staticdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert not any(code in page.content.decode() for code in codes)


def test_an_enrolled_member_is_asked_for_a_code_even_with_the_requirement_off(client, db, settings):
    # make run turns the requirement off; a second factor someone set up still counts.
    settings.TWO_FACTOR_REQUIRED = False
    author = StaffUserFactory(role="Author")
    device = enrolled(author)
    client.force_login(author)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("twofactor:verify"))
    client.post(reverse("twofactor:verify"), {"token": code_for(device)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_device_set_up_elsewhere_is_asked_for_at_once_despite_the_cached_answer(
    db, settings, django_assert_num_queries
):
    from newsroom.twofactor import two_factor_required

    settings.TWO_FACTOR_REQUIRED = False
    user = StaffUserFactory(role="Editor")
    assert not two_factor_required(user)
    with django_assert_num_queries(0):
        assert not two_factor_required(user)  # remembered: no device query per request
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert two_factor_required(user)
    device.delete()
    assert not two_factor_required(user)
