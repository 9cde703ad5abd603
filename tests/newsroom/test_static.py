import json

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture
def collected(settings, tmp_path):
    """collectstatic as production runs it: hashed names and compressed copies."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = MANIFEST_STORAGE
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((settings.STATIC_ROOT / "staticfiles.json").read_text())
    return settings.STATIC_ROOT, manifest["paths"]


def test_collectstatic_gives_hashed_names_with_compressed_copies(collected):
    root, paths = collected
    hashed = paths["css/site.css"]
    assert hashed != "css/site.css" and hashed.startswith("css/site.")
    assert (root / hashed).exists()
    assert (root / f"{hashed}.gz").exists()


def test_whitenoise_serves_hashed_files_for_a_year_immutable_and_compressed(collected):
    _, paths = collected
    middleware = WhiteNoiseMiddleware(lambda request: pytest.fail("not served as static"))
    request = RequestFactory().get(
        f"/static/{paths['css/site.css']}", HTTP_ACCEPT_ENCODING="gzip, deflate"
    )
    response = middleware(request)
    assert response.status_code == 200
    assert "max-age=315360000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Encoding"] in {"gzip", "br"}
    assert "Accept-Encoding" in response["Vary"]
