"""ImportedItem: what each WordPress post, attachment, term and user became here."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class ImportedItem(models.Model):
    """What one WordPress item (post, attachment, term, author) became here.

    Keyed by the exporting site and the item's WordPress ID, so that importing
    the same export again updates instead of duplicating, and so that the old
    `/?p=<ID>` and `/?cat=<ID>` links can still be answered.
    """

    class Kind(models.TextChoices):
        POST = "post", "Post"
        ATTACHMENT = "attachment", "Attachment"
        TERM = "term", "Category or tag"
        AUTHOR = "author", "Author"

    site = models.CharField(
        max_length=200, help_text="The exporting site's base URL (wp:base_site_url)."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    wp_id = models.PositiveBigIntegerField("WordPress ID")
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    content_object = GenericForeignKey("content_type", "object_id")
    title = models.CharField(max_length=255, blank=True)
    url = models.CharField(
        "WordPress URL",
        max_length=2000,
        blank=True,
        help_text="The post's permalink, or the attachment's file URL.",
    )
    data = models.JSONField(
        default=dict, blank=True, help_text="What a later step needs (an attachment's alt text)."
    )
    media_file = models.CharField(
        max_length=500, blank=True, help_text="Where a fetched attachment was stored."
    )
    media_error = models.CharField(
        max_length=500, blank=True, help_text="Why the attachment's URL could not be fetched."
    )
    source_hash = models.CharField(
        max_length=64, blank=True, help_text="Of the exported item, to skip unchanged ones."
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site", "kind", "wp_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kind", "wp_id"], name="wordpress_item_unique_wp_id"
            ),
        ]
        indexes = [
            # The ?p=<ID> redirect looks an ID up whatever the site.
            models.Index(fields=["kind", "wp_id"], name="wordpress_item_kind_wp_id"),
            models.Index(fields=["content_type", "object_id"], name="wordpress_item_object"),
        ]

    def __str__(self):
        return f"WordPress {self.get_kind_display().lower()} {self.wp_id} ({self.site})"
