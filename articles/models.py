"""Article and what hangs off it: bylines, corrections, events, drafts, locks, redirects.

Fields, addresses and pure derived values only; reads are in querysets.py, writes
in services.py."""

from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.urls import clear_url_caches, get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.encoding import uri_to_iri
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItem

from . import editions
from .html import clean_html, plain_text
from .querysets import ArticleManager, Status, is_live

SLUG_MAX_LENGTH = 200


class Article(models.Model):
    Status = Status

    title = models.CharField(max_length=255)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        allow_unicode=True,
        blank=True,
        help_text="The last part of the address. Filled from the title when left empty.",
    )
    dek = models.TextField(
        "excerpt",
        blank=True,
        help_text="One or two sentences under the headline, on cards and in feeds.",
    )
    body = models.TextField(blank=True)
    dateline = models.CharField(
        max_length=100, blank=True, help_text='Where the story was filed, e.g. "STEPANAKERT".'
    )
    category = models.ForeignKey(
        "categories.Category", on_delete=models.PROTECT, related_name="articles"
    )
    tags = TaggableManager(blank=True)
    authors = models.ManyToManyField(
        "authors.Author", through="ArticleAuthor", related_name="articles", blank=True
    )

    featured_image = models.ForeignKey(
        "images.Image",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="featured_in",
        help_text="From the image library; its alt text is required before the story goes live.",
    )
    featured_image_caption = models.CharField(
        "image caption",
        max_length=500,
        blank=True,
        help_text="For this story only; leave empty to use the image's own caption.",
    )

    canonical_url = models.URLField(
        "source / canonical URL",
        max_length=500,
        blank=True,
        help_text="For syndicated pieces: the original article's address.",
    )

    language = models.CharField(
        "edition",
        max_length=12,
        choices=editions.choices,
        default=editions.default,
        db_index=True,
        help_text="The edition (language) the story is published in.",
    )
    # The story's translations share a group (articles.services.translate); none
    # until the first translation is made.
    translation_group = models.UUIDField(null=True, blank=True, editable=False)

    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        help_text="A published article with a time in the future is scheduled.",
    )
    is_featured = models.BooleanField(
        "featured",
        default=False,
        help_text="Sticky: leads the home page while it is the newest featured story.",
    )
    content_updated_at = models.DateTimeField(
        "last substantial update",
        null=True,
        blank=True,
        help_text="Shown to readers as 'Updated'; set by corrections and substantial edits.",
    )
    went_live_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the go-live side effects of the current publication were run.",
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised on every save; refuses stale saves."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # In the trash since (articles.services.trash): never published while there
    # (so no live() read shows it), out of the admin's list, deleted for good
    # ARTICLE_TRASH_DAYS later (tasks.purge_trash) with its events and revisions.
    trashed_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Full-text index of the article and its bylines, tags and category, filled
    # in SQL by articles.search (PostgreSQL only; its GIN index is made by migration 0004).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ArticleManager()

    class Meta:
        ordering = ["-publish_at", "-id"]
        # Listings read "newest first, the id breaking ties" (latest_first()): with
        # the id in the index a walk of it stops after the rows shown, even for a
        # planner that has no statistics yet.
        indexes = [
            models.Index(fields=["status", "publish_at", "id"], name="article_status_publish_id"),
            models.Index(
                fields=["category", "status", "publish_at", "id"],
                name="article_category_publish_id",
            ),
            # The home page's lead: the newest featured story (few rows, found at once
            # even when no live story is featured).
            models.Index(
                fields=["status", "publish_at", "id"],
                condition=Q(is_featured=True),
                name="article_featured_publish_id",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="article_published_has_time",
            ),
            # One story per language in a translation group.
            models.UniqueConstraint(
                fields=["translation_group", "language"],
                name="article_one_per_language_in_group",
                violation_error_message="This story already has a translation in that edition.",
            ),
        ]
        # Role rules (articles.services.can_*) read these; groups get them in a data migration.
        permissions = [
            ("publish_own_article", "Can publish, schedule and unpublish own articles"),
            ("publish_article", "Can publish, schedule and unpublish any article"),
            ("edit_any_article", "Can edit other people's articles"),
            ("view_unpublished_article", "Can see other people's unpublished articles"),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remember what the address is made of, so a slug or date change can leave a
        # redirect. (Not the address itself: reversing it for every row read is costly.)
        if "slug" in field_names and "publish_at" in field_names:
            instance._loaded_address = (instance.slug, instance.publish_at)
        # What decides the lists it is in, as loaded (articles.cache_keys); None
        # when some of it was not loaded.
        instance._loaded_placement = None
        if all(
            name in field_names
            for name in ("status", "publish_at", "category_id", "is_featured", "slug")
        ):
            instance._loaded_placement = (
                instance.status,
                instance.publish_at,
                instance.category_id,
                instance.is_featured,
                instance.slug,
            )
        return instance

    # -- addresses ---------------------------------------------------------

    @property
    def local_publish_at(self):
        """`publish_at` in the site's time zone (addresses and archives use local dates)."""
        return timezone.localtime(self.publish_at) if self.publish_at else None

    def get_absolute_url(self):
        """The story's address in its own edition, whatever the active language: a hy
        story is /hy/... (or on the hy host) from an English page too."""
        return _address(self.slug, self.publish_at, self.edition)

    @property
    def edition(self):
        """The story's edition code, or None on a one-edition site (its addresses carry
        no prefix; the field is not even read there, so `.only()` rows need not load it)."""
        if not editions.is_multilingual():
            return None
        return self.language

    @property
    def path(self):
        """The address as `request.path` spells it (decoded, for Unicode slugs)."""
        return uri_to_iri(urlsplit(self.get_absolute_url()).path)

    # -- derived values ----------------------------------------------------

    @property
    def is_live(self):
        return is_live(self.status, self.publish_at)

    @property
    def preview_state(self):
        """The state a preview link is minted for (articles.preview): "draft" (a draft or
        in review), "scheduled", "live" or "unpublished"."""
        if self.status in (self.Status.DRAFT, self.Status.REVIEW):
            return "draft"
        if self.status == self.Status.UNPUBLISHED:
            return "unpublished"
        return "live" if self.is_live else "scheduled"

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )

    @property
    def excerpt(self):
        """The dek, or the start of the body when there is none."""
        if self.dek:
            return self.dek
        text = plain_text(self.body)
        if len(text) <= 200:
            return text
        return text[:200].rsplit(" ", 1)[0] + "…"

    @property
    def modified_at(self):
        """When readers were last told of a change (publication or a substantial update)."""
        updated, published = self.content_updated_at, self.publish_at
        if updated and published and updated > published:
            return updated
        return self.publish_at

    @property
    def tag_names(self):
        """The tags' names (in the active language) in the order they were given
        (see `load_tag_names()`)."""
        if not hasattr(self, "_tag_names"):
            load_tag_names([self])
        return self._tag_names

    @property
    def featured_caption(self):
        """The caption shown under the featured image: this story's own, or the image's."""
        if self.featured_image_id is None:
            return ""
        return self.featured_image_caption or self.featured_image.caption

    @property
    def ordered_authors(self):
        """Bylines in their order; uses `load_for_reading()` or a prefetch when present."""
        if hasattr(self, "_ordered_authors"):
            return self._ordered_authors
        return [byline.author for byline in self.bylines.all()]

    @property
    def tag_list(self):
        """The tags in the order they were given."""
        if not hasattr(self, "_tag_list"):
            tags = self.tags.select_related("translation").order_by("taggit_taggeditem_items__id")
            self._tag_list = [with_local_name(tag) for tag in tags]
        return self._tag_list

    @property
    def correction_list(self):
        """Corrections and updates, oldest first."""
        if not hasattr(self, "_correction_list"):
            self._correction_list = list(self.corrections.all())
        return self._correction_list

    def load_for_reading(self):
        """Load the bylines, tags and corrections of this one article: two plain queries,
        three for a story that has corrections (or no byline).

        For a single article, prefetch_related's bookkeeping costs more than its queries,
        and the ORM composing them more than the database answering: both are written
        in SQL (ArticleQuerySet.bylines_and_tags). Whether corrections exist comes with
        the bylines (a subquery the database answers once): most stories have none,
        and then are not asked for them.
        """
        authors, corrected, tags = Article.objects.bylines_and_tags(self.pk)
        self._ordered_authors = authors
        self._tag_list = [
            with_local_name(Tag(pk=pk, name=name, slug=slug), names)
            for pk, name, slug, names in tags
        ]
        self._tag_names = [tag.local_name for tag in self._tag_list]
        if corrected is False:
            self._correction_list = []
        else:
            self._correction_list = list(self.corrections.all())
        return self

    def _unique_slug(self, base):
        base = base[:SLUG_MAX_LENGTH] or "article"
        slug, n = base, 2
        others = Article.objects.exclude(pk=self.pk) if self.pk else Article.objects.all()
        while others.filter(slug=slug).exists():
            suffix = f"-{n}"
            slug = base[: SLUG_MAX_LENGTH - len(suffix)] + suffix
            n += 1
        return slug

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._unique_slug(editions.slug_for(self.title, self.language))
        self.body = clean_html(self.body)
        super().save(*args, **kwargs)
        self._keep_old_address()

    def _keep_old_address(self):
        # Part of the row's integrity rather than a side effect: an address
        # readers and search engines know must keep answering (with a 301).
        loaded = getattr(self, "_loaded_address", None)
        self._loaded_address = (self.slug, self.publish_at)
        if loaded is None or loaded == self._loaded_address:
            return  # a new article, or the address is unchanged
        old_slug, old_publish_at = loaded
        if not (old_slug and old_publish_at and self.publish_at):
            return  # there was no address yet, or there is none now
        old_path = uri_to_iri(_address(old_slug, old_publish_at, self.edition))
        new_path = self.path
        if old_path == new_path:
            return
        # The article answers at its new address itself; its own redirect there is
        # stale. Another story's old address stays that story's (services refuse
        # to publish a story there: articles.services.check_address).
        ArticleRedirect.objects.filter(old_path=new_path, article=self).delete()
        ArticleRedirect.objects.get_or_create(old_path=old_path, defaults={"article": self})


