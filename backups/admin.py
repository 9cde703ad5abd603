"""Admin → Backups: the log of backups with the age of the last good one (read-only)."""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat

from .models import BackupRecord
from .status import backup_status


@admin.register(BackupRecord)
class BackupRecordAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "status",
        "started_at",
        "finished_at",
        "size",
        "file_count",
        "error_line",
    )
    list_filter = ("status", "database_vendor")
    search_fields = ("name", "error")
    date_hierarchy = "started_at"
    readonly_fields = [f.name for f in BackupRecord._meta.fields]

    @admin.display(description="size", ordering="size_bytes")
    def size(self, record):
        return filesizeformat(record.size_bytes) if record.size_bytes else "—"

    @admin.display(description="error")
    def error_line(self, record):
        return record.error[:120]

    # Records are written by `manage.py backup` only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "backup_status": backup_status()}
        return super().changelist_view(request, extra_context=extra_context)
