"""The widgets app: registers its holes (Recent Posts, the banner), the banner's clock
and its role permissions."""

from datetime import UTC, datetime

from django.apps import AppConfig
from django.utils import timezone

# The banner hole's key (widgets.templatetags.widgets records it).
BANNER_KEY = "banner"
# The "Most read" hole's key: it ends at every refresh moment.
MOST_READ_KEY = "most-read"


def banner_changes():
    """(moment, keys) at which a switched-on banner starts or expires."""
    from .models import BreakingNews

    now = timezone.now()
    moments = []
    for starts_at, expires_at in BreakingNews.objects.filter(
        is_active=True, expires_at__gt=now
    ).values_list("starts_at", "expires_at"):
        if starts_at > now:
            moments.append((starts_at, {BANNER_KEY}))
        moments.append((expires_at, {BANNER_KEY}))
    return moments


def most_read_refresh():
    """The next moment "Most read" is rendered again (every MOST_READ_SECONDS, on the clock)."""
    from django.conf import settings

    seconds = max(10, settings.MOST_READ_SECONDS)
    now = timezone.now().timestamp()
    moment = (int(now // seconds) + 1) * seconds
    return [(datetime.fromtimestamp(moment, tz=UTC), {MOST_READ_KEY})]


def role_permissions():
    """Editors switch the breaking-news banner on and off."""
    return {
        "Editor": [
            f"widgets.{action}_breakingnews" for action in ("view", "add", "change", "delete")
        ]
    }


class WidgetsConfig(AppConfig):
    name = "widgets"

    def ready(self):
        from articles import cache_keys, hooks
        from caching import registry

        from .models import BreakingNews
        from .templatetags.widgets import (
            render_breaking_news,
            render_most_read,
            render_recent_posts,
        )

        # Holes: cached apart from the pages, purged by their own keys.
        registry.block("recent-posts", render_recent_posts, params=("exclude",))
        registry.block("breaking-news", render_breaking_news)
        registry.block("most-read", render_most_read)
        registry.clock(most_read_refresh)
        # A banner's start and expiry pass without any write.
        registry.watch(BreakingNews, lambda row, deleted: {BANNER_KEY, cache_keys.SCHEDULE})
        registry.clock(banner_changes)
        hooks.register(hooks.ROLE_PERMISSIONS, role_permissions)
