"""Writes to articles: every change of state goes through here (admin, commands, tasks).

Role rules live here too (`can_view`, `can_edit`, `can_publish`): the admin
asks them, and each service given a `user` enforces them again, so a crafted
request cannot do what the page does not offer. A service called without a
user (tasks, commands) acts as the system.
"""

import secrets
import uuid
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from reversion.models import Version

from images.models import Image

from . import bodyimages, editions, tasks
from .html import clean_html
from .models import (
    SLUG_MAX_LENGTH,
    Article,
    ArticleAuthor,
    ArticleBodyImage,
    ArticleDraft,
    ArticleEvent,
    ArticleLock,
    ArticleRedirect,
    Correction,
    PreviewLink,
)
from .signals import article_changed

Action = ArticleEvent.Action

# What restoring a revision brings back: the story, not its publication state
# or address (those have their own actions and would surprise readers).
RESTORED_FIELDS = [
    "title",
    "dek",
    "body",
    "dateline",
    "category_id",
    "featured_image_id",
    "featured_image_caption",
    "canonical_url",
]


class StaleArticle(Exception):
    """A save based on a version of the article that someone else has replaced since."""

    def __init__(self, current, base_version):
        self.current = current
        self.base_version = base_version
        super().__init__(self.message)

    @property
    def saved_by(self):
        user = self.current.last_edited_by
        if user is None:
            return "Someone"
        return user.get_full_name() or user.get_username()

    @property
    def message(self):
        when = date_format(timezone.localtime(self.current.updated_at), "DATETIME_FORMAT")
        return (
            f"{self.saved_by} saved this article at {when} (version {self.current.version}) "
            f"after you opened version {self.base_version}. Your changes were NOT saved: they "
            "are kept as your draft. Compare them with the saved version field by field "
            "and merge the two."
        )


class MissingAltText(ValidationError):
    """A live article may not show a picture that has no alt text."""

    def __init__(self, images):
        self.images = list(images)
        names = ", ".join(f"“{image.title}”" for image in self.images)
        plural = len(self.images) > 1
        super().__init__(
            f"The image{'s' if plural else ''} {names} "
            f"{'have' if plural else 'has'} no alt text. A live article may only show images "
            "that say what they show: add the alt text in the image library, then publish "
            "again. Nothing else was lost.",
            code="missing_alt_text",
        )


class AddressTaken(ValidationError):
    """A story may not answer at another story's old address (an ArticleRedirect of it)."""

    def __init__(self, path, owner):
        self.path = path
        self.owner = owner
        super().__init__(
            f"The address {path} belongs to “{owner.title}”: it was that story's address "
            "and still leads readers to it. Change this story's slug (or its date) and try "
            "again. Nothing else was lost.",
            code="address_taken",
        )


class CanonicalElsewhere(ValidationError):
    """Only editors point a story's canonical address at another site."""

    def __init__(self, url):
        self.url = url
        super().__init__(
            f"Only an editor may set a canonical address on another site ({url}): it tells "
            "search engines that the story belongs there. Leave the field empty, use an "
            "address on this site, or ask an editor. Nothing else was lost.",
            code="canonical_elsewhere",
        )


# -- roles ------------------------------------------------------------------


def display_name(user):
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def is_own(user, article):
    """True when `user` created `article` or has a byline on it."""
    if user is None or not user.is_authenticated:
        return False
    if article.pk is None:
        return True  # whoever is writing a new article will own it
    if article.created_by_id == user.pk:
        return True
    return ArticleAuthor.objects.filter(article_id=article.pk, author__user=user).exists()


def _staff(user):
    return user is not None and user.is_active and user.is_staff


def sees_only_own_unpublished(user):
    """True for writers who cannot publish (contributors) and are not granted a wider view.

    Read-only staff (view right only, e.g. a lawyer checking a story) see
    everything; a contributor sees others' work only once it is live.
    """
    if user.has_perm("articles.view_unpublished_article"):
        return False
    writes = user.has_perm("articles.add_article") or user.has_perm("articles.change_article")
    publishes = user.has_perm("articles.publish_article") or user.has_perm(
        "articles.publish_own_article"
    )
    return writes and not publishes


