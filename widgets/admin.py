"""The breaking-news banner's admin."""

from django.contrib import admin
from django.utils import timezone

from .models import BreakingNews


@admin.register(BreakingNews)
class BreakingNewsAdmin(admin.ModelAdmin):
    list_display = ("text", "is_active", "starts_at", "expires_at", "is_showing")
    list_filter = ("is_active",)
    search_fields = ("text", "url")
    date_hierarchy = "starts_at"

    @admin.display(boolean=True, description="showing now")
    def is_showing(self, obj):
        now = timezone.now()
        return obj.is_active and obj.starts_at <= now < obj.expires_at
