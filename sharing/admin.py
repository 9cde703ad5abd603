"""Share channels, per-article settings and deliveries in the admin (the article's
inlines are added through articles.hooks)."""

from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html
from django.utils.text import Truncator

from . import services
from .forms import ShareChannelForm
from .models import ArticleShareSetting, HubPing, ShareChannel, ShareDelivery


def post_link(delivery):
    if delivery.external_url:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">view post</a>', delivery.external_url
        )
    return delivery.external_id or "—"


@admin.register(ShareChannel)
class ShareChannelAdmin(admin.ModelAdmin):
    form = ShareChannelForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "kind", "enabled", "address", "secret_state"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "account"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "enabled"]}),
        ("Where", {"fields": ["base_url", "account"]}),
        ("Message", {"fields": ["message_template", "max_hashtags"]}),
        ("Secret", {"fields": ["secret_env", "secret", "clear_secret"]}),
    ]

    @admin.display(description="address")
    def address(self, channel):
        return channel.api_url or "—"

    @admin.display(description="secret")
    def secret_state(self, channel):
        # Whether one is set, never what it is.
        if channel.secret_env:
            return f"from ${channel.secret_env}" + ("" if channel.has_secret else " (empty!)")
        return "stored, encrypted" if channel.secret_encrypted else "missing"


@admin.register(ShareDelivery)
class ShareDeliveryAdmin(admin.ModelAdmin):
    list_display = ["article", "channel", "status", "attempts", "link", "error", "updated_at"]
    list_filter = ["status", "channel"]
    search_fields = ["article__title", "external_id"]
    list_select_related = ["article", "channel"]
    date_hierarchy = "created_at"
    actions = ["retry_deliveries", "share_again"]
    readonly_fields = [
        "article",
        "channel",
        "publication",
        "round",
        "status",
        "message",
        "attempts",
        "link",
        "external_id",
        "last_error",
        "next_attempt_at",
        "sending_since",
        "sent_at",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # deliveries are made by going live or by "share again"

    @admin.display(description="post")
    def link(self, delivery):
        return post_link(delivery)

    @admin.display(description="last error")
    def error(self, delivery):
        return Truncator(delivery.last_error).chars(120)

    @admin.action(
        description="Retry the selected failed or unknown deliveries", permissions=["change"]
    )
    def retry_deliveries(self, request, queryset):
        count = services.retry(queryset)
        skipped = queryset.count() - count
        self.message_user(request, f"{count} delivery(ies) queued again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} left alone: only failed, unknown or cancelled deliveries can be "
                "retried (use 'share again' to post a sent article once more).",
                messages.WARNING,
            )

    @admin.action(
        description="Share the selected articles again on the same channels", permissions=["change"]
    )
    def share_again(self, request, queryset):
        made, not_live = 0, 0
        for article, channel in {
            (d.article, d.channel) for d in queryset.select_related("article", "channel")
        }:
            if services.share_again(article, channel):
                made += 1
            else:
                not_live += 1
        if made:
            self.message_user(request, f"{made} new post(s) queued.", messages.SUCCESS)
        if not_live:
            self.message_user(
                request, f"{not_live} skipped: the article is not live.", messages.WARNING
            )


@admin.register(HubPing)
class HubPingAdmin(admin.ModelAdmin):
    list_display = ["article", "event", "status", "attempts", "last_error", "updated_at"]
    list_filter = ["status"]
    search_fields = ["article__title"]
    list_select_related = ["article"]
    readonly_fields = [
        "article",
        "event",
        "hub_url",
        "topics",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sending_since",
        "sent_at",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False


class ArticleShareSettingInline(admin.TabularInline):
    """Per article and channel: do not share, or a message of its own."""

    model = ArticleShareSetting
    extra = 0
    fields = ["channel", "opt_out", "message"]
    verbose_name_plural = "sharing: opt out or write the message before it goes"


class ShareDeliveryInline(admin.TabularInline):
    """Where the article was posted, and how it went."""

    model = ShareDelivery
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["channel", "status", "attempts", "link", "last_error", "sent_at"]
    readonly_fields = fields
    verbose_name_plural = "sharing: deliveries"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("channel")

    @admin.display(description="post")
    def link(self, delivery):
        return post_link(delivery)
