"""Author: a byline (a staff member, a guest or an organisation), with its profile."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.text import slugify

from languages.names import in_language


class Author(models.Model):
    """A byline: a staff writer, a guest, or an organisation such as a news agency."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANIZATION = "organization", "Organisation"

    name = models.CharField("display name", max_length=150)
    slug = models.SlugField(
        max_length=160,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="The last part of the author page's address, e.g. /author/ani-hovhannisyan/. "
        "Filled from the name when left empty.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    bio = models.TextField(blank=True)
    photo = models.ImageField(upload_to="authors/%Y/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profile",
        help_text="The staff login of this author, if any. Guest and agency bylines have none.",
    )
    email = models.EmailField(blank=True, help_text="Not shown on the site.")
    website = models.URLField(blank=True)
    x_url = models.URLField("X (Twitter)", blank=True)
    facebook_url = models.URLField("Facebook", blank=True)
    instagram_url = models.URLField("Instagram", blank=True)
    telegram_url = models.URLField("Telegram", blank=True)
    mastodon_url = models.URLField("Mastodon", blank=True)
    bluesky_url = models.URLField("Bluesky", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text='Name and bio in the other editions: {"hy": {"name": "…", "bio": "…"}}.',
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def local_name(self):
        """The name in the active language (Armenian script on the Armenian edition),
        else the default edition's name."""
        return in_language(self.translations, "name", self.name)

    @property
    def local_bio(self):
        """The bio in the active language, else the default edition's."""
        return in_language(self.translations, "bio", self.bio)

    @staticmethod
    def cache_key_for(pk):
        """The cache key of what shows this author: their page, feeds, bylines."""
        return f"author:{pk}"

    def get_absolute_url(self):
        return reverse("authors:detail", kwargs={"slug": self.slug})

    @property
    def social_links(self):
        """(label, url) pairs of the profiles this author has filled in."""
        fields = [
            ("Website", self.website),
            ("X", self.x_url),
            ("Facebook", self.facebook_url),
            ("Instagram", self.instagram_url),
            ("Telegram", self.telegram_url),
            ("Mastodon", self.mastodon_url),
            ("Bluesky", self.bluesky_url),
        ]
        return [(label, url) for label, url in fields if url]

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name, allow_unicode=True)[:160]
        super().save(*args, **kwargs)