def load_bylines(articles):
    """Set every article's `ordered_authors` with one query (no prefetch bookkeeping)."""
    by_article = {article.pk: [] for article in articles}
    if by_article:
        bylines = ArticleAuthor.objects.filter(article_id__in=list(by_article))
        for byline in bylines.select_related("author"):
            by_article[byline.article_id].append(byline.author)
    for article in articles:
        article._ordered_authors = by_article[article.pk]


def load_tag_names(articles):
    """Set every article's `tag_names` (and `_tag_ids`) with one narrow query.

    taggit's prefetch_related("tags") builds a queryset per article, which costs
    a feed of twenty full-text items more than its SQL does.
    """
    if not articles:
        return
    by_article = {article.pk: [] for article in articles}
    ids = {article.pk: [] for article in articles}
    tagged = (
        TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Article), object_id__in=list(by_article)
        )
        .order_by("id")
        .values_list("object_id", "tag__name", "tag_id", "tag__translation__names")
    )
    for pk, name, tag_id, names in tagged:
        by_article[pk].append(tag_name_in_language(name, names))
        ids[pk].append(tag_id)
    for article in articles:
        article._tag_names = by_article[article.pk]
        article._tag_ids = ids[article.pk]


class TagTranslation(models.Model):
    """A tag's names in the other editions (`{"hy": "Քաղաքականություն"}`).

    taggit's Tag is not this project's model, so its names per language live beside
    it, one row per translated tag: read in the same query as the tag (a join on the
    primary key), never a query per tag. JSON rather than a row per language: the
    editions come from the environment, and the schema must not depend on them.
    """

    tag = models.OneToOneField(
        Tag, on_delete=models.CASCADE, primary_key=True, related_name="translation"
    )
    names = models.JSONField(default=dict, blank=True)

    def __str__(self):
        return str(self.tag)


