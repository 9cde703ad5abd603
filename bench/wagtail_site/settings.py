"""Settings of the Wagtail reference site (bench/wagtail_site): Wagtail's project
template with DEBUG off, PostgreSQL and Redis, as the benchmark gives them.

WAGTAIL_DATABASE_URL (postgres://...) and WAGTAIL_REDIS_URL (redis://...) come from
bench/wagtail.py; MEDIA_ROOT (var/wagtail-reference/media) holds the pictures load.py
writes. Like the project's benchmark server, it honours X-Bench-Cold
(bench/coldcache.py), so that both can be measured with every cache empty.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Pictures and static files under the project's var/ (not in git).
VAR = Path(__file__).resolve().parents[2] / "var" / "wagtail-reference"


def _database(url):
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # As the project's production settings: connections kept across requests.
        "CONN_MAX_AGE": 600,
    }


SECRET_KEY = os.environ.get("SECRET_KEY", "wagtail-reference-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "bench.wagtail_site.news",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    # The benchmark's "cold" rows: X-Bench-Cold empties the cache for the request.
    "bench.coldcache.ColdCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]
ROOT_URLCONF = "bench.wagtail_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {
    "default": _database(
        os.environ.get("WAGTAIL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wagtail")
    )
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("WAGTAIL_REDIS_URL", "redis://127.0.0.1:6379/6"),
        # The project's Redis may be shared: its own keys.
        "KEY_PREFIX": "wagtail-reference",
    }
}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("WAGTAIL_STATIC_ROOT", str(VAR / "static"))
MEDIA_ROOT = os.environ.get("WAGTAIL_MEDIA_ROOT", str(VAR / "media"))
MEDIA_URL = "/media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
WAGTAIL_SITE_NAME = "Wagtail reference"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1"
# Loading thousands of pages does not index each for search as it goes.
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "AUTO_UPDATE": False}
}
