"""WordPress attachments become library images: featured images and body pictures.

During the import of the posts, `MediaImporter` records each attachment item
(`record_attachment`) and is told which articles want a featured image or show
old-site pictures in their bodies. After the posts, `run()` fetches what the
library does not have yet -- outside any transaction: the network must never
hold a database transaction open -- makes one library image per attachment
(found again by its ImportedItem or source URL on later runs), and points the
articles and their body <img> at those images.
"""

import re
from io import BytesIO
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import httpx
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from articles import bodyimages
from articles import services as article_services
from articles.html import plain_text
from articles.models import Article
from images import services as image_services
from images.models import Image as LibraryImage
from images.validation import validate_upload

from .models import ImportedItem
from .report import Problem
from .wxr_values import fingerprint

Kind = ImportedItem.Kind
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
# WordPress's resized copies: photo-300x200.jpg is a size of photo.jpg.
_SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")
_PHP_CREDIT = re.compile(r's:6:"credit";s:(\d+):"')


class MediaError(Exception):
    """An attachment's URL did not give a usable image."""


class _NotFetched(Exception):
    """The picture would have to be fetched, and fetching is off (--no-media, --dry-run)."""


def fetch_image(client, url, *, max_bytes, max_pixels):
    """The bytes and file extension of the image at `url`; MediaError says why not."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise MediaError("not an http(s) URL")
    return checked_image(_download(client, url, max_bytes=max_bytes), max_pixels=max_pixels)


def read_upload(uploads_dir, url, *, max_bytes, max_pixels):
    """The bytes and file extension of `url`'s file in a copy of wp-content/uploads.

    WordPress stores an upload at uploads/<yyyy>/<mm>/<name> and links it as
    <site>/wp-content/uploads/<yyyy>/<mm>/<name>: the part after "uploads/" is the
    file's place in the copy. A resized copy (photo-300x200.jpg) missing from the copy
    is read from its original (photo.jpg)."""
    relative = upload_path(url)
    if relative is None:
        raise MediaError("not an address under wp-content/uploads/")
    root = Path(uploads_dir).resolve()
    candidates = [relative]
    original = upload_path(original_upload_url(url))
    if original != relative:
        candidates.append(original)
    for candidate in candidates:
        path = (root / candidate).resolve()
        if not path.is_relative_to(root):
            raise MediaError("its path leaves the uploads directory")
        if path.is_file():
            if path.stat().st_size > max_bytes:
                raise MediaError(f"the file is larger than {max_bytes} bytes")
            return checked_image(path.read_bytes(), max_pixels=max_pixels)
    raise MediaError(f"missing from the uploads copy: {relative}")


def upload_path(url):
    """'2024/03/photo.jpg' for <site>/wp-content/uploads/2024/03/photo.jpg, else None."""
    path = unquote(urlsplit(url).path)
    marker = "/uploads/"
    if marker not in path:
        return None
    relative = path.split(marker, 1)[1].strip("/")
    return relative or None


def _download(client, url, *, max_bytes):
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
    return data


def checked_image(data, *, max_pixels):
    """(bytes, extension) of image file bytes that Pillow reads; MediaError says why not."""
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


def attachment_credit(meta):
    """The photographer credit WordPress read from the file (image_meta "credit"), or ""."""
    serialized = meta.get("_wp_attachment_metadata", "")
    match = _PHP_CREDIT.search(serialized)
    if match is None:
        return ""
    # PHP counts bytes, not characters.
    raw = serialized[match.end() :].encode("utf-8")[: int(match[1])]
    return raw.decode("utf-8", errors="ignore").strip()[:200]


def original_upload_url(url):
    """The address of the full-size upload that a resized copy was made from."""
    path = urlsplit(url).path
    stripped = _SIZE_SUFFIX.sub("", path)
    return url if stripped == path else url.replace(path, stripped, 1)


class MediaImporter:
    """The attachments of one import run and the pictures the imported posts want."""

    def __init__(
        self,
        report,
        ledger,
        *,
        fetch_media=True,
        dry_run=False,
        http_client=None,
        uploads_dir=None,
        media_url=None,
    ):
        self.report = report
        # Where the old site's files answer now (its domain may already point here).
        self.media_url = (media_url or "").rstrip("/")
        # A copy of the old site's wp-content/uploads: pictures are read there, not fetched.
        self.uploads_dir = uploads_dir
        self.ledger = ledger
        self.fetch_media = fetch_media
        self.dry_run = dry_run
        self.http_client = http_client
        self.pending_images = []  # (article pk, attachment wp_id, post wp_id, title)
        self.pending_bodies = []  # (article pk, {src: attachment wp_id or None}, post wp_id, title)
        self.updated_attachments = set()  # wp_ids whose alt/caption/credit changed in this run
        self.image_ct = ContentType.objects.get_for_model(LibraryImage)

    # -- while the posts are imported -------------------------------------------------

    def record_attachment(self, item, mapping):
        """Create or update the ImportedItem of an attachment item (`mapping`, if any)."""
        url = item.attachment_url or item.guid
        data = {
            "alt": item.meta.get("_wp_attachment_image_alt", "").strip()[:300],
            "caption": plain_text(item.excerpt)[:500],
            "credit": attachment_credit(item.meta),
            # Its page (/?attachment_id=, .../attachment/<name>/) moves to this post's story.
            "parent": item.post_parent or None,
        }
        source_hash = fingerprint(item)
        if mapping is not None and mapping.source_hash == source_hash:
            self.report.count("attachments", "unchanged")
            return
        with transaction.atomic():
            if mapping is None:
                ImportedItem.objects.create(
                    site=self.ledger.site,
                    kind=Kind.ATTACHMENT,
                    wp_id=item.wp_id,
                    title=item.title[:255],
                    url=url[:2000],
                    data=data,
                    source_hash=source_hash,
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

    def want_featured_image(self, article_id, attachment_id, post_id, title):
        """The article (of post `post_id`) gets attachment `attachment_id` as featured image."""
        self.pending_images.append((article_id, attachment_id, post_id, title))

    def want_body_images(self, article_id, refs, post_id, title):
        """The article's body shows `refs` ({src: attachment wp_id or None})."""
        self.pending_bodies.append((article_id, refs, post_id, title))

    # -- after the posts: featured images and body images -------------------------------

    def run(self):
        self._redescribe_images()
        featured, self.pending_images = self.pending_images, []
        bodies, self.pending_bodies = self.pending_bodies, []
        if not featured and not bodies:
            return
        client = self.http_client
        owns_client = client is None and self.fetch_media and not self.uploads_dir
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
        for attachment in self.ledger.mapped(Kind.ATTACHMENT, changed).values():
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
            limits = {
                "max_bytes": settings.WORDPRESS_MEDIA_MAX_BYTES,
                "max_pixels": settings.IMAGE_MAX_PIXELS,
            }
            if self.uploads_dir:
                content, extension = read_upload(self.uploads_dir, attachment.url, **limits)
            elif not self.fetch_media:
                raise _NotFetched
            else:
                content, extension = fetch_image(client, self._fetch_url(attachment.url), **limits)
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
            self.image_ct.pk,
            image.pk,
            image.file.name,
        ) or attachment.media_error:
            attachment.content_type_id, attachment.object_id = self.image_ct.pk, image.pk
            attachment.media_file, attachment.media_error = image.file.name, ""
            attachment.save(
                update_fields=[
                    "content_type",
                    "object_id",
                    "media_file",
                    "media_error",
                    "updated_at",
                ]
            )
        return image, fetched

    def _fetch_url(self, url):
        """`url` on the --media-url host: the old site's address replaced by it."""
        if not self.media_url:
            return url
        site = self.ledger.site.rstrip("/")
        if site and url.lower().startswith(site + "/"):
            return self.media_url + url[len(site) :]
        parts = urlsplit(url)
        return self.media_url + parts.path + (f"?{parts.query}" if parts.query else "")

    def _media_failed(self, attachment, exc):
        attachment.media_error = str(exc)[:500]
        attachment.save(update_fields=["media_error", "updated_at"])

    def _attach_images(self, pending, client):
        attachments = self.ledger.mapped(Kind.ATTACHMENT, [p[1] for p in pending])
        articles = Article.objects.in_bulk([p[0] for p in pending])
        for article_id, attachment_id, post_id, title in pending:
            article = articles.get(article_id)
            if article is None:
                continue
            attachment = attachments.get(attachment_id)
            if attachment is None:
                self.report.count("featured images", "failed")
                self.report.media_failures.append(
                    Problem(
                        "post",
                        post_id,
                        title,
                        f"its featured image (attachment {attachment_id}) is not in the export",
                    )
                )
                continue
            if (
                attachment.content_type_id == self.image_ct.pk
                and attachment.object_id
                and article.featured_image_id == attachment.object_id
            ):
                self.report.count("featured images", "unchanged")
                continue
            got = self._post_image(attachment, client, "featured image", post_id, title)
            if got is None:
                continue
            image, fetched = got
            if article.featured_image_id != image.pk:
                article.featured_image = image
                # The library image carries the attachment's caption; no per-story override.
                article.featured_image_caption = ""
                with transaction.atomic():
                    article.save(
                        update_fields=[
                            "featured_image",
                            "featured_image_caption",
                            "updated_at",
                        ]
                    )
            self.report.count("featured images", "created" if fetched else "updated")

    def _attach_body_images(self, pending, client):
        """Old-site pictures in bodies become library images; the bodies then show those."""
        articles = Article.objects.in_bulk([p[0] for p in pending])
        by_id = self.ledger.mapped(
            Kind.ATTACHMENT, {wp_id for p in pending for wp_id in p[1].values() if wp_id}
        )
        urls = {u for p in pending for src in p[1] for u in (src[:2000], original_upload_url(src))}
        by_url = {
            m.url: m
            for m in ImportedItem.objects.filter(
                site=self.ledger.site, kind=Kind.ATTACHMENT, url__in=urls
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
                    images[attachment.wp_id] = self._body_image(attachment, client, post_id, title)
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
        got = self._post_image(attachment, client, "body image", post_id, title)
        if got is None:
            return None
        image, fetched = got
        self.report.count("body images", "created" if fetched else "updated")
        return image

    def _post_image(self, attachment, client, what, post_id, title):
        """(library image, fetched now) for a post's `what` ("featured image", "body
        image"), or None, counted and reported, when it was skipped or could not be fetched."""
        try:
            return self._library_image(attachment, client)
        except _NotFetched:
            self.report.count(f"{what}s", "skipped")
        except MediaError as exc:
            self._media_failed(attachment, exc)
            self.report.count(f"{what}s", "failed")
            self.report.media_failures.append(
                Problem(
                    "post",
                    post_id,
                    title,
                    f"{what} {attachment.url} not "
                    f"{'found' if self.uploads_dir else 'fetched'}: {exc}",
                    url=attachment.url,
                )
            )
        return None


def _description(attachment):
    """A library image's title, alt text, caption and credit from a WordPress attachment."""
    data = attachment.data or {}
    return {
        "title": (attachment.title or _file_name(attachment.url, "")).strip()[:200] or "image",
        "alt_text": data.get("alt", "")[:300],
        "caption": data.get("caption", "")[:500],
        "credit": data.get("credit", "")[:200],
    }


def _file_name(url, extension):
    name = PurePosixPath(unquote(urlsplit(url).path)).name or "image"
    stem = PurePosixPath(name).stem[:80] or "image"
    return f"{stem}.{extension}"