def tag_name_in_language(name, names):
    """`names[<active language>]`, else the tag's own `name`."""
    language = translation.get_language()
    if not (names and language):
        return name
    return names.get(language) or names.get(language.split("-")[0]) or name


def with_local_name(tag, names=None):
    """Set `tag.local_name`, the tag's name in the active language; `names` (the
    TagTranslation's) when read with the tag, else its loaded `translation`."""
    if names is None and Tag.translation.is_cached(tag):
        try:
            names = tag.translation.names
        except TagTranslation.DoesNotExist:
            names = None
    tag.local_name = tag_name_in_language(tag.name, names)
    return tag


def _address(slug, publish_at, edition=None):
    """/<yyyy>/<mm>/<slug>/ with the local month of `publish_at` (today for undated drafts),
    in `edition` (None: a one-edition site, no prefix)."""
    when = timezone.localtime(publish_at) if publish_at else timezone.localtime()
    return _reversed_address(
        slug,
        when.year,
        when.month,
        edition,
        editions.host_edition() if edition else None,
        get_script_prefix(),
        get_urlconf(),
    )


@lru_cache(maxsize=20_000)
def _reversed_address(slug, year, month, edition, _host, _prefix, _urlconf):
    # A page names the same stories many times (links, metadata, share buttons):
    # reverse() each address once per process (keyed by what reverse() reads).
    kwargs = {"year": year, "month": f"{month:02d}", "slug": slug}
    if edition is None:
        return reverse("articles:detail", kwargs=kwargs)
    return editions.url_in(edition, lambda: reverse("articles:detail", kwargs=kwargs))


@receiver(setting_changed)
def _editions_changed(*, setting, **kwargs):
    # Tests change the editions (and so the prefixes) of the site as they go; Django's
    # resolver keeps reversed prefixes per language.
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "EDITION_HOSTS"):
        clear_url_caches()
        _reversed_address.cache_clear()


