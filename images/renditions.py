"""Renditions: the sizes, crops and formats cut from a library image, and the markup data.

A thin layer over Pillow rather than easy-thumbnails or sorl-thumbnail: crops
follow the image's focal point at fixed ratios, every size comes as a WebP and
JPEG pair, the Rendition table can be prefetched for a whole page in one query
(so a page's query count does not grow with its pictures), and generation runs
in a Celery task while pages fall back to the original file.

Reading (picture(), og_image(), thumbnail_url()) never generates anything and
never queries beyond image.renditions.all(): prefetch it with with_renditions(), or
for a page's few pictures with load_renditions() (one statement, no prefetch
bookkeeping).
"""

import io
import logging

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Prefetch
from PIL import Image as PILImage
from PIL import ImageOps

from .models import Image, Rendition
from .signals import renditions_changed

log = logging.getLogger(__name__)

WIDTHS = (320, 640, 960, 1280, 1920)
RATIOS = {"original": None, "16:9": 16 / 9, "1:1": 1.0, "1.91:1": 1.91}
FORMATS = ("webp", "jpeg")
MIME_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}
EXTENSIONS = {"webp": "webp", "jpeg": "jpg"}
# Open Graph / Twitter cards: 1200 wide at 1.91:1 (1200x628).
OG_RATIO, OG_WIDTH = "1.91:1", 1200
EXTRA_WIDTHS = {OG_RATIO: (OG_WIDTH,)}
# The <img src> for browsers without srcset: the widest size up to this.
DEFAULT_SRC_WIDTH = 960


# -- what an image should have -------------------------------------------------------


def focal_for(image, ratio):
    """The focal key a rendition of `ratio` is cut for; the uncropped ratio has none."""
    return "" if RATIOS[ratio] is None else image.focal_key


def crop_size(image, ratio):
    """(width, height) of the largest area of `ratio` inside the image."""
    aspect = RATIOS[ratio]
    width, height = image.width, image.height
    if aspect is None:
        return width, height
    if width / height > aspect:
        return max(1, round(height * aspect)), height
    return width, max(1, round(width / aspect))


def widths_for(image, ratio):
    """Widths to offer for `ratio`, never wider than the source; its own width is offered
    when it is narrower than the widest standard size."""
    available = crop_size(image, ratio)[0]
    wanted = sorted(set(WIDTHS) | set(EXTRA_WIDTHS.get(ratio, ())))
    widths = [w for w in wanted if w <= available]
    if available < wanted[-1] and available not in widths:
        widths.append(available)
    return widths


def height_for(image, ratio, width):
    crop_w, crop_h = crop_size(image, ratio)
    return max(1, round(width * crop_h / crop_w))


def wanted(image):
    """Every (ratio, width, format, focal) the image should have."""
    return {
        (ratio, width, fmt, focal_for(image, ratio))
        for ratio in RATIOS
        for width in widths_for(image, ratio)
        for fmt in FORMATS
    }


# -- generation ------------------------------------------------------------------------


def generate(image):
    """Create the missing renditions of `image` and delete outdated ones; returns how many
    were made. Safe to run twice or at once: the unique constraint keeps one of each."""
    existing = {
        (r.ratio, r.width, r.format, r.focal): r for r in Rendition.objects.filter(image=image)
    }
    wanted_keys = wanted(image)
    stale = [r for key, r in existing.items() if key not in wanted_keys]
    missing = sorted(wanted_keys - existing.keys())
    made = 0
    if missing:
        with image.file.open("rb") as handle:
            source = _load(handle.read())
        try:
            sizes = {}
            for ratio, width, fmt, focal in missing:
                sizes.setdefault((ratio, width, focal), []).append(fmt)
            for (ratio, width, focal), formats in sizes.items():
                # One resize serves both formats.
                picture = _resize(image, source, ratio, width)
                for fmt in formats:
                    made += _save(image, picture, ratio, fmt, focal)
        finally:
            source.close()
    if stale:
        _delete(stale)
    if made or stale:
        renditions_changed.send(sender=Image, image=image)
    return made


def _load(data):
    """The first frame, upright (uploads are already upright; imported files may not be)."""
    with PILImage.open(io.BytesIO(data)) as opened:
        opened.seek(0)
        opened.load()
        return ImageOps.exif_transpose(opened)