def can_view(user, article):
    """Live articles to staff with the view right; unpublished ones unless only own are shown."""
    if not _staff(user) or not user.has_perm("articles.view_article"):
        return False
    return article.is_live or not sees_only_own_unpublished(user) or is_own(user, article)


def can_edit(user, article):
    """Editors edit anything; others their own, and contributors only before publication."""
    if not _staff(user) or not user.has_perm("articles.change_article"):
        return False
    if user.has_perm("articles.edit_any_article"):
        return True
    if not is_own(user, article):
        return False
    if user.has_perm("articles.publish_own_article"):
        return True
    return article.status in (Article.Status.DRAFT, Article.Status.REVIEW)


def can_publish(user, article):
    """Publish, schedule, unpublish: editors for any article, authors for their own."""
    if not _staff(user):
        return False
    if user.has_perm("articles.publish_article"):
        return True
    return user.has_perm("articles.publish_own_article") and is_own(user, article)


def may_set_canonical(user, url):
    """An empty canonical address or one on this site: anyone; another site's: editors."""
    if not url:
        return True
    host = (urlsplit(url).hostname or "").lower()
    if host == (urlsplit(settings.SITE_URL).hostname or "").lower():
        return True
    return user is None or (_staff(user) and user.has_perm("articles.publish_article"))


def check_canonical(user, url, *, current=""):
    """Raise CanonicalElsewhere when `user` changes the canonical address to one they may not.

    A value kept as it was stored (an editor's) never stops someone else's edit.
    """
    if url != current and not may_set_canonical(user, url):
        raise CanonicalElsewhere(url)


def can_take_over(user):
    """Only editors may take an article away from someone who has it open."""
    return _staff(user) and user.has_perm("articles.publish_article")


def can_mint_preview(user, article):
    """Preview links (articles.preview) are handed out by those who may edit the story."""
    return can_edit(user, article)


def can_revoke_previews(user):
    """Editors revoke anyone's preview links."""
    return _staff(user) and user.has_perm("articles.publish_article")


def _require(allowed, message):
    if not allowed:
        raise PermissionDenied(message)


# -- helpers ------------------------------------------------------------------


def _locked(article):
    return Article.objects.select_for_update().get(pk=article.pk)


def _changed(article, reason):
    transaction.on_commit(
        lambda: article_changed.send(sender=Article, article=article, reason=reason)
    )


def _event(article, action, user, detail=""):
    return ArticleEvent.objects.create(
        article_id=article.pk, action=action, user=user, detail=detail[:500]
    )


def _revision(article, user, comment):
    with reversion.create_revision(atomic=False):
        reversion.add_to_revision(article)
        reversion.set_user(user)
        reversion.set_comment(comment)


def _local(when):
    return date_format(timezone.localtime(when), "DATETIME_FORMAT")


_KEEP = object()


def _transition(
    article, status, action, user, *, detail="", publish_at=_KEEP, went_live_at=_KEEP, reason=None
):
    """Move a locked `article` to `status`: a new version, one event, purges on commit.

    Every change of publication state ends here, so the stored row, the trail
    and what readers see cannot drift apart.
    """
    fields = ["status", "version", "last_edited_by", "updated_at"]
    article.status = status
    if publish_at is not _KEEP:
        article.publish_at = publish_at
        fields.append("publish_at")
    if went_live_at is not _KEEP:
        article.went_live_at = went_live_at
        fields.append("went_live_at")
    article.version += 1
    article.last_edited_by = user or article.last_edited_by
    article.save(update_fields=fields)
    _event(article, action, user, detail)
    if action != Action.SUBMITTED:
        # Links minted for the state it leaves end for good (a submission for
        # review keeps the story unpublished work: its links keep working).
        _end_preview_links(article)
    if reason is not None:
        _changed(article, reason)
    return article


def _go_live_at(article):
    """Queue `article`'s go-live side effects for its publication time, once committed."""
    # A worker must never load a row that is not committed yet.
    transaction.on_commit(partial(tasks.go_live.apply_async, (article.pk,), eta=article.publish_at))


# -- images -------------------------------------------------------------------


