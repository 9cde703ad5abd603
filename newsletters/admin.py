"""The newsletter in the admin: subscribers (filters, CSV export), editions (preview,
"send test to me", delivery counts), and the breaking-alert choice on a story."""

import csv

from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone

from . import emails, services
from .models import BreakingAlert, Delivery, Edition, Subscriber


class BreakingAlertInline(admin.StackedInline):
    model = BreakingAlert
    fields = ("send_alert",)
    max_num = 1
    extra = 1
    verbose_name = "breaking-news alert by e-mail"
    verbose_name_plural = "breaking-news alert by e-mail"


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    # A spreadsheet runs a cell starting with =, +, - or @ as a formula.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_FIELDS = (
    "email",
    "status",
    "daily",
    "weekly",
    "alerts",
    "consent_at",
    "consent_source",
    "created_at",
)


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("email", "status", "daily", "weekly", "alerts", "consent_at", "created_at")
    list_filter = ("status", "daily", "weekly", "alerts", "sections", "created_at")
    search_fields = ("email",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "consent_at",
        "consent_source",
        "created_at",
        "unsubscribed_at",
        "soft_bounces",
    )
    filter_horizontal = ("sections",)
    actions = ("export_csv", "unsubscribe_selected")

    @admin.action(description="Export the selected subscribers as CSV")
    def export_csv(self, request, queryset):
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(CSV_FIELDS)
            for subscriber in queryset.order_by("pk").iterator(chunk_size=2000):
                yield writer.writerow([_cell(getattr(subscriber, f)) for f in CSV_FIELDS])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
        return response

    @admin.action(description="Unsubscribe the selected subscribers", permissions=["change"])
    def unsubscribe_selected(self, request, queryset):
        for subscriber in queryset:
            services.unsubscribe(subscriber)
        self.message_user(request, f"Unsubscribed {queryset.count()} subscribers.")


class DeliveryCounts:
    STATUSES = ("sent", "pending", "claimed", "sending", "skipped", "failed", "unknown")


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = (
        "subject",
        "kind",
        "status",
        "created_at",
        "sent",
        "waiting",
        "failed",
        "unknown",
    )
    list_filter = ("kind", "status")
    readonly_fields = (
        "kind",
        "key",
        "subject",
        "article_ids",
        "period_start",
        "period_end",
        "status",
        "created_at",
        "finished_at",
        "delivery_counts",
    )
    change_form_template = "admin/newsletters/edition_change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        found = services.counts([e.pk for e in changelist.result_list])
        for edition in changelist.result_list:
            edition.counts = found[edition.pk]
        return changelist

    def _count(self, obj, *statuses):
        counts = getattr(obj, "counts", None)
        if counts is None:
            counts = obj.counts = services.counts([obj.pk])[obj.pk]
        return sum(counts.get(s, 0) for s in statuses)

    @admin.display(description="sent")
    def sent(self, obj):
        return self._count(obj, Delivery.Status.SENT)

    @admin.display(description="to send")
    def waiting(self, obj):
        return self._count(
            obj, Delivery.Status.PENDING, Delivery.Status.CLAIMED, Delivery.Status.SENDING
        )

    @admin.display(description="failed")
    def failed(self, obj):
        return self._count(obj, Delivery.Status.FAILED)

    @admin.display(description="unknown")
    def unknown(self, obj):
        return self._count(obj, Delivery.Status.UNKNOWN)

    @admin.display(description="deliveries")
    def delivery_counts(self, obj):
        counts = services.counts([obj.pk])[obj.pk]
        return ", ".join(f"{status}: {counts.get(status, 0)}" for status in DeliveryCounts.STATUSES)

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview),
                name="newsletters_edition_preview",
            ),
            path(
                "<int:pk>/send-test/",
                self.admin_site.admin_view(self.send_test),
                name="newsletters_edition_send_test",
            ),
            *super().get_urls(),
        ]

    def preview(self, request, pk):
        """The edition's HTML as a subscriber gets it (links point nowhere real)."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        edition = get_object_or_404(Edition, pk=pk)
        probe = Subscriber(pk=0, email=request.user.email or "preview@example.com", key="preview")
        message = emails.Rendered(edition, emails.stories(edition)).message(edition, probe)
        html = message.alternatives[0][0]
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response

    def send_test(self, request, pk):
        """POST: e-mail the edition to the signed-in editor's own address."""
        if request.method != "POST" or not self.has_view_permission(request):
            return HttpResponse("Use the button on the edition's page.", status=405)
        edition = get_object_or_404(Edition, pk=pk)
        back = reverse("admin:newsletters_edition_change", args=[pk])
        if not request.user.email:
            messages.error(
                request, "Your account has no e-mail address: add one to your user first."
            )
            return HttpResponseRedirect(back)
        services.send_test(edition, request.user.email)
        messages.success(request, f"Sent a test of this edition to {request.user.email}.")
        return HttpResponseRedirect(back)
