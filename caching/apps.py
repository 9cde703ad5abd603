"""The caching app: a system check that the edge purge settings can build (caching.E001)."""

from django.apps import AppConfig
from django.core import checks


def check_edge_backends(app_configs=None, **kwargs):
    """EDGE_PURGE_BACKENDS must build: a purge that cannot be sent is found at deploy time."""
    from . import edge

    try:
        edge.configured()
    except Exception as exc:
        return [checks.Error(f"Edge purge backends cannot start: {exc}", id="caching.E001")]
    return []


class CachingConfig(AppConfig):
    name = "caching"
    verbose_name = "Caching"

    def ready(self):
        checks.register(check_edge_backends, checks.Tags.caches)
