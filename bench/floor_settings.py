"""Settings of the benchmark's floor: a bare Django, none of the project's apps.

bench/floor_urls.py serves one page through the three middleware every Django
site keeps; `make bench` runs it in its own gunicorn, with the project's
gunicorn settings, and measures the project's pages against it.
"""

import os

SECRET_KEY = os.environ.get("SECRET_KEY", "bench-floor-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench.floor_urls"
DATABASES = {}
TEMPLATES = []
USE_TZ = True
