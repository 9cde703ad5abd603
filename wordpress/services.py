"""Import of a WordPress export (WXR) into articles, categories, tags and authors.

The file is read as a stream (`wxr.read`) and written in batches, one
transaction per batch and a savepoint per item: an item that fails is rolled
back whole (never half an article) and reported, and the others go on. Each
imported item is remembered by its WordPress ID (`ImportedItem`), so running
the same export again updates what changed and never duplicates; items whose
exported data did not change since the last run are left alone, which also
keeps edits made here since then.

Featured images and the attachments shown in post bodies are fetched after
the posts, outside any transaction (the network must never hold a database
transaction open). Each attachment becomes one image of the library (remembered
on its ImportedItem, and found again by its source URL), and body <img> that
pointed at the old site's uploads are rewritten to the library file.
"""

import dataclasses
import hashlib
import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from io import BytesIO
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, reset_queries, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, UnidentifiedImageError
from taggit.models import Tag, TaggedItem

from articles import bodyimages
from articles import services as article_services
from articles.html import plain_text
from articles.models import SLUG_MAX_LENGTH, Article, ArticleAuthor, ArticleEvent, ArticleRedirect
from authors.models import Author
from caching import purges
from categories.models import Category
from images import services as image_services
from images.models import Image as LibraryImage
from images.validation import validate_upload

from . import wxr
from .autop import has_blocks, wpautop
from .models import ImportedItem
from .shortcodes import convert as convert_shortcodes

logger = logging.getLogger(__name__)

# Part of each item's fingerprint: raise it when the import of an unchanged
# export should nonetheless rewrite what it wrote before.
IMPORTER_VERSION = "1"

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
ZERO_DATE = "0000-00-00 00:00:00"
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
SLUG_OK = re.compile(r"^[-\w]+\Z")
_RAW_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_RAW_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_WP_IMAGE_CLASS = re.compile(r"\bwp-image-(\d+)\b")
# WordPress's resized copies: photo-300x200.jpg is a size of photo.jpg.
_SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")
_PHP_CREDIT = re.compile(r's:6:"credit";s:(\d+):"')
UNCATEGORIZED = ("uncategorized", "Uncategorized")

Kind = ImportedItem.Kind


class ItemError(Exception):
    """This item cannot be imported; the message says why."""


class MediaError(Exception):
    """An attachment's URL did not give a usable image."""


@dataclass
class Problem:
    what: str  # "post", "attachment", "category", "author"...
    wp_id: int | None
    title: str
    message: str
    url: str = ""

    def __str__(self):
        wp_id = self.wp_id if self.wp_id is not None else "?"
        title = f' "{self.title}"' if self.title else ""
        return f"{self.what} {wp_id}{title}: {self.message}"


OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")


@dataclass
class ImportReport:
    site: str = ""
    wxr_version: str = ""
    dry_run: bool = False
    counts: dict = field(default_factory=lambda: defaultdict(Counter))
    failures: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    media_failures: list = field(default_factory=list)
    error: str = ""  # the file could not be read (any further)

    def count(self, kind, outcome, n=1):
        self.counts[kind][outcome] += n

    def total(self, outcome):
        return sum(c[outcome] for c in self.counts.values())

    def fail(self, kind, what, wp_id, title, message):
        self.count(kind, "failed")
        self.failures.append(Problem(what, wp_id, title, message))

    def skip(self, kind, what, wp_id, title, message):
        self.count(kind, "skipped")
        self.skipped.append(Problem(what, wp_id, title, message))

    def warn(self, what, wp_id, title, message):
        self.warnings.append(Problem(what, wp_id, title, message))

    @property
    def ok(self):
        return not self.error and not self.failures


# -- pure helpers ---------------------------------------------------------------


def decode_slug(value, *, max_length, fallback=""):
    """A WordPress slug as text: percent-decoded UTF-8, valid in our addresses."""
    slug = unquote((value or "").strip(), errors="replace")
    if not SLUG_OK.match(slug):
        slug = slugify(slug, allow_unicode=True)
    if not slug and fallback:
        slug = slugify(fallback, allow_unicode=True)
    return slug[:max_length].strip("-")


def wp_nicename(login):
    """sanitize_title() of a login: the /author/<nicename>/ WordPress used for it."""
    text = unquote(login or "").strip().lower().replace(".", "-")
    text = re.sub(r"[^\w\s-]", "", text)
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"-+", "-", text).strip("-")
    return text[:160] or "author"


def parse_wp_date(value):
    """(datetime or None, error or None) for WordPress's "YYYY-MM-DD HH:MM:SS"; zero is None."""
    value = (value or "").strip()
    if not value or value.startswith("0000-00-00"):
        return None, None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt), None  # noqa: DTZ007 -- zone applied by caller
        except ValueError:
            continue
    return None, f"{value!r} is not a valid date"