@transaction.atomic
def sync_body_images(article):
    """Record which library images `article`'s body shows (ArticleBodyImage rows)."""
    wanted = {image.pk for image in bodyimages.library_images(article.body)}
    have = set(
        ArticleBodyImage.objects.filter(article_id=article.pk).values_list("image_id", flat=True)
    )
    if have - wanted:
        ArticleBodyImage.objects.filter(article_id=article.pk, image_id__in=have - wanted).delete()
    if wanted - have:
        ArticleBodyImage.objects.bulk_create(
            [ArticleBodyImage(article_id=article.pk, image_id=pk) for pk in wanted - have],
            ignore_conflicts=True,
        )


def images_without_alt_text(*, featured_image=None, body=None, article=None):
    """Library images that would be shown without alt text, by title.

    Given an `article`, its stored featured image and recorded body images;
    given `featured_image` and `body`, those (an edit not saved yet).
    """
    if article is not None:
        found = Image.objects.filter(Q(featured_in=article) | Q(in_article_bodies__article=article))
    else:
        names = bodyimages.file_names(body)
        if featured_image is None and not names:
            return []
        found = Image.objects.filter(
            Q(file__in=names) | Q(pk=featured_image.pk if featured_image else None)
        )
    return list(found.filter(alt_text="").distinct().order_by("title", "pk"))


def image_change_refusal(user, image):
    """Why `user` may not change what readers see of `image`, or None (images.hooks).

    A picture on a published story (live or scheduled) is part of that story as
    its publisher approved it: only someone who may publish every such story may
    change it. Unused pictures and those of drafts are open to every writer.
    """
    stories = list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .filter(Q(featured_image=image) | Q(body_images__image=image))
        .distinct()
        .order_by("-publish_at", "-pk")
        .only("pk", "title", "status", "publish_at", "created_by_id")
    )
    refused = [story for story in stories if not can_publish(user, story)]
    if not refused:
        return None
    names = ", ".join(f"“{story.title}”" for story in refused[:5])
    more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
    plural = len(refused) > 1
    return (
        f"This image is shown on the published stor{'ies' if plural else 'y'} {names}{more}, "
        f"which you may not publish: its title, alt text, caption, credit and focal point "
        f"can only be changed by someone who may publish {'them' if plural else 'it'} "
        "(an editor). Nothing was saved. Ask an editor, or upload a new image for your story."
    )


def check_alt_text(**kwargs):
    """Raise MissingAltText when a picture of the article (see images_without_alt_text) has none."""
    missing = images_without_alt_text(**kwargs)
    if missing:
        raise MissingAltText(missing)


# -- addresses ----------------------------------------------------------------


def check_address(article, *, slug=None, when=None):
    """Raise AddressTaken when `article`, with `slug` and publication time `when`
    (default: its own), would answer at another story's old address."""
    slug = slug or article.slug
    when = when or article.publish_at
    if not slug or when is None:
        return
    path = Article(slug=slug, publish_at=when).path
    taken = (
        ArticleRedirect.objects.filter(old_path=path)
        .exclude(article_id=article.pk)
        .select_related("article")
        .first()
    )
    if taken is not None:
        raise AddressTaken(path, taken.article)


def publication_time(article, when=None, *, now=None):
    """The time `publish(article, when=when)` gives it: `when`, else now, except that a
    story published again keeps the date (and so the address) readers knew."""
    if when is not None:
        return when
    now = now or timezone.now()
    republish = article.status == Article.Status.UNPUBLISHED and article.publish_at
    return article.publish_at if republish and article.publish_at <= now else now


# -- editing ------------------------------------------------------------------


def check_version(article, base_version):
    """Lock `article`'s row and return it; raise StaleArticle when `base_version` is behind."""
    current = (
        Article.objects.select_for_update(of=("self",))
        .select_related("last_edited_by")
        .get(pk=article.pk)
    )
    if base_version is not None and current.version != base_version:
        raise StaleArticle(current, base_version)
    return current


