from django.contrib.auth.models import Group

from articles.roles import ensure_roles


def test_editors_manage_share_channels_and_deliveries(db):
    ensure_roles()  # as after every migrate
    editor = Group.objects.get(name="Editor")
    codenames = set(
        editor.permissions.filter(content_type__app_label="sharing").values_list(
            "codename", flat=True
        )
    )
    assert {
        "add_sharechannel",
        "change_sharechannel",
        "change_articlesharesetting",
        "view_sharedelivery",
    } <= codenames


def test_contributors_cannot_touch_share_channels(db):
    ensure_roles()
    contributor = Group.objects.get(name="Contributor")
    assert not contributor.permissions.filter(content_type__app_label="sharing").exists()


def test_roles_exist_again_after_a_flush(transactional_db):
    # A transactional test flushes every table; post_migrate brings the groups back.
    assert set(Group.objects.values_list("name", flat=True)) >= {"Contributor", "Author", "Editor"}
    assert (
        Group.objects.get(name="Editor")
        .permissions.filter(content_type__app_label="sharing")
        .exists()
    )