def old_path(link):
    """The decoded path of a post's old permalink, or None for a plain /?p=<ID> link."""
    try:
        parts = urlsplit(link or "")
    except ValueError:
        return None
    path = unquote(parts.path or "", errors="replace")
    if not path or path == "/" or parts.query:
        return None
    return path


def body_html(content):
    """An exported post body as the HTML WordPress showed (before our sanitiser)."""
    html = convert_shortcodes(content or "")
    # Block-editor posts already carry their markup; WordPress skips autop for them.
    return html if has_blocks(html) else wpautop(html)


def fingerprint(item, extra=""):
    data = {
        f.name: getattr(item, f.name)
        for f in dataclasses.fields(item)
        if f.name not in ("line", "problems", "terms")
    }
    data["terms"] = [(t.taxonomy, t.slug, t.name) for t in getattr(item, "terms", ())]
    blob = json.dumps([IMPORTER_VERSION, extra, data], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def fetch_image(client, url, *, max_bytes, max_pixels):
    """The bytes and file extension of the image at `url`; MediaError says why not."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise MediaError("not an http(s) URL")
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise MediaError(f"the server answered HTTP {response.status_code}")
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise MediaError(f"the file is larger than {max_bytes} bytes")
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > max_bytes:
                    raise MediaError(f"the file is larger than {max_bytes} bytes")
    except httpx.TimeoutException as exc:
        raise MediaError(f"no answer in time ({type(exc).__name__})") from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise MediaError(f"could not be fetched: {type(exc).__name__}: {exc}") from exc
    try:
        with Image.open(BytesIO(data)) as image:
            width, height = image.size
            image_format = image.format
            if width * height > max_pixels:
                raise MediaError(f"the image is too large ({width}x{height} pixels)")
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise MediaError("the file is not an image") from exc
    if image_format not in IMAGE_FORMATS:
        raise MediaError(f"unsupported image format {image_format}")
    return bytes(data), IMAGE_FORMATS[image_format]


# -- the import -------------------------------------------------------------------


@dataclass
class _Batch:
    mapped: dict  # wp_id -> ImportedItem (posts and attachments of the batch)
    articles: dict  # pk -> Article
    bylines: dict  # article pk -> [author pk, ...]
    tags: dict  # article pk -> {tag pk}
    redirects: dict  # old_path -> ArticleRedirect
    slugs: dict  # slug -> article pk or None
    events: list = field(default_factory=list)
    deferred: dict = field(default_factory=lambda: defaultdict(list))  # model -> rows


class WordPressImporter:
    """Imports one WXR file; `run()` returns an ImportReport and raises nothing for bad input."""

    def __init__(
        self,
        *,
        dry_run=False,
        batch_size=200,
        fetch_media=True,
        time_zone=None,
        on_read=None,
        http_client=None,
    ):
        self.dry_run = dry_run
        self.batch_size = max(1, int(batch_size))
        self.fetch_media = fetch_media and not dry_run
        self.tz = ZoneInfo(time_zone) if time_zone else timezone.get_default_timezone()
        self.on_read = on_read
        self.http_client = http_client
        self.report = ImportReport(dry_run=dry_run)
        self.site = None
        self.site_key = ""
        self.header_authors = []
        self.header_terms = []
        self.header_done = False
        self.author_by_login = {}
        self.author_slug_owner = {}  # slug -> login, to keep two logins apart
        self.category_by_slug = {}
        self.tag_by_slug = {}
        self.uncategorized_id = None
        self.pending_images = []  # (article pk, attachment wp_id, post wp_id, title)
        self.pending_bodies = []  # (article pk, {src: attachment wp_id or None}, post wp_id, title)
        self.updated_attachments = set()  # wp_ids whose alt/caption/credit changed in this run
        self.seen_ids = set()
        self.article_ct = ContentType.objects.get_for_model(Article)
        self.category_ct = ContentType.objects.get_for_model(Category)
        self.tag_ct = ContentType.objects.get_for_model(Tag)
        self.author_ct = ContentType.objects.get_for_model(Author)
        self.image_ct = ContentType.objects.get_for_model(LibraryImage)
        self.now = timezone.now()

    # -- driver --------------------------------------------------------------

    def run(self, source):
        if self.dry_run:
            with transaction.atomic():
                self._run(source)
                # Every write above was real (slugs, suffixes, counts are exact);
                # none of it is kept.
                transaction.set_rollback(True)
        else:
            self._run(source)
        return self.report

    def _run(self, source):
        batch = []
        try:
            for entry in wxr.read(source, on_read=self.on_read):
                if isinstance(entry, wxr.Site):
                    self._start(entry)
                elif isinstance(entry, wxr.Author):
                    self.header_authors.append(entry)
                    if self.header_done:
                        self._import_header()
                elif isinstance(entry, wxr.Term):
                    self.header_terms.append(entry)
                    if self.header_done:
                        self._import_header()
                else:
                    if not self.header_done:
                        self._import_header()
                    batch.append(entry)
                    if len(batch) >= self.batch_size:
                        self._import_batch(batch)
                        batch = []
        except wxr.WXRError as exc:
            self.report.error = str(exc)
        except OSError as exc:
            self.report.error = f"cannot read the file: {exc}"
        if self.site is None:
            return
        # Whatever was read whole before a parse error is still imported.
        if not self.header_done or self.header_authors or self.header_terms:
            self._import_header()
        if batch:
            self._import_batch(batch)
        self._import_media()

    def _start(self, site):
        self.site = site
        self.site_key = site.key[:200] or "wordpress"
        self.report.site = site.key
        self.report.wxr_version = site.wxr_version

    def _import_header(self):
        authors, terms = self.header_authors, self.header_terms
        self.header_authors, self.header_terms = [], []
        self.header_done = True
        with transaction.atomic():
            self._import_authors(authors)
            self._import_terms(terms)

    # -- authors -------------------------------------------------------------

    def _mapped(self, kind, wp_ids):
        ids = [i for i in wp_ids if i is not None]
        if not ids:
            return {}
        return {
            m.wp_id: m
            for m in ImportedItem.objects.filter(site=self.site_key, kind=kind, wp_id__in=ids)
        }

    def _remember(self, mapping, kind, wp_id, obj, *, title="", url="", source_hash=""):
        """Create or update the ImportedItem of `wp_id`, pointing at `obj`."""
        if wp_id is None:
            return None
        content_type = ContentType.objects.get_for_model(obj) if obj is not None else None
        values = {
            "content_type": content_type,
            "object_id": obj.pk if obj is not None else None,
            "title": (title or "")[:255],
            "url": (url or "")[:2000],
            "source_hash": source_hash,
        }
        if mapping is None:
            return ImportedItem.objects.create(
                site=self.site_key, kind=kind, wp_id=wp_id, **values
            )
        changed = [k for k, v in values.items() if getattr(mapping, k) != v]
        for k in changed:
            setattr(mapping, k, values[k])
        if changed:
            mapping.save(update_fields=[*changed, "updated_at"])
        return mapping

    def _import_authors(self, authors):
        if not authors:
            return
        mapped = self._mapped(Kind.AUTHOR, [a.wp_id for a in authors])
        existing = Author.objects.in_bulk(
            [m.object_id for m in mapped.values() if m.object_id]
        )
        for wp_author in authors:
            login = wp_author.login
            if not login:
                self.report.fail("authors", "author", wp_author.wp_id, "", "it has no login")
                continue
            name = (
                unescape(wp_author.display_name)
                or " ".join(filter(None, [wp_author.first_name, wp_author.last_name]))
                or login
            )[:150]
            mapping = mapped.get(wp_author.wp_id)
            author = existing.get(mapping.object_id) if mapping else None
            try:
                with transaction.atomic():
                    outcome = "unchanged"
                    if author is None:
                        author, outcome = self._author_for_login(login, name, wp_author.email)
                    else:
                        email = wp_author.email if _valid_email(wp_author.email) else author.email
                        if (author.name, author.email) != (name, email):
                            author.name, author.email = name, email
                            author.save()
                            outcome = "updated"
                    self._remember(mapping, Kind.AUTHOR, wp_author.wp_id, author, title=name)
            except Exception as exc:
                logger.exception("author %s failed", login)
                self.report.fail("authors", "author", wp_author.wp_id, login, _reason(exc))
                continue
            self.author_by_login[login] = author.pk
            self.author_slug_owner[author.slug] = login
            self.report.count("authors", outcome)

    def _author_for_login(self, login, name, email=""):
        """(Author, outcome) for a WordPress login: the one at /author/<nicename>/, or a new one."""
        base = wp_nicename(login)
        slug, n = base, 2
        while self.author_slug_owner.get(slug, login) != login:
            slug = f"{base[:150]}-{n}"
            n += 1
        author = Author.objects.filter(slug=slug).first()
        if author is not None:
            return author, "unchanged"
        author = Author.objects.create(
            name=name or login, slug=slug, email=email if _valid_email(email) else ""
        )
        return author, "created"

    def _author_for_item(self, item):
        login = item.creator
        if not login:
            self._warn_item(item, "it has no author (dc:creator): imported without a byline")
            return None
        pk = self.author_by_login.get(login)
        if pk is not None:
            return pk
        # Exports of a single author's posts, or WXR 1.0, may not list the author.
        with transaction.atomic():
            author, outcome = self._author_for_login(login, login)
        self.author_by_login[login] = author.pk
        self.author_slug_owner[author.slug] = login
        self.report.count("authors", outcome)
        self._warn_item(
            item,
            f"its author {login!r} is not in the export's list of authors: "
            f"byline {author.name!r} (/author/{author.slug}/) used",
        )
        return author.pk

    # -- categories and tags ------------------------------------------------------

    def _import_terms(self, terms):
        if not terms:
            return
        mapped = self._mapped(Kind.TERM, [t.wp_id for t in terms])
        categories = Category.objects.in_bulk(
            [m.object_id for m in mapped.values() if m.content_type_id == self.category_ct.pk]
        )
        tags = Tag.objects.in_bulk(
            [m.object_id for m in mapped.values() if m.content_type_id == self.tag_ct.pk]
        )
        parents = []
        for term in terms:
            name = unescape(term.name).strip()
            if term.taxonomy not in ("category", "post_tag"):
                self.report.skip(
                    "other terms", "term", term.wp_id, name,
                    f"taxonomy {term.taxonomy!r} is not imported",
                )
                continue
            what = "category" if term.taxonomy == "category" else "tag"
            kind = "categories" if what == "category" else "tags"
            max_length = 120 if what == "category" else 100
            slug = decode_slug(term.slug, max_length=max_length, fallback=name)
            if not slug or not name:
                self.report.fail(kind, what, term.wp_id, name, "it has no name or slug")
                continue
            mapping = mapped.get(term.wp_id)
            known = (categories if what == "category" else tags).get(
                mapping.object_id if mapping else None
            )
            try:
                with transaction.atomic():
                    if what == "category":
                        obj, outcome = self._category(slug, name, term.description, known)
                    else:
                        obj, outcome = self._tag(slug, name, known)
                    self._remember(mapping, Kind.TERM, term.wp_id, obj, title=name)
            except Exception as exc:
                logger.exception("term %s failed", term.slug)
                self.report.fail(kind, what, term.wp_id, name, _reason(exc))
                continue
            self.report.count(kind, outcome)
            if what == "category":
                self.category_by_slug[slug] = obj.pk
                parents.append((term, obj))
            else:
                self.tag_by_slug[slug] = obj.pk
        # Parents after all categories exist: an export lists them parents first,
        # but a hand-edited file need not.
        for term, category in parents:
            self._set_parent(term, category)

    def _category(self, slug, name, description, known=None):
        name = name[:100]
        description = unescape(description or "")
        category = known or Category.objects.filter(slug=slug).first()
        if category is None:
            return Category.objects.create(name=name, slug=slug, description=description), (
                "created"
            )
        if known is None:
            return category, "unchanged"  # an existing section of this site: leave it be
        if (category.name, category.description) != (name, description):
            category.name, category.description = name, description
            category.save()
            return category, "updated"
        return category, "unchanged"

    def _tag(self, slug, name, known=None):
        name = name[:100]
        tag = (
            known
            or Tag.objects.filter(slug=slug).first()
            or Tag.objects.filter(name=name).first()
        )
        if tag is None:
            return Tag.objects.create(name=name, slug=slug), "created"
        if known is not None and tag.name != name and not Tag.objects.filter(name=name).exists():
            tag.name = name
            tag.save()
            return tag, "updated"
        return tag, "unchanged"

    def _set_parent(self, term, category):
        if not term.parent_slug:
            parent_id = None
        else:
            parent_id = self.category_by_slug.get(decode_slug(term.parent_slug, max_length=120))
            if parent_id is None:
                self.report.warn(
                    "category", term.wp_id, term.name,
                    f"its parent {term.parent_slug!r} is not in the export: left at the top",
                )
                return
        if parent_id == category.parent_id:
            return
        ancestor, seen = parent_id, set()
        while ancestor is not None and ancestor not in seen:
            if ancestor == category.pk:
                self.report.warn("category", term.wp_id, term.name,
                                 "its parent would make a loop: left where it was")
                return
            seen.add(ancestor)
            ancestor = Category.objects.filter(pk=ancestor).values_list("parent_id", flat=True)[0]
        Category.objects.filter(pk=category.pk).update(parent_id=parent_id)

    def _category_for_item(self, item):
        for ref in item.terms:
            if ref.taxonomy != "category":
                continue
            name = unescape(ref.name).strip()
            slug = decode_slug(ref.slug, max_length=120, fallback=name)
            if not slug:
                continue
            pk = self.category_by_slug.get(slug)
            if pk is None:
                with transaction.atomic():
                    category, outcome = self._category(slug, name or slug, "")
                self.report.count("categories", outcome)
                pk = self.category_by_slug[slug] = category.pk
            return pk
        if self.uncategorized_id is None:
            with transaction.atomic():
                category, outcome = self._category(*UNCATEGORIZED, "")
            self.report.count("categories", outcome)
            self.uncategorized_id = category.pk
        return self.uncategorized_id

    def _tags_for_item(self, item):
        pks = []
        for ref in item.terms:
            if ref.taxonomy != "post_tag":
                continue
            name = unescape(ref.name).strip()
            slug = decode_slug(ref.slug, max_length=100, fallback=name)
            if not slug or not name:
                continue
            pk = self.tag_by_slug.get(slug)
            if pk is None:
                with transaction.atomic():
                    tag, outcome = self._tag(slug, name)
                self.report.count("tags", outcome)
                pk = self.tag_by_slug[slug] = tag.pk
            if pk not in pks:
                pks.append(pk)
        return pks

    # -- items ---------------------------------------------------------------

    def _import_batch(self, items):
        # With DEBUG on, Django keeps every query's SQL: memory must not grow with the file.
        reset_queries()
        with transaction.atomic():
            batch = self._load_batch(items)
            for item in items:
                self._import_item(item, batch)
            for model in (ImportedItem, ArticleAuthor, TaggedItem):
                model.objects.bulk_create(batch.deferred[model])
            ArticleEvent.objects.bulk_create(batch.events)

    def _load_batch(self, items):
        wp_ids = [i.wp_id for i in items if i.wp_id is not None]
        posts = {
            m.wp_id: m
            for m in ImportedItem.objects.filter(
                site=self.site_key, kind__in=[Kind.POST, Kind.ATTACHMENT], wp_id__in=wp_ids
            )
        }
        article_ids = [
            m.object_id for m in posts.values() if m.kind == Kind.POST and m.object_id
        ]
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
            decode_slug(i.post_name, max_length=SLUG_MAX_LENGTH, fallback=i.title)
            for i in items
        }
        slugs = dict.fromkeys(bases)
        slugs.update(Article.objects.filter(slug__in=bases).values_list("slug", "pk"))
        return _Batch(posts, articles, bylines, tags, redirects, slugs)

    def _import_item(self, item, batch):
        what = item.post_type or "item"
        if item.problems:
            self.report.fail("posts", what, item.wp_id, item.title, "; ".join(item.problems))
            return
        if item.wp_id in self.seen_ids:
            self.report.fail("posts", what, item.wp_id, item.title,
                             f"wp:post_id {item.wp_id} appears twice in the export")
            return
        self.seen_ids.add(item.wp_id)
        if item.post_type == "attachment":
            self._import_attachment(item, batch)
            return
        if item.post_type != "post":
            reason = (
                "pages are not imported (this site has no pages)"
                if item.post_type == "page"
                else f"post type {item.post_type!r} is not imported"
            )
            self.report.skip("other items", what, item.wp_id, item.title, reason)
            return
        if item.status in IGNORED_STATUSES:
            self.report.skip("posts", what, item.wp_id, item.title,
                             f"status {item.status!r} is not imported")
            return
        if item.status not in STATUSES:
            self.report.skip("posts", what, item.wp_id, item.title,
                             f"unknown status {item.status!r}")
            return
        try:
            self._import_post(item, batch)
        except ItemError as exc:
            self.report.fail("posts", what, item.wp_id, item.title, str(exc))
        except Exception as exc:
            logger.exception("WordPress post %s failed", item.wp_id)
            self.report.fail("posts", what, item.wp_id, item.title, _reason(exc))

    def _warn_item(self, item, message):
        self.report.warn(item.post_type or "item", item.wp_id, item.title, message)

    def _date(self, item, gmt_value, local_value, label, *, required):
        when, gmt_error = parse_wp_date(gmt_value)
        if when is not None:
            return when.replace(tzinfo=UTC)
        local, local_error = parse_wp_date(local_value)
        if local is not None:
            if required:
                why = gmt_error or "its GMT time is 0000-00-00"
                self._warn_item(
                    item, f"{why}: the {label} was read as local time in {self.tz}"
                )
            return timezone.make_aware(local, self.tz)
        if required:
            errors = [e for e in (gmt_error, local_error) if e] or ["it is missing"]
            raise ItemError(f"invalid {label}: {'; '.join(errors)}")
        return None

    def _import_post(self, item, batch):
        mapping = batch.mapped.get(item.wp_id)
        if mapping is not None and mapping.kind != Kind.POST:
            raise ItemError(f"WordPress ID {item.wp_id} was imported before as an attachment")
        article = batch.articles.get(mapping.object_id) if mapping and mapping.object_id else None
        source_hash = fingerprint(item, str(self.tz))
        thumbnail = _int_or_none(item.meta.get("_thumbnail_id"))
        if article is not None and mapping.source_hash == source_hash:
            self.report.count("posts", "unchanged")
            if thumbnail and not article.featured_image_id:
                self.pending_images.append((article.pk, thumbnail, item.wp_id, item.title))
            # Pictures that could not be fetched last time are tried again.
            shown = {attrs.get("src") for _m, attrs in bodyimages.img_tags(article.body)}
            refs = {src: wp_id for src, wp_id in body_image_refs(item.content).items()
                    if src in shown}
            if refs:
                self.pending_bodies.append((article.pk, refs, item.wp_id, item.title))
            return

        # Everything that can be refused is worked out before any write.
        status = STATUSES[item.status]
        if item.password and status == Status.PUBLISHED:
            status = Status.UNPUBLISHED
            self._warn_item(item, "it was password-protected: imported as unpublished")
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
            self._warn_item(item, "its scheduled time has passed: it is live now")
        title = (item.title or "").strip()
        if not title:
            title = "(no title)"
            self._warn_item(item, "it has no title")
        elif len(title) > 255:
            title = title[:254] + "…"
            self._warn_item(item, "its title was longer than 255 characters and was cut")
        base = decode_slug(item.post_name, max_length=SLUG_MAX_LENGTH, fallback=title) or "article"

        category_id = self._category_for_item(item)
        tag_ids = self._tags_for_item(item)
        author_id = self._author_for_item(item)

        is_new = article is None
        events = []
        with transaction.atomic():
            if is_new:
                article = Article()
            slug = article.slug if _keeps_slug(article.slug, base) else self._unique_slug(
                base, article.pk, batch, item
            )
            article.title = title
            article.slug = slug
            article.dek = plain_text(item.excerpt)
            article.body = body_html(item.content)
            article.category_id = category_id
            article.is_featured = item.is_sticky
            article.content_updated_at = (
                modified
                if publish_at and modified and modified > publish_at + timedelta(minutes=1)
                else None
            )
            article_services.save_imported(
                article, status=status, publish_at=publish_at, now=self.now,
                events=events,
                detail=f"{'Imported' if is_new else 'Updated'} from WordPress "
                f"({self.site_key}, post {item.wp_id})",
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
                    content_type=self.article_ct, object_id=article.pk,
                    tag_id__in=have - set(tag_ids),
                ).delete()
            deferred += [
                TaggedItem(content_type=self.article_ct, object_id=article.pk, tag_id=t)
                for t in tag_ids
                if t not in have
            ]
            self._keep_permalink(item, article, batch)
            if mapping is None:
                deferred.append(ImportedItem(
                    site=self.site_key, kind=Kind.POST, wp_id=item.wp_id,
                    content_type=self.article_ct, object_id=article.pk, title=title[:255],
                    url=item.link[:2000], source_hash=source_hash,
                ))
            else:
                self._remember(
                    mapping, Kind.POST, item.wp_id, article, title=title, url=item.link,
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
            self.pending_images.append((article.pk, thumbnail, item.wp_id, title))
        refs = body_image_refs(item.content)
        if refs:
            self.pending_bodies.append((article.pk, refs, item.wp_id, title))
        self.report.count("posts", "created" if is_new else "updated")

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
            self._warn_item(
                item, f"the slug {base!r} belongs to another article: saved as {slug!r}"
            )
        return slug

    def _keep_permalink(self, item, article, batch):
        path = old_path(item.link)
        if not path or article.publish_at is None or path == article.path:
            return
        if len(path) > 500:
            self._warn_item(item, "its old permalink is too long to keep as a redirect")
            return
        redirect = batch.redirects.get(path)
        if redirect is None:
            batch.redirects[path] = ArticleRedirect.objects.create(old_path=path, article=article)
        elif redirect.article_id != article.pk:
            redirect.article = article
            redirect.save(update_fields=["article"])

    def _import_attachment(self, item, batch):
        mapping = batch.mapped.get(item.wp_id)
        url = item.attachment_url or item.guid
        data = {
            "alt": item.meta.get("_wp_attachment_image_alt", "").strip()[:300],
            "caption": plain_text(item.excerpt)[:500],
            "credit": attachment_credit(item.meta),
        }
        source_hash = fingerprint(item)
        if mapping is not None and mapping.source_hash == source_hash:
            self.report.count("attachments", "unchanged")
            return
        with transaction.atomic():
            if mapping is None:
                ImportedItem.objects.create(
                    site=self.site_key, kind=Kind.ATTACHMENT, wp_id=item.wp_id,
                    title=item.title[:255], url=url[:2000], data=data, source_hash=source_hash,
                )
                self.report.count("attachments", "created")
                return
            if mapping.url != url[:2000]:
                # Another file: it becomes another library image.
                mapping.media_file = mapping.media_error = ""
                mapping.content_type, mapping.object_id = None, None
            elif mapping.data != data or mapping.title != item.title[:255]:
                self.updated_attachments.add(item.wp_id)
            mapping.title, mapping.url, mapping.data = item.title[:255], url[:2000], data
            mapping.source_hash = source_hash
            mapping.save()
        self.report.count("attachments", "updated")

    # -- pictures: featured images and body images ----------------------------------

    def _import_media(self):
        self._redescribe_images()
        featured, self.pending_images = self.pending_images, []
        bodies, self.pending_bodies = self.pending_bodies, []
        if not featured and not bodies:
            return
        client = self.http_client
        owns_client = client is None and self.fetch_media
        if owns_client:
            client = httpx.Client(
                timeout=settings.WORDPRESS_MEDIA_TIMEOUT,
                follow_redirects=True,
                max_redirects=5,
                headers={"User-Agent": "newsroom-wordpress-import/1"},
            )
        try:
            for start in range(0, len(featured), 500):
                self._attach_images(featured[start : start + 500], client)
            for start in range(0, len(bodies), 200):
                self._attach_body_images(bodies[start : start + 200], client)
        finally:
            if owns_client:
                client.close()

    def _redescribe_images(self):
        """Attachments whose title, alt text, caption or credit changed: so do their images."""
        changed, self.updated_attachments = self.updated_attachments, set()
        if self.dry_run or not changed:
            return
        for attachment in self._mapped(Kind.ATTACHMENT, changed).values():
            if attachment.content_type_id != self.image_ct.pk or not attachment.object_id:
                continue
            image = LibraryImage.objects.filter(pk=attachment.object_id).first()
            if image is None:
                continue
            for name, value in _description(attachment).items():
                setattr(image, name, value)
            with transaction.atomic():
                image.save(update_fields=["title", "alt_text", "caption", "credit", "updated_at"])

    def _linked_image(self, attachment):
        """The library image an attachment became in an earlier run (or another export), or None."""
        if attachment.content_type_id == self.image_ct.pk and attachment.object_id:
            image = LibraryImage.objects.filter(pk=attachment.object_id).first()
            if image is not None:
                return image
        if attachment.media_file:
            image = LibraryImage.objects.filter(file=attachment.media_file).first()
            if image is not None:
                return image
        if attachment.url:
            return LibraryImage.objects.filter(source=attachment.url[:300]).first()
        return None

    def _library_image(self, attachment, client):
        """(library image, fetched now?) for an attachment; raises MediaError, or _NotFetched."""
        image = self._linked_image(attachment)
        fetched = image is None
        if image is None:
            if not self.fetch_media:
                raise _NotFetched
            content, extension = fetch_image(
                client, attachment.url,
                max_bytes=settings.WORDPRESS_MEDIA_MAX_BYTES,
                max_pixels=settings.IMAGE_MAX_PIXELS,
            )
            try:
                # The library's own checks: EXIF stripped, orientation applied, a safe name.
                upload = validate_upload(
                    ContentFile(content, name=_file_name(attachment.url, extension))
                )
            except ValidationError as exc:
                raise MediaError(" ".join(exc.messages)) from exc
            image = image_services.create_image(
                upload, source=attachment.url[:300], **_description(attachment)
            )
        if (attachment.content_type_id, attachment.object_id, attachment.media_file) != (
            self.image_ct.pk, image.pk, image.file.name
        ) or attachment.media_error:
            attachment.content_type_id, attachment.object_id = self.image_ct.pk, image.pk
            attachment.media_file, attachment.media_error = image.file.name, ""
            attachment.save(update_fields=["content_type", "object_id", "media_file",
                                           "media_error", "updated_at"])
        return image, fetched

    def _media_failed(self, attachment, exc):
        attachment.media_error = str(exc)[:500]
        attachment.save(update_fields=["media_error", "updated_at"])

    def _attach_images(self, pending, client):
        attachments = self._mapped(Kind.ATTACHMENT, [p[1] for p in pending])
        articles = Article.objects.in_bulk([p[0] for p in pending])
        for article_id, attachment_id, post_id, title in pending:
            article = articles.get(article_id)
            if article is None:
                continue
            attachment = attachments.get(attachment_id)
            if attachment is None:
                self.report.count("featured images", "failed")
                self.report.media_failures.append(Problem(
                    "post", post_id, title,
                    f"its featured image (attachment {attachment_id}) is not in the export",
                ))
                continue
            if (
                attachment.content_type_id == self.image_ct.pk
                and attachment.object_id
                and article.featured_image_id == attachment.object_id
            ):
                self.report.count("featured images", "unchanged")
                continue
            try:
                image, fetched = self._library_image(attachment, client)
            except _NotFetched:
                self.report.count("featured images", "skipped")
                continue
            except MediaError as exc:
                self._media_failed(attachment, exc)
                self.report.count("featured images", "failed")
                self.report.media_failures.append(
                    Problem("post", post_id, title,
                            f"featured image {attachment.url} not fetched: {exc}",
                            url=attachment.url)
                )
                continue
            if article.featured_image_id != image.pk:
                article.featured_image = image
                # The library image carries the attachment's caption; no per-story override.
                article.featured_image_caption = ""
                with transaction.atomic():
                    article.save(update_fields=[
                        "featured_image", "featured_image_caption", "updated_at",
                    ])
            self.report.count("featured images", "created" if fetched else "updated")

    def _attach_body_images(self, pending, client):
        """Old-site pictures in bodies become library images; the bodies then show those."""
        articles = Article.objects.in_bulk([p[0] for p in pending])
        by_id = self._mapped(
            Kind.ATTACHMENT, {wp_id for p in pending for wp_id in p[1].values() if wp_id}
        )
        urls = {u for p in pending for src in p[1] for u in (src[:2000], original_upload_url(src))}
        by_url = {
            m.url: m
            for m in ImportedItem.objects.filter(
                site=self.site_key, kind=Kind.ATTACHMENT, url__in=urls
            )
        }
        images = {}  # attachment wp_id -> library image, or None when it could not be had
        for article_id, refs, post_id, title in pending:
            article = articles.get(article_id)
            if article is None:
                continue
            new_src = {}
            for src, wp_id in refs.items():
                attachment = (
                    by_id.get(wp_id) or by_url.get(src) or by_url.get(original_upload_url(src))
                )
                if attachment is None:
                    continue  # a picture from elsewhere stays as it is
                if attachment.wp_id not in images:
                    images[attachment.wp_id] = self._body_image(attachment, client, post_id,
                                                                 title)
                image = images[attachment.wp_id]
                if image is not None:
                    new_src[src] = image.file.url
            if not new_src:
                continue
            body = bodyimages.replace_sources(article.body, new_src.get)
            if body != article.body:
                article.body = body
                with transaction.atomic():
                    article.save(update_fields=["body", "updated_at"])
                    article_services.sync_body_images(article)

    def _body_image(self, attachment, client, post_id, title):
        try:
            image, fetched = self._library_image(attachment, client)
        except _NotFetched:
            self.report.count("body images", "skipped")
            return None
        except MediaError as exc:
            self._media_failed(attachment, exc)
            self.report.count("body images", "failed")
            self.report.media_failures.append(
                Problem("post", post_id, title,
                        f"body image {attachment.url} not fetched: {exc}", url=attachment.url)
            )
            return None
        self.report.count("body images", "created" if fetched else "updated")
        return image


class _NotFetched(Exception):
    """The picture would have to be fetched, and fetching is off (--no-media, --dry-run)."""


def _keeps_slug(current, base):
    """True when `current` is `base` or the `-N` form an earlier import gave it."""
    if not current:
        return False
    return current == base or re.fullmatch(re.escape(base) + r"-\d+", current) is not None


def _int_or_none(value):
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def attachment_credit(meta):
    """The photographer credit WordPress read from the file (image_meta "credit"), or ""."""
    serialized = meta.get("_wp_attachment_metadata", "")
    match = _PHP_CREDIT.search(serialized)
    if match is None:
        return ""
    # PHP counts bytes, not characters.
    raw = serialized[match.end():].encode("utf-8")[: int(match[1])]
    return raw.decode("utf-8", errors="ignore").strip()[:200]


def body_image_refs(html):
    """{src: attachment wp_id or None} of the <img> in a post body as exported."""
    refs = {}
    for tag in _RAW_IMG.findall(html or ""):
        src = _RAW_SRC.search(tag)
        if src is None:
            continue
        url = unescape(src[1] if src[1] is not None else src[2]).strip()
        wp_image = _WP_IMAGE_CLASS.search(tag)
        if url:
            refs[url] = int(wp_image[1]) if wp_image else refs.get(url)
    return refs


def original_upload_url(url):
    """The address of the full-size upload that a resized copy was made from."""
    path = urlsplit(url).path
    stripped = _SIZE_SUFFIX.sub("", path)
    return url if stripped == path else url.replace(path, stripped, 1)


def _description(attachment):
    """A library image's title, alt text, caption and credit from a WordPress attachment."""
    data = attachment.data or {}
    return {
        "title": (attachment.title or _file_name(attachment.url, "")).strip()[:200] or "image",
        "alt_text": data.get("alt", "")[:300],
        "caption": data.get("caption", "")[:500],
        "credit": data.get("credit", "")[:200],
    }


def _valid_email(value):
    return bool(value) and "@" in value and len(value) <= 254


def _file_name(url, extension):
    name = PurePosixPath(unquote(urlsplit(url).path)).name or "image"
    stem = PurePosixPath(name).stem[:80] or "image"
    return f"{stem}.{extension}"


def _reason(exc):
    return f"{type(exc).__name__}: {exc}"[:500]


def import_wxr(source, **options):
    """Import the WXR file `source` (a path or binary file); return the ImportReport.

    Caches are purged once at the end (everything), not per imported row, and the
    tables it filled get fresh planner statistics (PostgreSQL): without them the
    public pages' statements are planned for empty tables until autovacuum runs,
    which may be never."""
    with purges.bulk():
        report = WordPressImporter(**options).run(source)
    if not options.get("dry_run"):
        analyze(Article, ArticleAuthor, TaggedItem, Tag, Category, Author, LibraryImage,
                ImportedItem, ArticleRedirect)
    return report


def analyze(*models):
    """ANALYZE the tables of `models` (PostgreSQL; nothing elsewhere)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
