"""WordPress posts become Articles: status, dates, slug, body, byline, category, tags.

`PostImporter` works a batch of items at a time (`load_batch` reads what the
batch's items became in earlier runs in a few queries); each post is saved in
a savepoint of its own, through `articles.services.save_imported`, which owns
the article's status, publication time and version. The rows that only point
at a saved article (bylines, tags, ImportedItems, events) are written together
at the end of the batch. Pictures are handed to the MediaImporter for later.
"""

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from taggit.models import TaggedItem

from articles import bodyimages
from articles import services as article_services
from articles.html import plain_text
from articles.models import SLUG_MAX_LENGTH, Article, ArticleAuthor, ArticleEvent, ArticleRedirect

from . import polylang
from .models import ImportedItem
from .report import reason
from .shortcodes import expand_galleries
from .wxr_values import (
    body_html,
    body_image_refs,
    decode_slug,
    fingerprint,
    int_or_none,
    old_path,
    parse_wp_date,
)

logger = logging.getLogger(__name__)

Kind = ImportedItem.Kind
Status = Article.Status
STATUSES = {
    "publish": Status.PUBLISHED,
    "future": Status.PUBLISHED,  # with a publication time ahead: scheduled
    "draft": Status.DRAFT,
    "pending": Status.REVIEW,
    "private": Status.UNPUBLISHED,
}
# WordPress's bookkeeping, never content.
IGNORED_STATUSES = {"trash", "auto-draft", "inherit"}
NEEDS_DATE = {"publish", "future", "private"}


class ItemError(Exception):
    """This item cannot be imported; the message says why."""


@dataclass
class PostBatch:
    """What the items of one batch became before, and the rows written at its end."""

    mapped: dict  # wp_id -> ImportedItem (posts and attachments of the batch)
    articles: dict  # pk -> Article
    bylines: dict  # article pk -> [author pk, ...]
    tags: dict  # article pk -> {tag pk}
    redirects: dict  # old_path -> ArticleRedirect
    slugs: dict  # slug -> article pk or None
    events: list = field(default_factory=list)
    deferred: dict = field(default_factory=lambda: defaultdict(list))  # model -> rows

    def write_deferred(self):
        """Write the rows that only point at the batch's saved articles."""
        for model in (ImportedItem, ArticleAuthor, TaggedItem):
            model.objects.bulk_create(self.deferred[model])
        ArticleEvent.objects.bulk_create(self.events)