def _resize(image, source, ratio, width):
    size = (width, height_for(image, ratio, width))
    if RATIOS[ratio] is None:
        return source.resize(size, PILImage.Resampling.LANCZOS, reducing_gap=3.0)
    return ImageOps.fit(
        source, size, PILImage.Resampling.LANCZOS, centering=(image.focal_x, image.focal_y)
    )


def _save(image, picture, ratio, fmt, focal):
    """Store one rendition; 0 if another worker stored the same one first."""
    width, height = picture.size
    rendition = Rendition(
        image=image, ratio=ratio, width=width, height=height, format=fmt, focal=focal
    )
    # Short enough that safe_name() never cuts off the size that follows.
    stem = image.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0][:40]
    shape = "orig" if RATIOS[ratio] is None else ratio.replace(":", "x")
    point = f"-f{focal.replace('0.', '').replace(',', 'x')}" if focal else ""
    rendition.file.save(
        f"{stem}-{shape}-{width}w{point}.{EXTENSIONS[fmt]}",
        ContentFile(encode(picture, fmt)),
        save=False,
    )
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:
        # Another worker made the same one meanwhile; keep theirs.
        rendition.file.storage.delete(rendition.file.name)
        return 0
    return 1


def encode(picture, fmt):
    """WebP keeps transparency; JPEG is flattened on white. No metadata in either."""
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    )
    out = io.BytesIO()
    if fmt == "webp":
        picture = picture.convert("RGBA" if has_alpha else "RGB")
        picture.save(out, "WEBP", quality=settings.IMAGE_WEBP_QUALITY, method=4)
    else:
        if has_alpha:
            rgba = picture.convert("RGBA")
            flat = PILImage.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            picture = flat
        else:
            picture = picture.convert("RGB")
        picture.save(
            out, "JPEG", quality=settings.IMAGE_JPEG_QUALITY, optimize=True, progressive=True
        )
    return out.getvalue()


def _delete(renditions):
    names = [r.file.name for r in renditions]
    storage = Rendition._meta.get_field("file").storage
    Rendition.objects.filter(pk__in=[r.pk for r in renditions]).delete()
    transaction.on_commit(lambda: delete_files(storage, names))


def delete_files(storage, names):
    """Remove files from storage, logging (not raising) what could not be removed."""
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            log.warning("Could not delete %s from media storage", name, exc_info=True)


# The task (images/tasks.py) calls this module; this module asks for it by name.
GENERATE_TASK = "images.tasks.generate_renditions"


def queue(image):
    """Ask a worker for the image's renditions, at most once per IMAGE_RENDITION_REQUEUE_SECONDS."""
    key = f"images:renditions-queued:{image.pk}:{image.focal_key}"
    if image.pk and cache.add(key, 1, timeout=settings.IMAGE_RENDITION_REQUEUE_SECONDS):
        transaction.on_commit(lambda: current_app.tasks[GENERATE_TASK].delay(image.pk))


# -- reading: prefetching and markup data ---------------------------------------------


def with_renditions(*paths, ratios=None):
    """Prefetch objects for the renditions of the images at `paths` ("" = the queryset's
    own images): e.g. Article.objects.prefetch_related(*with_renditions("featured_image")).

    `ratios` limits the rows loaded to the ratios the page shows.
    """
    queryset = Rendition.objects.only(
        "id", "image_id", "ratio", "width", "height", "format", "file", "focal"
    )
    if ratios:
        queryset = queryset.filter(ratio__in=ratios)
    return [
        Prefetch(f"{path}__renditions" if path else "renditions", queryset=queryset)
        for path in paths or ("",)
    ]


