"""The admin answers 400, not 500, to query parameters Django's admin views cannot use."""

import pytest
from django.contrib import admin
from django.db import connection

from newsroom.admin_site import NewsroomAdminSite
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def test_the_project_admin_site_is_the_default_one():
    assert isinstance(admin.site, NewsroomAdminSite)


@pytest.mark.parametrize(
    "address",
    [
        "/admin/articles/article/add/?category=.",
        "/admin/categories/category/add/?parent=.",
        "/admin/widgets/breakingnews/add/?starts_at=.",
        "/admin/articles/articleredirect/add/?article=.",
        "/admin/images/image/1/delete/?_to_field=",
    ],
)
def test_a_query_value_the_admin_cannot_use_is_a_bad_request(client, address, caplog):
    client.force_login(StaffUserFactory(is_superuser=True))
    response = client.get(address)
    assert response.status_code == 400
    assert "query parameter the page cannot use" in response.content.decode()
    assert "refused" in caplog.text


def test_a_number_too_large_for_the_database_is_no_server_error(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    response = client.get("/admin/auth/group/?user=9999999999999999999999999")
    # SQLite cannot take the number (OverflowError: 400); PostgreSQL compares it and
    # finds no group (200).
    assert response.status_code == (400 if connection.vendor == "sqlite" else 200)


def test_the_same_pages_without_the_bad_value_still_answer(client):
    client.force_login(StaffUserFactory(is_superuser=True))
    assert client.get("/admin/articles/article/add/").status_code == 200
    assert client.get("/admin/widgets/breakingnews/add/?text=Polls+close").status_code == 200


def test_the_desk_shows_the_last_backup_to_those_who_look_after_the_site(client, db):
    from backups.models import BackupRecord

    client.force_login(StaffUserFactory(is_superuser=True))
    page = client.get("/admin/").content.decode()
    assert "No good backup yet" in page
    assert "✔" not in page  # no backup is nothing to tick, even when none is due
    assert 'href="/admin/backups/backuprecord/"' in page
    client.force_login(StaffUserFactory(role="Editor"))
    page = client.get("/admin/").content.decode()
    assert "newsroom-desk" in page
    assert "backup-status" not in page
    assert BackupRecord.objects.count() == 0
