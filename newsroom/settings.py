"""Settings for the newsroom project: one module, driven by the environment.

Every value that differs between a laptop, CI and production is an environment
variable; README.md lists them all.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long "
            "random string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true for local development."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105


def _language_name(code):
    """The English name Django knows for a language code ("hy" -> "Armenian")."""
    from django.conf.locale import LANG_INFO

    return LANG_INFO.get(code.lower(), {}).get("name", code)


ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The public address of the site, used for absolute links in feeds, sitemaps,
# share links and e-mails (requests may arrive through a proxy or a worker has none).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", default="Newsroom")
SITE_DESCRIPTION = env("SITE_DESCRIPTION", default="News, analysis and opinion from our newsroom.")

# Feeds, sitemaps and search-engine metadata (articles/feeds.py, sitemaps.py, seo.py).
# The language feeds, news sitemaps and og:locale declare (an IETF tag, e.g. "hy" or "en-us").
SITE_LANGUAGE = env("SITE_LANGUAGE", default=env("LANGUAGE_CODE", default="en-us"))
# The Organization named as publisher in JSON-LD and the Google News sitemap.
PUBLISHER_NAME = env("PUBLISHER_NAME", default=SITE_NAME)
# Absolute URL of a raster logo (PNG/JPEG, at least 112x112) for JSON-LD; Google
# shows no publisher logo without one. Also the share image of pages without their own.
PUBLISHER_LOGO_URL = env("PUBLISHER_LOGO_URL", default="")
# "@handle" of the site on X, for twitter:site; empty leaves the tag out.
TWITTER_SITE = env("TWITTER_SITE", default="")
# How many of the newest live articles each feed carries.
FEED_SIZE = env.int("FEED_SIZE", default=20)
# Full text in feeds (content:encoded / Atom content) unless a category says otherwise.
FEED_FULL_TEXT = env.bool("FEED_FULL_TEXT", default=True)
# Upper bound on how long a rendered feed or sitemap is kept; a change of what it
# shows, and the next scheduled story it would carry, end it sooner (caching/).
FEED_CACHE_SECONDS = env.int("FEED_CACHE_SECONDS", default=60 * 15)

INSTALLED_APPS = [
    "newsroom.apps.NewsroomAdminConfig",  # django.contrib.admin (newsroom/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "taggit",
    "django_ckeditor_5",
    "reversion",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "categories",
    "authors",
    "caching",
    "images",
    "articles",
    "widgets",
    "sharing",
    "wordpress",
    "backups",
    "readership",
    "newsletters",
    "newsroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First after security: which database a request reads, and a 503 page when the
    # primary is unreachable (newsroom/db_router.py).
    "newsroom.db_router.ReplicaReadMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # In-process setups only (ARTICLE_INPROCESS_SWEEP_INTERVAL): before the page
    # cache, so that cached pages also keep the catch-up going.
    "articles.catchup.DueWorkMiddleware",
    # Before sessions and auth: a cache hit must not read or create a session.
    "caching.middleware.PageCacheMiddleware",
    # Inside the page cache: only renderings count against the limits; a page
    # answered from the cache is never refused (newsroom/security.py).
    "newsroom.security.ThrottleMiddleware",
    # Inside the page cache, which stores the policy header with the page whose
    # script tags carry its nonce.
    "newsroom.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "newsroom.security.StaffSessionTimeoutMiddleware",
    "newsroom.twofactor.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Outside the article redirects: an imported post's own old permalink wins over a guess.
    "wordpress.middleware.WordPressPathFallbackMiddleware",
    "articles.middleware.ArticleRedirectFallbackMiddleware",
    "wordpress.middleware.WordPressQueryLinkMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"
ASGI_APPLICATION = "newsroom.asgi.application"

# Database: an SQLite file in the project folder unless DATABASE_URL says otherwise.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the dev server, a worker and seed_demo share the file.
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")

# Connection pool (Django 5.2's psycopg pool, psycopg-pool): DATABASE_POOL=true keeps
# DATABASE_POOL_MIN_SIZE..DATABASE_POOL_MAX_SIZE connections per process, instead of
# one persistent connection per thread (CONN_MAX_AGE, which the pool replaces).
DATABASE_POOL = env.bool("DATABASE_POOL", default=False)
# The other way to pool: DATABASE_URL pointing at PgBouncer in transaction mode.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
if DATABASE_POOL and DATABASE_PGBOUNCER:
    raise ImproperlyConfigured("Use DATABASE_POOL or DATABASE_PGBOUNCER, not both.")


def _postgres_options(config):
    # Django's backend whose health check polls the socket before asking `SELECT 1`
    # (newsroom/postgresql/base.py): no round trip per request for a quiet connection.
    config["ENGINE"] = "newsroom.postgresql"
    config.setdefault("OPTIONS", {})
    # A database that does not answer must fail a request (and /healthz) quickly.
    config["OPTIONS"].setdefault("connect_timeout", 3)
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer in transaction mode a cursor cannot outlive its statement's
    # server connection: .iterator() must fetch everything at once.
    config["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_PGBOUNCER
    if DATABASE_POOL:
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"]["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
            # A request waiting longer than this for a connection fails (503).
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
        }
    return config


# Read replicas (newsroom/db_router.py; README, "Running on several machines"): the
# public site's reads go to one of these, chosen at random, while it is no more than
# REPLICA_MAX_LAG seconds behind the primary.
REPLICA_DATABASES = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URL", default=[]), start=1):
    _alias = f"replica{_number}"
    DATABASES[_alias] = env.db_url_config(_url)
    if DATABASES[_alias]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must name PostgreSQL servers.")
    _postgres_options(DATABASES[_alias])
    # A replica that does not answer is left out after one quick attempt.
    DATABASES[_alias]["OPTIONS"]["connect_timeout"] = 1
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    REPLICA_DATABASES.append(_alias)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _postgres_options(DATABASES["default"])
if REPLICA_DATABASES:
    DATABASE_ROUTERS = ["newsroom.db_router.ReplicaRouter"]
REPLICA_MAX_LAG = env.float("REPLICA_MAX_LAG", default=5.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=1.0)
if REPLICA_DATABASES and REPLICA_CHECK_SECONDS >= REPLICA_MAX_LAG:
    raise ImproperlyConfigured("REPLICA_CHECK_SECONDS must be smaller than REPLICA_MAX_LAG.")
# After a write, this client's reads stay on the primary this long (a cookie).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and broker: Redis when REDIS_URL is set; otherwise a file cache that
# every process of the machine shares (runserver, seed_demo, import_wordpress,
# the shell), so a change made in one is seen by the others' caches at once,
# and tasks run in-process.
REDIS_URL = env("REDIS_URL", default="")
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="newsroom")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache with a circuit breaker (caching/redis.py).
            "BACKEND": "caching.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # Passed to redis-py's connection pool: a Redis that is down or
            # unreachable must cost a request milliseconds, not a hang.
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "retry_on_timeout": False,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env("CACHE_DIR", default=str(BASE_DIR / "var" / "cache")),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": env.int("CACHE_MAX_ENTRIES", default=20_000)},
        }
    }

# How long a Redis failure is remembered before the cache is tried again
# (meanwhile pages render uncached without waiting on a socket).
CACHE_RETRY_AFTER = env.float("CACHE_RETRY_AFTER", default=5.0)

# Anonymous page cache (caching/). Entries are purged by key when what they
# show changes and end at the next clock-driven change; these are upper bounds.
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE", default=True)
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60 * 60 * 24)
PAGE_CACHE_404_SECONDS = env.int("PAGE_CACHE_404_SECONDS", default=60 * 10)
# What browsers are told (they cannot be purged: keep it short) ...
PAGE_CACHE_MAX_AGE = env.int("PAGE_CACHE_MAX_AGE", default=60)
PAGE_CACHE_STALE_WHILE_REVALIDATE = env.int("PAGE_CACHE_STALE_WHILE_REVALIDATE", default=60)
# ... and shared caches (Varnish, a CDN), which are purged by key: s-maxage.
PAGE_CACHE_EDGE_SECONDS = env.int("PAGE_CACHE_EDGE_SECONDS", default=60 * 60 * 24)
# Pages each process keeps in its own memory, served while no purge happened anywhere.
PAGE_CACHE_LOCAL_ENTRIES = env.int("PAGE_CACHE_LOCAL_ENTRIES", default=500)
PAGE_CACHE_EXCLUDE_PREFIXES = ["/admin/", "/healthz", "/bench/", "/static/", "/media/"]
# Edge purges (caching/edge/): names among varnish, cloudflare, fastly.
EDGE_PURGE = [name.strip() for name in env.list("EDGE_PURGE", default=[]) if name.strip()]
EDGE_PURGE_TIMEOUT = env.float("EDGE_PURGE_TIMEOUT", default=2.0)
EDGE_PURGE_RETRY_DELAY = env.int("EDGE_PURGE_RETRY_DELAY", default=5)
_edge_options = {
    "varnish": {
        "BACKEND": "caching.edge.varnish.VarnishBackend",
        "LOCATIONS": env.list("VARNISH_PURGE_URLS", default=["http://127.0.0.1:8080"]),
        "TIMEOUT": EDGE_PURGE_TIMEOUT,
    },
    "cloudflare": {
        "BACKEND": "caching.edge.cloudflare.CloudflareBackend",
        "API_TOKEN": env("CLOUDFLARE_API_TOKEN", default=""),
        "ZONE_ID": env("CLOUDFLARE_ZONE_ID", default=""),
        "API_URL": env("CLOUDFLARE_API_URL", default="https://api.cloudflare.com/client/v4"),
        "TIMEOUT": EDGE_PURGE_TIMEOUT,
    },
    "fastly": {
        "BACKEND": "caching.edge.fastly.FastlyBackend",
        "API_TOKEN": env("FASTLY_API_TOKEN", default=""),
        "SERVICE_ID": env("FASTLY_SERVICE_ID", default=""),
        "API_URL": env("FASTLY_API_URL", default="https://api.fastly.com"),
        "SOFT": env.bool("FASTLY_SOFT_PURGE", default=False),
        "TIMEOUT": EDGE_PURGE_TIMEOUT,
    },
}
_unknown_edges = set(EDGE_PURGE) - set(_edge_options)
if _unknown_edges:
    raise ImproperlyConfigured(
        f"EDGE_PURGE names {sorted(_unknown_edges)}: use any of varnish, cloudflare, fastly"
    )
EDGE_PURGE_BACKENDS = {name: _edge_options[name] for name in EDGE_PURGE}

# For how long a copy found current is served again without asking Redis: a purge
# made by another process reaches this one within that time (its own, at once).
# Requests from Varnish always get a copy checked now; with a CDN in EDGE_PURGE
# (which could keep a copy served in that window) it defaults to 0, and so
# without Redis (the file cache is as quick to ask as the clock).
_cdn_in_front = bool({"cloudflare", "fastly"} & set(EDGE_PURGE))
PAGE_CACHE_LOCAL_TRUST_SECONDS = env.float(
    "PAGE_CACHE_LOCAL_TRUST_SECONDS", default=1.0 if REDIS_URL and not _cdn_in_front else 0.0
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The site's editions (issue 22): one language code each, the first the default
# edition unless LANGUAGE_CODE names another. A site with one edition looks and
# works as a one-language site: no language switcher, no alternates.
EDITIONS = env.list("EDITIONS", default=["en", "hy"])
LANGUAGES = [(code, _language_name(code)) for code in EDITIONS]
LANGUAGE_CODE = env("LANGUAGE_CODE", default=EDITIONS[0])
# Editions in addresses: the default edition unprefixed, the others under /<code>/,
# or unprefixed on a host of their own (EDITION_HOSTS=hy=hy.example.com).
# EditionMiddleware activates the request's edition, outside the page cache (whose
# key then includes the Host); it does nothing on a one-edition site.
EDITION_HOSTS = env.dict("EDITION_HOSTS", default={})
PAGE_CACHE_VARY_HOST = bool(EDITION_HOSTS)
MIDDLEWARE.insert(
    MIDDLEWARE.index("caching.middleware.PageCacheMiddleware"),
    "articles.middleware.EditionMiddleware",
)
# Editions whose new slugs are written in Latin letters (anyascii), e.g. "hy".
EDITION_ASCII_SLUGS = env.list("EDITION_ASCII_SLUGS", default=[])
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# The public interface's own catalogue (Armenian: locale/hy), and date formats per
# language: Django ships none for Armenian (newsroom/formats/).
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["newsroom.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded media (images/): on this machine's disk, or with MEDIA_STORAGE=s3 in an
# S3-compatible bucket through django-storages. All code reads and writes media
# through the storage API, so the switch is configuration only (README, "Images").
MEDIA_STORAGE = env("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be local or s3, not {MEDIA_STORAGE!r}.")
if MEDIA_STORAGE == "s3":
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            # Unset: boto3's own chain (instance role, ~/.aws) provides credentials.
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN", default=None),
            "location": env("AWS_LOCATION", default=""),
            # Public, unsigned addresses: body images are recognised by their address,
            # and a signed one changes on every call.
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
            "default_acl": env("AWS_DEFAULT_ACL", default=None),
            # Names are unique and files never rewritten, so caches may keep them.
            "file_overwrite": False,
            "object_parameters": {
                "CacheControl": env(
                    "AWS_S3_CACHE_CONTROL", default="public, max-age=31536000, immutable"
                )
            },
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        # Hashed names and compressed copies; with DEBUG on (runserver, tests)
        # plain storage so nothing needs collectstatic first.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or not env.bool("STATIC_MANIFEST", default=True)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# Image library (images/; README, "Images and media library"). The ARTICLE_IMAGE_*
# names of earlier versions are still read as defaults.
IMAGE_MAX_BYTES = env.int(
    "IMAGE_MAX_BYTES", default=env.int("ARTICLE_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
)
IMAGE_MAX_PIXELS = env.int(
    "IMAGE_MAX_PIXELS", default=env.int("ARTICLE_IMAGE_MAX_PIXELS", default=40_000_000)
)
# Renditions: encoder quality, and how long a page that found renditions missing
# waits before it queues their generation again.
IMAGE_WEBP_QUALITY = env.int("IMAGE_WEBP_QUALITY", default=80)
IMAGE_JPEG_QUALITY = env.int("IMAGE_JPEG_QUALITY", default=82)
IMAGE_RENDITION_REQUEUE_SECONDS = env.int("IMAGE_RENDITION_REQUEUE_SECONDS", default=300)

# E-mail
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="newsroom@localhost")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ADMINS = [("Admin", a) for a in env.list("ADMINS", default=[])]

# Security. With DEBUG off every production protection is on, so that
# `manage.py check --deploy` is clean; each can be relaxed by its variable
# (e.g. SECURE_SSL_REDIRECT=false behind a proxy that already redirects).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("USE_X_FORWARDED_PROTO", default=True) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/live$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Hardening (newsroom/security.py, newsroom/twofactor.py; README "Security").
# Argon2 for new and changed passwords; the others only check old hashes and
# upgrade them at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "newsroom.security.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The client's address, which throttling, login lockout and the lockout logs all
# key on (newsroom.security.client_ip): the number of proxies of ours that append
# X-Forwarded-For in front of the app (nginx alone: 1; a CDN or Varnish in front of
# nginx: 2). 0 = trust no header: REMOTE_ADDR is the client (gunicorn reached
# directly, or through a PROXY-protocol balancer). README, "Security".
_trusted_proxies = env("TRUSTED_PROXY_COUNT", default="").strip()
TRUSTED_PROXY_COUNT = int(_trusted_proxies or 0)
if SECURE_PROXY_SSL_HEADER and not _trusted_proxies and not DEBUG:
    # X-Forwarded-Proto is trusted, so a proxy stands in front; unless told how many,
    # every client would share the proxy's address: one client's failures would lock
    # a user out for everyone and the throttles would apply to the whole site. Guessing
    # a count instead would let clients who reach the app directly forge their address.
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT is not set while X-Forwarded-Proto is trusted "
        "(USE_X_FORWARDED_PROTO). Set it to the number of proxies that append "
        "X-Forwarded-For in front of the app (1 for nginx alone, 2 for a CDN or Varnish "
        "in front of nginx), to 0 if REMOTE_ADDR is the client's own address, or set "
        "USE_X_FORWARDED_PROTO=false if clients reach the app directly. "
        "See README, Security."
    )

# Login lockout (django-axes): LOGIN_FAILURE_LIMIT failures for one user name from
# one client address lock that pair for LOGIN_LOCKOUT_MINUTES (0: until unlocked in
# the admin under Axes > Access attempts, or with `manage.py axes_reset_username`).
# The pair, not the name alone: failures from elsewhere never lock the owner out of
# their own address. A successful sign-in forgets only that pair's failures, so
# signing in to one's own account does not wipe those against another. Many user
# names tried from one address meet the "login" throttle below, which counts
# successes too.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
_lockout_minutes = env.int("LOGIN_LOCKOUT_MINUTES", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes) if _lockout_minutes else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
AXES_ENABLED = env.bool("LOGIN_LOCKOUT", default=True)

# /healthz names its failing components and their errors only to staff and to a
# monitor sending "Authorization: Bearer <HEALTH_TOKEN>"; empty: to staff only.
HEALTH_TOKEN = env("HEALTH_TOKEN", default="")

# Staff sessions end after this many seconds without a request (0: only SESSION_COOKIE_AGE).
STAFF_SESSION_IDLE_TIMEOUT = env.int("STAFF_SESSION_IDLE_TIMEOUT", default=60 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)

# Two-factor authentication (django-otp, TOTP + recovery codes). Required for
# superusers and these groups (by default every role that can publish);
# TWO_FACTOR_REQUIRED=false relaxes it for development.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["Author", "Editor"])
OTP_TOTP_ISSUER = SITE_NAME
# Single-use recovery codes (django-otp's static device) issued at enrolment and
# on request, shown once: the admin never displays them (nor TOTP keys) again.
OTP_RECOVERY_CODES = env.int("OTP_RECOVERY_CODES", default=10)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Throttling of public endpoints that cost work: "REQUESTS/SECONDS" per client
# address in fixed windows, 429 with Retry-After past it; "off" disables one.
THROTTLE_ENABLED = env.bool("THROTTLE_ENABLED", default=True)
THROTTLE_RATES = {
    "search": env("THROTTLE_SEARCH", default="30/60"),
    "preview": env("THROTTLE_PREVIEW", default="60/60"),
    "feed": env("THROTTLE_FEED", default="120/60"),
    "password-reset": env("THROTTLE_PASSWORD_RESET", default="5/1h"),
    # Sign-in attempts (admin login POSTs, good or bad), per address, whatever the name.
    "login": env("THROTTLE_LOGIN", default="30/15m"),
    # Public pages rendered (not answered by the page cache), per address.
    "render": env("THROTTLE_RENDER", default="300/60"),
    "newsletter": env("THROTTLE_NEWSLETTER", default="10/1h"),
}

# Content security policy (django-csp 4). Public pages: scripts from this origin
# only (site.js carries the response's nonce; the page cache stores header and
# page together, see newsroom/security.py), no inline style, no framing. The
# admin adds what CKEditor 5 needs: inline styles it sets on its widgets,
# blob:/data: image previews, and embeds' previews in frames.
# (Not named CSP_*: django-csp 4 takes those for its old settings and refuses to start.)
SECURITY_REPORT_URI = env("CSP_REPORT_URI", default="")
_csp_report_only = env.bool("CSP_REPORT_ONLY", default=False)
_csp_extra_script = env.list("CSP_EXTRA_SCRIPT_SRC", default=[])
_csp_extra_img = env.list("CSP_EXTRA_IMG_SRC", default=["https:"])
_csp_reporting = (
    {"report-uri": [SECURITY_REPORT_URI], "report-to": "csp-endpoint"}
    if SECURITY_REPORT_URI
    else {}
)
_csp_public = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE, *_csp_extra_script],
    "style-src": [SELF],
    "img-src": [SELF, "data:", *_csp_extra_img],
    "font-src": [SELF],
    "connect-src": [SELF],
    "media-src": [SELF, *_csp_extra_img],
    "object-src": [NONE],
    "base-uri": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
    "upgrade-insecure-requests": SECURE_SSL_REDIRECT,
    **_csp_reporting,
}
_csp_admin = {
    **_csp_public,
    "script-src": [SELF, NONCE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:", *_csp_extra_img],
    "frame-src": [SELF, "https:"],
    "frame-ancestors": [SELF],
}
if _csp_report_only:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_public}
    ADMIN_CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_admin}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_public}
    ADMIN_CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_admin}
PERMISSIONS_POLICY = env(
    "PERMISSIONS_POLICY",
    default="accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()",
)

# Celery (CELERY_ namespace, read by newsroom/celery.py).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# No broker in dev or tests: run tasks inline so nothing waits on Redis.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only once it has finished, and redelivered if the
# worker dies under it; every task is idempotent so a redelivery is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged message after this long; it must exceed
# the longest ETA countdown used for scheduled publishing, or a scheduled task
# would be delivered twice (harmless, but wasteful).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60 * 24 * 2),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}

# Exactly one beat on several hosts (celery-redbeat): run `celery beat -S
# redbeat.RedBeatScheduler` on two or more hosts; the one holding a lock in Redis sends
# the schedule, renewing the lock at every tick (at most BEAT_MAX_LOOP_INTERVAL
# seconds apart). When that host dies the lock lapses after BEAT_LOCK_TIMEOUT seconds
# and a standby, which tries every BEAT_MAX_LOOP_INTERVAL seconds, takes over.
CELERY_BEAT_MAX_LOOP_INTERVAL = env.int("BEAT_MAX_LOOP_INTERVAL", default=5)
CELERY_REDBEAT_LOCK_TIMEOUT = env.int("BEAT_LOCK_TIMEOUT", default=30)
CELERY_REDBEAT_KEY_PREFIX = f"{CACHE_KEY_PREFIX}:redbeat"
CELERY_REDBEAT_REDIS_URL = env("BEAT_REDIS_URL", default=CELERY_BROKER_URL)
# Passed to redis-py; Redis operations are retried for retry_period seconds (a
# restarting Redis), then beat exits and its service manager starts it again.
CELERY_REDBEAT_REDIS_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "retry_period": 30,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # In-process tasks would log a "succeeded" line for every publication.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

# Go-live side effects and social sharing (sharing app). Tasks named
# articles.* and sharing.* go to this queue when it is set (see newsroom/celery.py),
# so publishing can have its own workers.
SIDE_EFFECTS_QUEUE = env("SIDE_EFFECTS_QUEUE", default="")
# Fernet key (urlsafe base64, 32 bytes) for channel secrets stored in the
# database; without it a key is derived from SECRET_KEY (rotating SECRET_KEY
# then makes stored secrets unreadable: enter them again).
SHARING_ENCRYPTION_KEY = env("SHARING_ENCRYPTION_KEY", default="")
SHARING_HTTP_TIMEOUT = env.float("SHARING_HTTP_TIMEOUT", default=10.0)
SHARING_MAX_ATTEMPTS = env.int("SHARING_MAX_ATTEMPTS", default=6)
SHARING_RETRY_BASE = env.int("SHARING_RETRY_BASE", default=30)  # seconds, doubled per attempt
SHARING_RETRY_MAX_DELAY = env.int("SHARING_RETRY_MAX_DELAY", default=60 * 60)
# A delivery still "sending" this long after it started was cut off by a dead
# worker: a task cannot outlive CELERY_TASK_TIME_LIMIT.
SHARING_STALE_AFTER = env.int("SHARING_STALE_AFTER", default=CELERY_TASK_TIME_LIMIT + 60)
# WebSub (PubSubHubbub): the hub told of new and corrected articles; empty = no pings.
WEBSUB_HUB_URL = env("WEBSUB_HUB_URL", default="")

# Public pages
ARTICLES_PER_PAGE = env.int("ARTICLES_PER_PAGE", default=20)
# Listing pages stop here; older stories are reached through the date archives
# (a deeper page would make the database skip and count ever more rows).
LISTING_MAX_PAGES = env.int("LISTING_MAX_PAGES", default=50)
RECENT_POSTS_COUNT = env.int("RECENT_POSTS_COUNT", default=6)
# The home page's "Latest" and section blocks, until an editor sets them in the
# admin (widgets' page blocks settings).
HOME_LATEST_COUNT = env.int("HOME_LATEST_COUNT", default=10)
HOME_BLOCK_SIZE = env.int("HOME_BLOCK_SIZE", default=4)

# Editorial admin (articles/admin.py). CKEditor 5 is limited to what the
# server-side sanitiser (articles/html.py) keeps: no raw HTML, styles, fonts or
# Markdown output; uploads go through the article admin's validating view.
CKEDITOR_5_CONFIGS = {
    "article": {
        "removePlugins": [
            "Markdown",
            "HtmlEmbed",
            "FullPage",
            "GeneralHtmlSupport",
            "SourceEditing",
            "Style",
            "Font",
            "Highlight",
            "TodoList",
            "Mention",
            "PageBreak",
            "Alignment",
            "IndentBlock",
            "TableProperties",
            "TableCellProperties",
            "ImageResize",
            "CKFinderUploadAdapter",
        ],
        "toolbar": [
            "heading",
            "|",
            "bold",
            "italic",
            "link",
            "|",
            "bulletedList",
            "numberedList",
            "blockQuote",
            "|",
            "insertImage",
            "mediaEmbed",
            "insertTable",
            "|",
            "undo",
            "redo",
        ],
        "heading": {
            "options": [
                {"model": "paragraph", "title": "Paragraph"},
                {"model": "heading2", "view": "h2", "title": "Heading"},
                {"model": "heading3", "view": "h3", "title": "Subheading"},
                {"model": "heading4", "view": "h4", "title": "Minor heading"},
            ]
        },
        "image": {
            "toolbar": [
                "imageTextAlternative",
                "toggleImageCaption",
                "|",
                "imageStyle:inline",
                "imageStyle:block",
                "imageStyle:side",
            ],
        },
        "table": {
            "contentToolbar": ["tableColumn", "tableRow", "mergeTableCells", "toggleTableCaption"]
        },
        "mediaEmbed": {"previewsInData": False},
        "link": {"defaultProtocol": "https://"},
    },
}
# CKEditor 5 uploads go to the image library (images.admin), one Image per upload.
CK_EDITOR_5_UPLOAD_FILE_VIEW_NAME = "admin:images_image_upload"
CKEDITOR_5_UPLOAD_FILE_TYPES = ["jpeg", "jpg", "png", "gif", "webp"]
# How long a shared preview link works (seconds).
ARTICLE_PREVIEW_MAX_AGE = env.int("ARTICLE_PREVIEW_MAX_AGE", default=60 * 60 * 24 * 3)
# A soft edit lock lapses when its holder's page stops sending heartbeats.
ARTICLE_LOCK_TIMEOUT = env.int("ARTICLE_LOCK_TIMEOUT", default=90)
ARTICLE_AUTOSAVE_INTERVAL = env.int("ARTICLE_AUTOSAVE_INTERVAL", default=10)
# Without a worker and beat (tasks run in-process, as under make run) the
# publish_due sweep runs in the request cycle at most this often, in seconds
# (articles/catchup.py); 0 turns it off. Off by default with a broker.
ARTICLE_INPROCESS_SWEEP_INTERVAL = env.int(
    "ARTICLE_INPROCESS_SWEEP_INTERVAL", default=30 if CELERY_TASK_ALWAYS_EAGER else 0
)
# Stories in the trash are deleted for good after this many days (articles.tasks.purge_trash).
ARTICLE_TRASH_DAYS = env.int("ARTICLE_TRASH_DAYS", default=30)

# WordPress import (wordpress app, `manage.py import_wordpress`): fetching of
# featured images from the old site.
WORDPRESS_MEDIA_TIMEOUT = env.float("WORDPRESS_MEDIA_TIMEOUT", default=20.0)
WORDPRESS_MEDIA_MAX_BYTES = env.int("WORDPRESS_MEDIA_MAX_BYTES", default=IMAGE_MAX_BYTES)

# Read APIs (api app): WordPress's REST API at /wp-json/ and the project's own at
# /api/v1/ (Django REST framework; OpenAPI schema by drf-spectacular). Public and
# read-only: no session or authentication is read, so answers are the same for
# everyone and the page cache stores them (throttled by THROTTLE_RENDER when not).
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "api"]
# Before the page cache: `/?rest_route=/wp/v2/...` and `tags[]=` lists become the
# plain form, so every spelling is one cached answer.
MIDDLEWARE.insert(
    MIDDLEWARE.index("caching.middleware.PageCacheMiddleware"),
    "api.middleware.WordPressRequestMiddleware",
)
MIDDLEWARE += ["api.middleware.ApiDiscoveryMiddleware"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Public stories, sections, tags, bylines and pictures (read-only).",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": [],
}

# Backups (backups/; README, "Backups and restore"): `manage.py backup` writes the
# database and the media to BACKUP_DIR, or with BACKUP_STORAGE=s3 to a private bucket.
BACKUP_STORAGE = env("BACKUP_STORAGE", default="local")
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "var" / "backups")
BACKUP_S3_BUCKET = env("BACKUP_S3_BUCKET", default="")
BACKUP_S3_LOCATION = env("BACKUP_S3_LOCATION", default="")
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", default=7)
BACKUP_KEEP_WEEKLY = env.int("BACKUP_KEEP_WEEKLY", default=4)
BACKUP_KEEP_MONTHLY = env.int("BACKUP_KEEP_MONTHLY", default=6)
# Where pg_dump/pg_restore of the server's major version are, if not found by themselves.
BACKUP_PG_BIN_DIR = env("BACKUP_PG_BIN_DIR", default="")
# Beat runs the backup daily at this hour (TIME_ZONE) when set; unset: off.
BACKUP_HOUR = env.int("BACKUP_HOUR", default=None)
BACKUP_MINUTE = env.int("BACKUP_MINUTE", default=0)
# /healthz fails when the last good backup is older (0: not checked).
BACKUP_MAX_AGE_HOURS = env.int("BACKUP_MAX_AGE_HOURS", default=26 if BACKUP_HOUR is not None else 0)
if BACKUP_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured(f"BACKUP_STORAGE must be local or s3, not {BACKUP_STORAGE!r}.")
# A private bucket of its own: media buckets are public, a backup holds every password hash.
BACKUP_S3_OPTIONS = {
    "bucket_name": BACKUP_S3_BUCKET,
    "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
    "region_name": env("AWS_S3_REGION_NAME", default=None),
    "access_key": env("AWS_ACCESS_KEY_ID", default=None),
    "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
    "location": BACKUP_S3_LOCATION,
    "default_acl": "private",
    "querystring_auth": True,
    "file_overwrite": True,
}
# The admin's index (newsroom/admin_site.py): the newsroom's apps in this order,
# then the rest; apps listed as technical are shown to superusers only.
ADMIN_APP_ORDER = env.list(
    "ADMIN_APP_ORDER",
    default=[
        "articles",
        "categories",
        "authors",
        "images",
        "widgets",
        "newsletters",
        "readership",
        "sharing",
        "taggit",
    ],
)
ADMIN_TECHNICAL_APPS = env.list(
    "ADMIN_TECHNICAL_APPS",
    default=["axes", "otp_static", "reversion", "wordpress"],
)
# The breaking-news banner's "Expires at" default: this many hours after now.
BREAKING_NEWS_DEFAULT_HOURS = env.float("BREAKING_NEWS_DEFAULT_HOURS", default=6)

# Readership ("Most read"): counts in Redis hourly buckets, folded into daily totals.
READERSHIP_REDIS_URL = env("READERSHIP_REDIS_URL", default=REDIS_URL)
READERSHIP_KEEP_HOURS = env.int("READERSHIP_KEEP_HOURS", default=8 * 24)
READERSHIP_FOLD_SECONDS = env.int("READERSHIP_FOLD_SECONDS", default=600)
READERSHIP_BUFFER_SECONDS = env.float("READERSHIP_BUFFER_SECONDS", default=1.0)
READERSHIP_RATE_PER_MINUTE = env.int("READERSHIP_RATE_PER_MINUTE", default=60)
MOST_READ_COUNT = env.int("MOST_READ_COUNT", default=5)
MOST_READ_SECONDS = env.int("MOST_READ_SECONDS", default=300)

# Newsletter: double opt-in, digests at an hour of TIME_ZONE, breaking alerts.
NEWSLETTER_FROM_EMAIL = env("NEWSLETTER_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
NEWSLETTER_CONFIRM_MAX_AGE = env.int("NEWSLETTER_CONFIRM_MAX_AGE", default=3 * 24 * 3600)
NEWSLETTER_DAILY_HOUR = env.int("NEWSLETTER_DAILY_HOUR", default=7)
NEWSLETTER_WEEKLY_DAY = env.int("NEWSLETTER_WEEKLY_DAY", default=1)  # crontab: 0 Sunday, 1 Monday
NEWSLETTER_WEEKLY_HOUR = env.int("NEWSLETTER_WEEKLY_HOUR", default=8)
NEWSLETTER_BATCH_SIZE = env.int("NEWSLETTER_BATCH_SIZE", default=200)
NEWSLETTER_SEND_WORKERS = env.int("NEWSLETTER_SEND_WORKERS", default=1)
NEWSLETTER_CLAIM_SECONDS = env.int("NEWSLETTER_CLAIM_SECONDS", default=600)
NEWSLETTER_WEBHOOK_SECRET = env("NEWSLETTER_WEBHOOK_SECRET", default="")
NEWSLETTER_DIGEST_MAX_STORIES = env.int("NEWSLETTER_DIGEST_MAX_STORIES", default=20)
# The read beacon skips the session, CSRF and authentication middleware (readership/middleware.py).
MIDDLEWARE.insert(
    MIDDLEWARE.index("newsroom.security.ThrottleMiddleware") + 1,
    "readership.middleware.ReadBeaconMiddleware",
)