class PostImporter:
    """Posts of one import run, given the run's authors, terms and media collaborators."""

    def __init__(self, report, ledger, *, authors, terms, media, tz, now, announce_past=False):
        self.report = report
        self.ledger = ledger
        self.authors = authors
        self.terms = terms
        self.media = media
        self.tz = tz
        self.now = now
        # Stories live on the old site were announced there: not shared again unless asked.
        self.announce_past = announce_past
        self.article_ct = ContentType.objects.get_for_model(Article)

    def load_batch(self, items):
        wp_ids = [i.wp_id for i in items if i.wp_id is not None]
        posts = {
            m.wp_id: m
            for m in ImportedItem.objects.filter(
                site=self.ledger.site, kind__in=[Kind.POST, Kind.ATTACHMENT], wp_id__in=wp_ids
            )
        }
        article_ids = [m.object_id for m in posts.values() if m.kind == Kind.POST and m.object_id]
        articles = Article.objects.in_bulk(article_ids)
        bylines = defaultdict(list)
        for article_id, author_id in ArticleAuthor.objects.filter(
            article_id__in=article_ids
        ).values_list("article_id", "author_id"):
            bylines[article_id].append(author_id)
        tags = defaultdict(set)
        for object_id, tag_id in TaggedItem.objects.filter(
            content_type=self.article_ct, object_id__in=article_ids
        ).values_list("object_id", "tag_id"):
            tags[object_id].add(tag_id)
        paths = {p for p in (old_path(i.link) for i in items) if p}
        redirects = {r.old_path: r for r in ArticleRedirect.objects.filter(old_path__in=paths)}
        bases = {
            decode_slug(i.post_name, max_length=SLUG_MAX_LENGTH, fallback=i.title) for i in items
        }
        slugs = dict.fromkeys(bases)
        slugs.update(Article.objects.filter(slug__in=bases).values_list("slug", "pk"))
        return PostBatch(posts, articles, bylines, tags, redirects, slugs)

    def import_post(self, item, batch):
        """Import one item of post type "post" and return its article, or None when it
        was skipped or failed (reported, not raised)."""
        what = item.post_type or "item"
        if item.status in IGNORED_STATUSES:
            self.report.skip(
                "posts", what, item.wp_id, item.title, f"status {item.status!r} is not imported"
            )
            return None
        if item.status not in STATUSES:
            self.report.skip(
                "posts", what, item.wp_id, item.title, f"unknown status {item.status!r}"
            )
            return None
        edition, group, unlinked = self.terms.polylang.placement(item)
        if edition is None:
            self.report.skip(
                "posts",
                what,
                item.wp_id,
                item.title,
                "its Polylang language is not an edition of this site",
            )
            return None
        if unlinked:
            self.report.warn_item(item, unlinked)
        try:
            return self._import_post(item, batch, edition=edition, group=group)
        except article_services.InTrash:
            # Deleted here since an earlier run: its savepoint left it as it was.
            self.report.skip(
                "posts",
                what,
                item.wp_id,
                item.title,
                "in the trash here: left alone (restore it to import it again)",
            )
        except ItemError as exc:
            self.report.fail("posts", what, item.wp_id, item.title, str(exc))
        except Exception as exc:
            logger.exception("WordPress post %s failed", item.wp_id)
            self.report.fail("posts", what, item.wp_id, item.title, reason(exc))
        return None

    def _date(self, item, gmt_value, local_value, label, *, required):
        when, gmt_error = parse_wp_date(gmt_value)
        if when is not None:
            return when.replace(tzinfo=UTC)
        local, local_error = parse_wp_date(local_value)
        if local is not None:
            if required:
                why = gmt_error or "its GMT time is 0000-00-00"
                self.report.warn_item(
                    item, f"{why}: the {label} was read as local time in {self.tz}"
                )
            return timezone.make_aware(local, self.tz)
        if required:
            errors = [e for e in (gmt_error, local_error) if e] or ["it is missing"]
            raise ItemError(f"invalid {label}: {'; '.join(errors)}")
        return None

    def _import_post(self, item, batch, *, edition, group):
        mapping = batch.mapped.get(item.wp_id)
        if mapping is not None and mapping.kind != Kind.POST:
            raise ItemError(f"WordPress ID {item.wp_id} was imported before as an attachment")
        article = batch.articles.get(mapping.object_id) if mapping and mapping.object_id else None
        extra = str(self.tz)
        if any(ref.taxonomy == polylang.LANGUAGE for ref in item.terms):
            # Where a Polylang post lands depends on this site's editions too.
            extra += f"|{edition}|{group or ''}"
        source_hash = fingerprint(item, extra)
        thumbnail = int_or_none(item.meta.get("_thumbnail_id"))
        content, unresolved = expand_galleries(item.content, self.ledger.site)
        if article is not None and mapping.source_hash == source_hash:
            self.report.count("posts", "unchanged")
            if thumbnail and not article.featured_image_id:
                self.media.want_featured_image(article.pk, thumbnail, item.wp_id, item.title)
            # Pictures that could not be fetched last time are tried again.
            shown = {attrs.get("src") for _m, attrs in bodyimages.img_tags(article.body)}
            refs = {src: wp_id for src, wp_id in body_image_refs(content).items() if src in shown}
            if refs:
                self.media.want_body_images(article.pk, refs, item.wp_id, item.title)
            return article

        # Everything that can be refused is worked out before any write.
        status = STATUSES[item.status]
        if item.password and status == Status.PUBLISHED:
            status = Status.UNPUBLISHED
            self.report.warn_item(item, "it was password-protected: imported as unpublished")
        required = item.status in NEEDS_DATE
        publish_at = self._date(
            item, item.post_date_gmt, item.post_date, "publication date", required=required
        )
        if not required:
            publish_at = None
        modified = self._date(
            item, item.post_modified_gmt, item.post_modified, "modification date", required=False
        )
        if item.status == "future" and publish_at <= self.now:
            self.report.warn_item(item, "its scheduled time has passed: it is live now")
        title = (item.title or "").strip()
        if not title:
            title = "(no title)"
            self.report.warn_item(item, "it has no title")
        elif len(title) > 255:
            title = title[:254] + "…"
            self.report.warn_item(item, "its title was longer than 255 characters and was cut")
        if unresolved:
            self.report.warn_item(
                item, f"{unresolved} [gallery] without ids (the post's attached pictures) dropped"
            )
        base = decode_slug(item.post_name, max_length=SLUG_MAX_LENGTH, fallback=title) or "article"

        category_id = self.terms.category_for_item(item)
        tag_ids = self.terms.tags_for_item(item)
        author_id = self.authors.author_for_item(item)

        is_new = article is None
        events = []
        with transaction.atomic():
            if is_new:
                article = Article()
            slug = (
                article.slug
                if _keeps_slug(article.slug, base)
                else self._unique_slug(base, article.pk, batch, item)
            )
            article.title = title
            article.slug = slug
            article.language = edition
            article.translation_group = group
            self.terms.polylang.check_group(article, item)
            article.dek = plain_text(item.excerpt)
            article.body = body_html(content)
            article.category_id = category_id
            article.is_featured = item.is_sticky
            article.content_updated_at = (
                modified
                if publish_at and modified and modified > publish_at + timedelta(minutes=1)
                else None
            )
            article_services.save_imported(
                article,
                status=status,
                publish_at=publish_at,
                now=self.now,
                events=events,
                announce_past=self.announce_past,
                detail=f"{'Imported' if is_new else 'Updated'} from WordPress "
                f"({self.ledger.site}, post {item.wp_id})",
            )

            wanted = [author_id] if author_id else []
            deferred = []
            if batch.bylines.get(article.pk, []) != wanted:
                if not is_new:
                    ArticleAuthor.objects.filter(article=article).delete()
                deferred += [
                    ArticleAuthor(article=article, author_id=a, order=n)
                    for n, a in enumerate(wanted)
                ]
            have = batch.tags.get(article.pk, set())
            if have - set(tag_ids):
                TaggedItem.objects.filter(
                    content_type=self.article_ct,
                    object_id=article.pk,
                    tag_id__in=have - set(tag_ids),
                ).delete()
            deferred += [
                TaggedItem(content_type=self.article_ct, object_id=article.pk, tag_id=t)
                for t in tag_ids
                if t not in have
            ]
            self._keep_permalink(item, article, batch)
            if mapping is None:
                deferred.append(
                    ImportedItem(
                        site=self.ledger.site,
                        kind=Kind.POST,
                        wp_id=item.wp_id,
                        content_type=self.article_ct,
                        object_id=article.pk,
                        title=title[:255],
                        url=item.link[:2000],
                        source_hash=source_hash,
                    )
                )
            else:
                self.ledger.remember(
                    mapping,
                    Kind.POST,
                    item.wp_id,
                    article,
                    title=title,
                    url=item.link,
                    source_hash=source_hash,
                )

        # Rows that only point at the saved article are written together at the
        # end of the batch, in its transaction: all of them or none.
        batch.events += events
        for row in deferred:
            batch.deferred[type(row)].append(row)
        batch.slugs[slug] = article.pk
        batch.articles[article.pk] = article
        if thumbnail:
            self.media.want_featured_image(article.pk, thumbnail, item.wp_id, title)
        refs = body_image_refs(content)
        if refs:
            self.media.want_body_images(article.pk, refs, item.wp_id, title)
        self.report.count("posts", "created" if is_new else "updated")
        return article

    def _unique_slug(self, base, own_pk, batch, item):
        slug, n = base, 2
        while True:
            if slug not in batch.slugs:
                batch.slugs[slug] = (
                    Article.objects.filter(slug=slug).values_list("pk", flat=True).first()
                )
            owner = batch.slugs[slug]
            if owner is None or owner == own_pk:
                break
            suffix = f"-{n}"
            slug = base[: SLUG_MAX_LENGTH - len(suffix)] + suffix
            n += 1
        if slug != base:
            self.report.warn_item(
                item, f"the slug {base!r} belongs to another article: saved as {slug!r}"
            )
        return slug

    def _keep_permalink(self, item, article, batch):
        path = old_path(item.link)
        if not path or article.publish_at is None or path == article.path:
            return
        if len(path) > 500:
            self.report.warn_item(item, "its old permalink is too long to keep as a redirect")
            return
        redirect = batch.redirects.get(path)
        if redirect is None:
            batch.redirects[path] = ArticleRedirect.objects.create(old_path=path, article=article)
        elif redirect.article_id != article.pk:
            redirect.article = article
            redirect.save(update_fields=["article"])


def _keeps_slug(current, base):
    """True when `current` is `base` or the `-N` form an earlier import gave it."""
    if not current:
        return False
    return current == base or re.fullmatch(re.escape(base) + r"-\d+", current) is not None