class ArticleAuthor(models.Model):
    """One byline of an article, in order."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey("authors.Author", on_delete=models.PROTECT, related_name="bylines")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="byline_unique_author"),
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"


class ArticleBodyImage(models.Model):
    """A library image used inside an article's body (kept by articles.services on save).

    The editor keeps no attribute but the address, so an image is recognised by
    its file URL; this table lets the library show the use and refuse deletion.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="body_images")
    image = models.ForeignKey(
        "images.Image", on_delete=models.PROTECT, related_name="in_article_bodies"
    )

    class Meta:
        verbose_name = "image in an article's body"
        verbose_name_plural = "images in article bodies"
        constraints = [
            models.UniqueConstraint(fields=["article", "image"], name="body_image_unique"),
        ]

    def __str__(self):
        return f"{self.image} in the body of {self.article}"


class Correction(models.Model):
    """A dated note telling readers what was corrected or updated."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        UPDATE = "update", "Update"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField()
    noted_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["noted_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.article} ({self.noted_at:%Y-%m-%d})"


class ArticleRedirect(models.Model):
    """An old address of an article (changed slug or date, imported permalink) -> 301."""

    old_path = models.CharField(max_length=500, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.old_path} -> {self.article}"


class PreviewLink(models.Model):
    """A preview link handed out for an article (articles.preview): who minted it, for
    which state of the story, and whether it was revoked.

    It opens the story while the story is in the state it was minted for and
    follows edits of the text; a change of publication state (other than a
    submission for review) ends it for good, as does an editor's revocation or
    ARTICLE_PREVIEW_MAX_AGE.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    # The random part of the signed token (the token itself is never stored).
    key = models.CharField(max_length=64, unique=True, editable=False)
    state = models.CharField(
        "minted for", max_length=20, editable=False, help_text="Article.preview_state then."
    )
    minted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    minted_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # None with revoked_at set: ended by a change of the story's state.
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-minted_at", "-id"]
        indexes = [
            models.Index(fields=["article", "minted_at"], name="preview_link_article"),
        ]

    def __str__(self):
        return f"Preview link of {self.article} minted {self.minted_at:%Y-%m-%d %H:%M}"

    @property
    def expires_at(self):
        return self.minted_at + timedelta(seconds=settings.ARTICLE_PREVIEW_MAX_AGE)

    def opens(self, article):
        """True when this link shows `article` now."""
        return (
            self.article_id == article.pk
            and self.revoked_at is None
            and self.expires_at > timezone.now()
            and self.state == article.preview_state
        )


class ArticleEvent(models.Model):
    """One line of an article's audit trail: who did what to it, and when."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        SUBMITTED = "submitted", "Submitted for review"
        PUBLISHED = "published", "Published"
        SCHEDULED = "scheduled", "Scheduled"
        SCHEDULE_CANCELLED = "schedule_cancelled", "Cancelled the schedule"
        UNPUBLISHED = "unpublished", "Unpublished"
        RESTORED = "restored", "Restored a revision"
        CORRECTED = "corrected", "Added a correction"
        LOCK_TAKEN = "lock_taken", "Took over editing"
        TRASHED = "trashed", "Moved to the trash"
        UNTRASHED = "untrashed", "Restored from the trash"
        MERGED = "merged", "Merged an edit conflict"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()}: {self.article} by {self.user or 'the system'}"


class ArticleDraft(models.Model):
    """A user's autosaved, not yet saved work on an article (or on a new one).

    One slot per user and article, overwritten by each autosave, so that a
    crash or a closed tab loses seconds of work without filling the revisions.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_drafts"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="drafts"
    )
    title = models.CharField(max_length=255, blank=True)
    dek = models.TextField(blank=True)
    body = models.TextField(blank=True)
    base_version = models.PositiveIntegerField(null=True, blank=True)
    # The rest of a save that was refused as stale (slug, section, tags, bylines,
    # image, times, ...), kept for the merge (articles.merge); empty for an autosave.
    extra = models.JSONField(default=dict, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="draft_one_per_article"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(article__isnull=True), name="draft_one_new_per_user"
            ),
        ]

    def __str__(self):
        return f"Autosave of {self.article or 'a new article'} by {self.user}"


class ArticleLock(models.Model):
    """A soft edit lock: who has the article open, kept alive by their page's heartbeat."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="edit_lock")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acquired_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.article} open by {self.user}"

    @property
    def is_active(self):
        age = timezone.now() - self.heartbeat_at
        return age.total_seconds() < settings.ARTICLE_LOCK_TIMEOUT


# Revisions keep the article with its bylines; services record them.
reversion.register(ArticleAuthor)
# The search vector is derived from the rest; revisions need not carry it.
# Nor the trash marks: restoring a revision never moves a story in or out of the trash.
reversion.register(
    Article, exclude=["search_vector", "trashed_at", "trashed_by"], follow=["bylines"]
)
