"""Media storage is chosen by configuration: local files, or S3 through django-storages."""

import json
import os
import subprocess
import sys

from tests.conftest import PROJECT_DIR

PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.core.files.storage import storages
default_storage = storages["default"]
print(json.dumps({
    "backend": type(default_storage).__module__ + "." + type(default_storage).__name__,
    "options": settings.STORAGES["default"].get("OPTIONS", {}),
    "url": default_storage.url("images/2026/05/lake-a1b2c3.jpg"),
}))
"""


def run(code, **env):
    """Run `code` in a fresh interpreter with the settings module read under `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MEDIA_"))}
    base.update(DJANGO_SETTINGS_MODULE="newsroom.settings", DEBUG="true", **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def probe(**env):
    result = run(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_media_is_stored_on_local_disk_by_default():
    found = probe()
    assert found["backend"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert found["url"] == "/media/images/2026/05/lake-a1b2c3.jpg"


def test_media_storage_s3_switches_to_django_storages():
    found = probe(
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="newsroom-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.net",
        AWS_S3_REGION_NAME="eu-central-1",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="not-a-real-secret",
        AWS_S3_CUSTOM_DOMAIN="media.example.com",
    )
    assert found["backend"] == "storages.backends.s3.S3Storage"
    options = found["options"]
    assert options["bucket_name"] == "newsroom-media"
    assert options["endpoint_url"] == "https://s3.example.net"
    assert options["region_name"] == "eu-central-1"
    assert options["querystring_auth"] is False and options["file_overwrite"] is False
    # Public addresses are built locally, without a request to the bucket.
    assert found["url"] == "https://media.example.com/images/2026/05/lake-a1b2c3.jpg"


def test_an_unknown_media_storage_is_refused():
    result = run("import django; django.setup()", MEDIA_STORAGE="ftp")
    assert result.returncode != 0
    assert "MEDIA_STORAGE must be local or s3" in result.stderr


def test_media_served_in_development_carry_their_type_and_nosniff(settings, tmp_path):
    # `make run` serves MEDIA_ROOT through Django (newsroom/urls.py, DEBUG only): the
    # stored format's type and nosniff, so a browser never reads a picture as a page.
    import types

    from django.conf.urls.static import static
    from django.test import Client

    import newsroom.urls

    settings.DEBUG = True
    urlconf = types.ModuleType("media_urlconf")
    urlconf.urlpatterns = newsroom.urls.urlpatterns + static(
        settings.MEDIA_URL, document_root=settings.MEDIA_ROOT
    )
    settings.ROOT_URLCONF = urlconf
    folder = settings.MEDIA_ROOT / "images" / "2025" / "01"
    folder.mkdir(parents=True)
    (folder / "funny-3f9a2c.gif").write_bytes(b"GIF89a<html><script>alert(1)</script>")
    response = Client().get("/media/images/2025/01/funny-3f9a2c.gif")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response["X-Content-Type-Options"] == "nosniff"