@transaction.atomic
def save_article(article, *, user=None, base_version=None, save_relations=None, comment=""):
    """Save a new article or an edit, with its relations; refuse a stale or unpermitted one.

    Status and publication are kept as stored (publish/unpublish change them),
    except that a changed time of a published article reschedules it.
    `save_relations` runs once the row is saved (bylines, tags, corrections).
    """
    is_new = article.pk is None
    reschedule_to = None
    moved = True  # to an address it did not have (checked against others' old ones)
    if is_new:
        if user is not None:
            _require(
                _staff(user) and user.has_perm("articles.add_article"),
                "You may not write articles.",
            )
        check_canonical(user, article.canonical_url)
        article.created_by = article.created_by or user
        article.status = Article.Status.DRAFT
        article.version = 1
    else:
        current = check_version(article, base_version)
        if current.trashed_at is not None:
            raise InTrash(current)
        if user is not None:
            _require(can_edit(user, current), "You may not edit this article.")
        check_canonical(user, article.canonical_url, current=current.canonical_url)
        if current.status == Article.Status.PUBLISHED and article.publish_at != current.publish_at:
            reschedule_to = article.publish_at
        moved = article.slug != current.slug
        article.status = current.status
        article.went_live_at = current.went_live_at
        if current.status == Article.Status.PUBLISHED:
            article.publish_at = current.publish_at
        article.version = current.version + 1
    article.last_edited_by = user or article.last_edited_by
    article.save()
    sync_body_images(article)
    if article.status == Article.Status.PUBLISHED:
        # An edit of a live or scheduled story may not add a picture without alt text,
        # nor move it onto another story's old address.
        check_alt_text(article=article)
        if moved:
            check_address(article)
    if save_relations is not None:
        save_relations()
    if user is not None:
        ArticleDraft.objects.filter(user=user, article=article).delete()
        if is_new:
            ArticleDraft.objects.filter(user=user, article__isnull=True).delete()
    _event(article, Action.CREATED if is_new else Action.EDITED, user)
    if reschedule_to is not None:
        article = publish(article, when=reschedule_to, user=user)
    _revision(article, user, comment or ("Created" if is_new else "Edited"))
    _changed(article, "edited")
    return article


# Fields an edit-conflict merge may set (articles.merge.MERGE_FIELDS), by who may.
MERGED_FIELDS = [
    "title",
    "slug",
    "dek",
    "body",
    "dateline",
    "category_id",
    "featured_image_id",
    "featured_image_caption",
    "canonical_url",
]
MERGED_PUBLISHER_FIELDS = ["publish_at", "is_featured", "content_updated_at"]


@transaction.atomic
def save_merge(article, values, *, version, user=None):
    """Save the values chosen in an edit-conflict merge over `article` as of `version`.

    Raises StaleArticle when yet another save came after `version` (the merge is
    then done again against it). Tags and bylines are set from `values` too.
    """
    current = check_version(article, version)
    fields = list(MERGED_FIELDS)
    if user is None or can_publish(user, current):
        fields += MERGED_PUBLISHER_FIELDS
    for name in fields:
        if name not in values:
            continue
        value = values[name]
        if name in ("publish_at", "content_updated_at") and isinstance(value, str):
            value = parse_datetime(value)
        setattr(current, name, value)

    def relations():
        if "tags" in values:
            current.tags.set(values["tags"])
        if "author_ids" in values:
            current.bylines.all().delete()
            for order, author_id in enumerate(values["author_ids"]):
                ArticleAuthor.objects.create(article=current, author_id=author_id, order=order)

    saved = save_article(
        current,
        user=user,
        base_version=version,
        save_relations=relations,
        comment="Merged an edit conflict",
    )
    _event(saved, Action.MERGED, user, f"Merged with version {version}")
    return saved


@transaction.atomic
def restore_revision(article, version, *, user=None):
    """Bring back the story (text, image, category, bylines) as `version` of a revision had it."""
    current = _locked(article)
    if user is not None:
        _require(can_edit(user, current), "You may not edit this article.")
    if version.object_id != str(current.pk) or version.content_type.model_class() is not Article:
        raise ValueError("This revision belongs to another article.")
    data = version.field_dict
    check_canonical(
        user, data.get("canonical_url", current.canonical_url), current=current.canonical_url
    )
    for field in RESTORED_FIELDS:
        if field in data:
            setattr(current, field, data[field])
    image_id = current.featured_image_id
    if image_id and not Image.objects.filter(pk=image_id).exists():
        current.featured_image_id = None  # deleted from the library since (it was unused)
    current.version += 1
    current.last_edited_by = user or current.last_edited_by
    current.save()
    sync_body_images(current)
    if current.status == Article.Status.PUBLISHED:
        check_alt_text(article=current)
    bylines = [
        v.field_dict
        for v in version.revision.version_set.all()
        if v.content_type.model_class() is ArticleAuthor
    ]
    if bylines:
        current.bylines.all().delete()
        for line in sorted(bylines, key=lambda b: b["order"]):
            ArticleAuthor.objects.create(
                article=current, author_id=line["author_id"], order=line["order"]
            )
    saved = _local(version.revision.date_created)
    _event(current, Action.RESTORED, user, f"Restored the revision of {saved}")
    _revision(current, user, f"Restored the revision of {saved}")
    _changed(current, "restored")
    return current


