"""Category: a section of the site ("Artsakh"), optionally under a parent."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify

from caching.addresses import reverse_once
from languages.names import in_language


class Category(models.Model):
    """A section of the site, such as "Artsakh" or "Opinion"."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(
        max_length=120,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="The last part of the section's address, e.g. /category/community/. "
        "Filled from the name when left empty.",
    )
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(
        default=0, help_text="Lower numbers come first in menus and on the home page."
    )
    show_on_home = models.BooleanField(
        default=True, help_text="Give this category its own block on the home page."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    feed_content = models.CharField(
        "feed content",
        max_length=10,
        blank=True,
        default="",
        choices=[("", "Site default"), ("full", "Full text"), ("excerpt", "Excerpt only")],
        help_text="What this category's own feed carries: the whole story or its excerpt.",
    )
    exclude_from_main_feed = models.BooleanField(
        "leave out of the main feed",
        default=False,
        help_text="Keep its stories (and its subcategories') out of /feed/, e.g. Opinion. "
        "They stay in this category's own feed.",
    )

    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text='Name and description in the other editions: {"hy": {"name": "…", '
        '"description": "…"}}.',
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    @property
    def local_name(self):
        """The name in the active language, else the default edition's name."""
        return in_language(self.translations, "name", self.name)

    @property
    def local_description(self):
        """The description in the active language, else the default edition's."""
        return in_language(self.translations, "description", self.description)

    @staticmethod
    def cache_key_for(pk):
        """The cache key of what shows this section: its pages, feeds, labelled cards."""
        return f"section:{pk}"

    def get_absolute_url(self):
        # Asked a dozen times a page (the navigation, labels): worked out once.
        return reverse_once("categories:detail", slug=self.slug)

    def clean(self):
        # A category cannot be its own ancestor: that would loop every breadcrumb.
        ancestor = self.parent
        seen = set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": "A category cannot be placed under itself."})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name, allow_unicode=True)[:120]
        super().save(*args, **kwargs)
