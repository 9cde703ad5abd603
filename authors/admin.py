"""The author admin."""

from django.contrib import admin
from django.db import models

from .models import Author


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "kind", "slug", "user", "email")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "email", "user__username")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("user",)
    list_select_related = ("user",)
    fieldsets = [
        (None, {"fields": ("name", "slug", "kind", "bio", "photo", "user", "email")}),
        (
            "Links",
            {
                "fields": (
                    "website",
                    "x_url",
                    "facebook_url",
                    "instagram_url",
                    "telegram_url",
                    "mastodon_url",
                    "bluesky_url",
                )
            },
        ),
    ]
