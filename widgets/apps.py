from django.apps import AppConfig
from django.utils import timezone


def banner_changes():
    """Future moments at which a switched-on banner starts or expires (one-column queryset)."""
    from .models import BreakingNews

    now = timezone.now()
    banners = BreakingNews.objects.filter(is_active=True, expires_at__gt=now).order_by()
    starts = banners.filter(starts_at__gt=now).values_list("starts_at", flat=True)
    return starts.union(banners.values_list("expires_at", flat=True), all=True)


class WidgetsConfig(AppConfig):
    name = "widgets"

    def ready(self):
        from articles import freshness

        from .models import BreakingNews

        # The banner is on every public page: switching it on or off, editing it
        # or deleting it retires every cached page, and so do its start and
        # expiry times, which pass without any write.
        freshness.watch(BreakingNews)
        freshness.add_change_source(banner_changes)