# -- publication --------------------------------------------------------------


@transaction.atomic
def publish(article, *, when=None, user=None):
    """Publish `article` now, or schedule it for `when`; a repeat with the same time is a no-op."""
    article = _locked(article)
    if article.trashed_at is not None:
        raise InTrash(article)
    if user is not None:
        _require(can_publish(user, article), "You may not publish this article.")
    if article.status == Article.Status.PUBLISHED and when in (None, article.publish_at):
        return article  # a double click or a retry must be a no-op
    check_alt_text(article=article)
    now = timezone.now()
    when = publication_time(article, when, now=now)
    check_address(article, when=when)
    scheduled = when > now
    # A new publication time means its side effects are due again.
    _transition(
        article,
        Article.Status.PUBLISHED,
        Action.SCHEDULED if scheduled else Action.PUBLISHED,
        user,
        detail=f"For {_local(when)}" if scheduled else "",
        publish_at=when,
        went_live_at=None,
    )
    _go_live_at(article)
    _changed(article, "published")
    return article


def schedule(article, when, *, user=None):
    """Publish `article` at `when` (in the future: scheduled)."""
    return publish(article, when=when, user=user)


@transaction.atomic
def cancel_schedule(article, *, user=None):
    """Take a scheduled article back to draft before its time comes."""
    article = _locked(article)
    if user is not None:
        _require(can_publish(user, article), "You may not change this article's schedule.")
    if not article.is_scheduled:
        return article
    was = article.publish_at
    return _transition(
        article,
        Article.Status.DRAFT,
        Action.SCHEDULE_CANCELLED,
        user,
        detail=f"Was scheduled for {_local(was)}",
        publish_at=None,
        went_live_at=None,
        reason="unpublished",
    )


@transaction.atomic
def unpublish(article, *, user=None):
    """Take `article` off the site (its address answers 404 until it is published again)."""
    article = _locked(article)
    if user is not None:
        _require(can_publish(user, article), "You may not unpublish this article.")
    if article.status == Article.Status.UNPUBLISHED:
        return article
    return _transition(
        article, Article.Status.UNPUBLISHED, Action.UNPUBLISHED, user, reason="unpublished"
    )


@transaction.atomic
def submit_for_review(article, *, user=None):
    """Move a draft to review."""
    article = _locked(article)
    if user is not None:
        _require(can_edit(user, article), "You may not submit this article.")
    if article.status != Article.Status.DRAFT:
        return article
    return _transition(article, Article.Status.REVIEW, Action.SUBMITTED, user)


@transaction.atomic
def save_imported(
    article, *, status, publish_at, detail, now=None, events=None, announce_past=False
):
    """Save a story brought from another system with the state it had there.

    A story that was live there is stamped as gone live at its own time: the old
    site announced it when it came out, and sharing it again (or letting the
    publish_due sweep do so) would be spam. `announce_past=True` says otherwise
    (a story the old site never announced): its go-live side effects are queued
    now. A scheduled one gets its go-live queued like any schedule, for its time.
    A new story gets its first revision (with `detail` as its comment) and every
    save one event; with `events`, a list, the event is appended there for the
    caller to write in bulk instead.
    """
    now = now or timezone.now()
    is_new = article.pk is None
    if not is_new and article.trashed_at is not None:
        # Someone deleted it here: a new run of the import must not bring it back.
        raise InTrash(article)
    article.version = 1 if is_new else article.version + 1
    article.status = status
    article.publish_at = publish_at
    live = status == Article.Status.PUBLISHED and publish_at <= now
    if not live:
        article.went_live_at = None
    elif article.went_live_at is None and not announce_past:
        article.went_live_at = publish_at
    article.save()
    if is_new:
        _revision(article, None, detail[:500])
    else:
        # The body came back as exported: library pictures are matched again.
        sync_body_images(article)
    event = ArticleEvent(
        article_id=article.pk,
        action=Action.CREATED if is_new else Action.EDITED,
        detail=detail[:500],
    )
    if events is None:
        event.save()
    else:
        events.append(event)
    if (status == Article.Status.PUBLISHED and publish_at > now) or (
        live and article.went_live_at is None
    ):
        _go_live_at(article)
    return article


