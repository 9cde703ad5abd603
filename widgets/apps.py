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


def home_layout():
    """The home page's numbers as the editor set them (hooks.HOME_LAYOUT)."""
    from .selectors import widget_settings

    values = widget_settings()
    return {"latest": values["home_latest_count"], "block_size": values["home_block_size"]}


def settings_changed(row, deleted):
    """Keys to purge when the page blocks' settings change (and the cached copy goes)."""
    from django.db import transaction

    from articles import cache_keys

    from .selectors import forget_widget_settings

    forget_widget_settings()
    # Again once committed: a page rendered meanwhile may have cached the old row.
    transaction.on_commit(forget_widget_settings)
    return {cache_keys.RECENT, cache_keys.HOME}


def most_read_refresh():
    """The next moment "Most read" is rendered again (every MOST_READ_SECONDS, on the clock)."""
    from django.conf import settings

    seconds = max(10, settings.MOST_READ_SECONDS)
    now = timezone.now().timestamp()
    moment = (int(now // seconds) + 1) * seconds
    return [(datetime.fromtimestamp(moment, tz=UTC), {MOST_READ_KEY})]


def role_permissions():
    """Editors switch the breaking-news banner on and off, and set the page blocks."""
    return {
        "Editor": [
            f"widgets.{action}_breakingnews" for action in ("view", "add", "change", "delete")
        ]
        + [f"widgets.{action}_widgetsettings" for action in ("view", "add", "change")]
    }


class WidgetsConfig(AppConfig):
    name = "widgets"

    def ready(self):
        from articles import cache_keys, hooks
        from caching import registry

        from .models import BreakingNews, WidgetSettings
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
        # The editor's page blocks settings: read through the cache; a change
        # forgets the cached copy and purges what shows the numbers.
        hooks.register(hooks.HOME_LAYOUT, home_layout)
        registry.watch(WidgetSettings, settings_changed)