def load_renditions(images, ratios=None):
    """Set the renditions of `images` (of `ratios` only, when given) as each one's
    prefetched `renditions`, in one statement: what
    prefetch_related_objects(images, *with_renditions(ratios=ratios)) does, without
    the ORM composing the statement and prefetch_related's bookkeeping (a test
    compares the two). The renditions come in the model's order."""
    images = [image for image in images if image is not None]
    if not images:
        return
    database = connections[router.db_for_read(Rendition)]
    ids = list(dict.fromkeys(image.pk for image in images))
    params = [*ids]
    where = f"image_id IN ({', '.join(['%s'] * len(ids))})"
    if ratios:
        where += f" AND ratio IN ({', '.join(['%s'] * len(ratios))})"
        params += list(ratios)
    quote = database.ops.quote_name
    fields = Rendition._meta.concrete_fields
    columns = ", ".join(f"r.{quote(field.column)}" for field in fields)
    order = ", ".join(quote(name) for name in Rendition._meta.ordering)
    sql = (
        f"SELECT {columns} FROM {Rendition._meta.db_table} r "  # nosec B608 # noqa: S608
        f"WHERE {where} ORDER BY {order}, r.id"
    )
    with database.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Integers, text and a file name: no column needs converting (as the ORM would on
    # SQLite for dates or JSON), so rows make instances as they come.
    names = [field.attname for field in fields]
    found = [Rendition.from_db(database.alias, names, row) for row in rows]
    by_image = {}
    for rendition in found:
        by_image.setdefault(rendition.image_id, []).append(rendition)
    for image in images:
        # As prefetch_related leaves them: image.renditions.all() answers from these.
        renditions = image.renditions.all()
        renditions._result_cache = by_image.get(image.pk, [])
        renditions._prefetch_done = True
        image.__dict__.setdefault("_prefetched_objects_cache", {})["renditions"] = renditions


def _current(image, ratio):
    focal = focal_for(image, ratio)
    return [r for r in image.renditions.all() if r.ratio == ratio and r.focal == focal]


def _srcset(renditions):
    return ", ".join(f"{r.file.url} {r.width}w" for r in sorted(renditions, key=lambda r: r.width))


def picture(image, ratio="original", *, sizes="100vw", alt=None, queue_missing=True):
    """What a <picture> needs, from the prefetched renditions of `image`.

    Returns a dict: sources ([{type, srcset}], WebP first), src, srcset, sizes, width,
    height (the intrinsic size of the chosen ratio, so the page reserves the space),
    alt and fallback (True when the original file stands in for missing renditions,
    which are then queued for generation).
    """
    if ratio not in RATIOS:
        raise ValueError(f"Unknown ratio {ratio!r}; use one of {', '.join(RATIOS)}.")
    alt = image.alt_text if alt is None else alt
    found = _current(image, ratio)
    by_format = {fmt: [r for r in found if r.format == fmt] for fmt in FORMATS}
    jpegs = by_format["jpeg"]
    if len(found) < len(widths_for(image, ratio)) * len(FORMATS) and queue_missing:
        queue(image)
    if not jpegs:
        return {
            "sources": [],
            "src": image.file.url,
            "srcset": "",
            "sizes": "",
            "width": image.width,
            "height": image.height,
            "alt": alt,
            "fallback": True,
        }
    widest = max(jpegs, key=lambda r: r.width)
    default = max(
        (r for r in jpegs if r.width <= DEFAULT_SRC_WIDTH),
        key=lambda r: r.width,
        default=min(jpegs, key=lambda r: r.width),
    )
    sources = []
    if by_format["webp"]:
        sources.append({"type": MIME_TYPES["webp"], "srcset": _srcset(by_format["webp"])})
    return {
        "sources": sources,
        "src": default.file.url,
        "srcset": _srcset(jpegs),
        "sizes": sizes,
        "width": widest.width,
        "height": widest.height,
        "alt": alt,
        "fallback": False,
    }


def og_image(image):
    """(url, width, height) for og:image: the 1.91:1 JPEG 1200 wide (or the widest there
    is), else the original file while the renditions are queued."""
    jpegs = [r for r in _current(image, OG_RATIO) if r.format == "jpeg"]
    if jpegs:
        exact = [r for r in jpegs if r.width == OG_WIDTH]
        best = exact[0] if exact else max(jpegs, key=lambda r: r.width)
        return best.file.url, best.width, best.height
    queue(image)
    return image.file.url, image.width, image.height


def thumbnail_url(image, width=320):
    """A small picture for the admin: the narrowest uncropped JPEG >= `width`, else the original."""
    jpegs = sorted(
        (r for r in _current(image, "original") if r.format == "jpeg"), key=lambda r: r.width
    )
    for rendition in jpegs:
        if rendition.width >= width:
            return rendition.file.url
    return jpegs[-1].file.url if jpegs else image.file.url