@transaction.atomic
def add_correction(article, text, *, kind=Correction.Kind.CORRECTION, user=None, when=None):
    """Append a dated correction or update note; readers and feeds see the article as updated."""
    if user is not None:
        _require(
            _staff(user) and user.has_perm("articles.add_correction"),
            "You may not add corrections.",
        )
    text = (text or "").strip()
    if not text:
        raise ValueError("A correction needs a text.")
    when = when or timezone.now()
    correction = Correction.objects.create(article=article, text=text, kind=kind, noted_at=when)
    Article.objects.filter(pk=article.pk).update(content_updated_at=when, updated_at=when)
    _event(article, Action.CORRECTED, user, text[:200])
    _changed(article, "corrected")
    return correction


# -- preview links ------------------------------------------------------------


def mint_preview_link(article, *, user=None):
    """A new preview link of `article` for its present state, recorded with who minted it."""
    if user is not None:
        _require(
            can_mint_preview(user, article),
            "Only those who may edit this article may hand out preview links to it.",
        )
    return PreviewLink.objects.create(
        article_id=article.pk,
        key=secrets.token_urlsafe(32),
        state=article.preview_state,
        minted_by=user,
    )


def open_preview_links(article):
    """The links that open `article` now, newest first, with who minted them."""
    since = timezone.now() - timedelta(seconds=settings.ARTICLE_PREVIEW_MAX_AGE)
    return list(
        PreviewLink.objects.filter(
            article_id=article.pk,
            revoked_at__isnull=True,
            minted_at__gt=since,
            state=article.preview_state,
        ).select_related("minted_by")
    )


@transaction.atomic
def revoke_preview_links(links, *, user=None):
    """End `links` now (editors); returns how many were still open."""
    if user is not None:
        _require(can_revoke_previews(user), "Only editors may revoke preview links.")
    pks = [link.pk for link in links]
    return PreviewLink.objects.filter(pk__in=pks, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=user
    )


