"""WSGI entry point of the Wagtail reference site (gunicorn bench.wagtail_site.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.wagtail_site.settings")

application = get_wsgi_application()