def _end_preview_links(article):
    PreviewLink.objects.filter(article_id=article.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# -- soft lock and autosave ---------------------------------------------------


@transaction.atomic
def hold_lock(article, user, *, take_over=False):
    """Claim or renew `user`'s soft lock on `article`; return the lock, whoever holds it.

    A lock whose holder stopped sending heartbeats lapses; a live one held by
    someone else is only taken with `take_over` (editors), and the trail says so.
    """
    now = timezone.now()
    lock, created = ArticleLock.objects.select_for_update().get_or_create(
        article_id=article.pk, defaults={"user": user, "acquired_at": now, "heartbeat_at": now}
    )
    if created:
        return lock
    if lock.user_id != user.pk:
        if lock.is_active:
            if not take_over:
                return lock
            _require(can_take_over(user), "Only editors can take over an article.")
            _event(article, Action.LOCK_TAKEN, user, f"From {display_name(lock.user)}")
        lock.user = user
        lock.acquired_at = now
    lock.heartbeat_at = now
    lock.save()
    return lock


def release_lock(article, user):
    """Let go of `user`'s lock on `article` (closing the page); someone else's stays."""
    ArticleLock.objects.filter(article_id=article.pk, user=user).delete()


def active_lock(article):
    """The live lock on `article`, or None."""
    lock = ArticleLock.objects.filter(article_id=article.pk).select_related("user").first()
    return lock if lock is not None and lock.is_active else None


def autosave(user, article, *, title="", dek="", body="", base_version=None, extra=None):
    """Keep `user`'s unsaved work on `article` (None: a new one) in their one draft slot.

    `extra`: the other fields of a save refused as stale (articles.merge); an
    autosave of the text alone clears them.
    """
    values = {
        "title": (title or "")[:255],
        "dek": dek or "",
        "body": clean_html(body),
        "base_version": base_version,
        "extra": extra or {},
        "saved_at": timezone.now(),
    }
    draft, _ = ArticleDraft.objects.update_or_create(
        user=user,
        article=article if article is not None and article.pk else None,
        defaults=values,
    )
    return draft


def autosaved_draft(user, article):
    """`user`'s autosaved draft of `article` (None: of a new article), or None."""
    article_id = article.pk if article is not None else None
    return ArticleDraft.objects.filter(user=user, article_id=article_id).first()


def discard_draft(user, article):
    ArticleDraft.objects.filter(
        user=user, article_id=article.pk if article is not None else None
    ).delete()


# -- trash --------------------------------------------------------------------
# A deleted story goes to the trash first: restorable for ARTICLE_TRASH_DAYS, then
# deleted for good (tasks.purge_trash) with its events and bylines. A story in the
# trash is never published, so no live() read can show it.


class InTrash(ValidationError):
    """What is in the trash is restored before anything else is done to it."""

    def __init__(self, article):
        super().__init__(
            f"“{article.title}” is in the trash: restore it from the trash first. "
            "Nothing was changed.",
            code="in_trash",
        )


def can_trash(user, article):
    """Editors trash any story; writers their own ones that were never published."""
    if not _staff(user):
        return False
    if user.has_perm("articles.delete_article") and user.has_perm("articles.change_article"):
        return True
    return (
        article.status in (Article.Status.DRAFT, Article.Status.REVIEW)
        and is_own(user, article)
        and can_edit(user, article)
    )


def can_restore_from_trash(user, article):
    """Whoever could have trashed it (its owner for a draft, editors for any)."""
    return can_trash(user, article)


def can_delete_for_good(user):
    """Only editors empty the trash before its time."""
    return _staff(user) and user.has_perm("articles.delete_article")


def trash_days():
    return max(1, settings.ARTICLE_TRASH_DAYS)


@transaction.atomic
def trash(article, *, user=None):
    """Move `article` to the trash; a live or scheduled story is unpublished first."""
    article = _locked(article)
    if article.trashed_at is not None:
        return article  # a double click
    if user is not None:
        _require(can_trash(user, article), "You may not delete this article.")
    if article.status == Article.Status.PUBLISHED:
        # Through the services, so caches, feeds and sharing learn that it is gone.
        if article.is_scheduled:
            article = cancel_schedule(article, user=user)
        else:
            article = unpublish(article, user=user)
    now = timezone.now()
    article.trashed_at = now
    article.trashed_by = user
    article.version += 1
    article.save(update_fields=["trashed_at", "trashed_by", "version", "updated_at"])
    _event(article, Action.TRASHED, user)
    _end_preview_links(article)
    ArticleLock.objects.filter(article_id=article.pk).delete()
    _changed(article, "trashed")
    return article


@transaction.atomic
def restore_from_trash(article, *, user=None):
    """Take `article` out of the trash, in the state it was left in (never live)."""
    article = _locked(article)
    if article.trashed_at is None:
        return article
    if user is not None:
        _require(can_restore_from_trash(user, article), "You may not restore this article.")
    article.trashed_at = None
    article.trashed_by = None
    article.version += 1
    article.save(update_fields=["trashed_at", "trashed_by", "version", "updated_at"])
    _event(article, Action.UNTRASHED, user)
    _changed(article, "restored")
    return article


@transaction.atomic
def delete_for_good(article, *, user=None):
    """Delete a story in the trash with its bylines, events, corrections and links."""
    article = _locked(article)
    if article.trashed_at is None:
        raise ValidationError(
            "Only a story in the trash can be deleted for good: move it to the trash first.",
            code="not_in_trash",
        )
    if user is not None:
        _require(can_delete_for_good(user), "Only editors may delete a story for good.")
    pk = article.pk
    # Its revisions go with it (they were kept while it could come back).
    Version.objects.get_for_object(article).delete()
    article.delete()
    return pk


def purge_trash(*, now=None):
    """Delete for good every story in the trash for longer than ARTICLE_TRASH_DAYS."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=trash_days())
    purged = 0
    for article in Article.objects.filter(trashed_at__lt=cutoff).order_by("trashed_at"):
        delete_for_good(article)
        purged += 1
    return purged


# -- the desk's calendar ------------------------------------------------------


@transaction.atomic
def reschedule_to_day(article, day, *, user=None, base_version=None):
    """Move a scheduled `article` to the date `day`, keeping its local time of day.

    The same path as scheduling (publish with a new time): permission checked,
    a new version and event, go-live queued again for the new time. Refused for a
    story that is not scheduled, a version someone has replaced since, or a time
    that has already passed.
    """
    current = check_version(article, base_version)
    if user is not None:
        _require(can_publish(user, current), "You may not change this article's schedule.")
    if not current.is_scheduled:
        raise ValidationError(
            f"“{current.title}” is not scheduled (it is {current.get_status_display().lower()}"
            f"{' and live' if current.is_live else ''}): only scheduled stories move on the "
            "calendar. Nothing was changed.",
            code="not_scheduled",
        )
    local = timezone.localtime(current.publish_at)
    when = local.replace(year=day.year, month=day.month, day=day.day)
    when = timezone.make_aware(when.replace(tzinfo=None), timezone.get_current_timezone())
    if when <= timezone.now():
        raise ValidationError(
            f"{_local(when)} has already passed: choose a later day, or publish the story now. "
            "Nothing was changed.",
            code="in_the_past",
        )
    return publish(current, when=when, user=user)


# -- editions (translations) ------------------------------------------------------


class TranslationExists(ValidationError):
    """The story already has a translation in that edition: open it instead."""

    def __init__(self, existing):
        self.existing = existing
        super().__init__(
            f"This story already has a translation in {existing.get_language_display()}: "
            f"“{existing.title}”.",
            code="translation_exists",
        )


def can_translate(user, article):
    """Translating writes a new story: whoever may write one and may see the source."""
    return (
        _staff(user)
        and user.has_perm("articles.add_article")
        and can_view(user, article)
        and article.trashed_at is None
    )


def _translation_in(group, language):
    """The story of translation group `group` in the `language` edition, if any."""
    return Article.objects.filter(translation_group=group, language=language).first()


@transaction.atomic
def translate(article, language, user=None):
    """A new draft of `article` in the `language` edition, linked to it (and to its other
    translations) by their translation group, and owned by `user`.

    The draft starts from the source's text, section, picture, dateline and tags for
    the translator to write over; its bylines, slug, schedule and workflow are its
    own. Refused with TranslationExists when the group has a story in that edition
    already, and with a ValidationError for a language that is not an edition or is
    the story's own.
    """
    if user is not None:
        _require(can_translate(user, article), "You may not translate this article.")
    if language not in editions.codes():
        raise ValidationError(
            f"“{language}” is not an edition of this site (editions: "
            f"{', '.join(editions.codes())}).",
            code="not_an_edition",
        )
    source = _locked(article)
    if source.trashed_at is not None:
        raise InTrash(source)
    if language == source.language:
        raise ValidationError(
            f"The story is in the {source.get_language_display()} edition already.",
            code="same_edition",
        )
    if source.translation_group is None:
        source.translation_group = uuid.uuid4()
        Article.objects.filter(pk=source.pk).update(translation_group=source.translation_group)
        # A queryset update sends no save signal: purge the story's page here.
        _changed(source, "translated")
    article.translation_group = source.translation_group
    existing = _translation_in(source.translation_group, language)
    if existing is not None:
        raise TranslationExists(existing)
    draft = Article(
        title=source.title,
        dek=source.dek,
        body=source.body,
        dateline=source.dateline,
        category_id=source.category_id,
        featured_image_id=source.featured_image_id,
        featured_image_caption=source.featured_image_caption,
        language=language,
        translation_group=source.translation_group,
    )
    # An address of its own to start from ("<source's slug>-hy"); the translator may
    # give it one in its language before it is published.
    suffix = f"-{language}"
    draft.slug = draft._unique_slug(source.slug[: SLUG_MAX_LENGTH - len(suffix)] + suffix)
    tags = list(source.tags.all())
    try:
        with transaction.atomic():  # a savepoint: a racing translator's row wins
            save_article(
                draft,
                user=user,
                save_relations=lambda: draft.tags.set(tags),
                comment=f"Translated from “{source.title}” ({source.get_language_display()})",
            )
    except IntegrityError:
        # Another translator's story was saved since the check above.
        existing = _translation_in(source.translation_group, language)
        if existing is None:
            raise
        raise TranslationExists(existing) from None
    return draft
