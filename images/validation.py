"""Upload safety: what an uploaded file must be before it joins the library.

The type is read from the content by Pillow, never from the name or the
browser's content type; size and pixel count are limited before any pixel is
decoded; EXIF is dropped except the credit fields, and the orientation is
applied to the pixels so no reader depends on the tag.
"""

import io
import re
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import ImageOps, ImageSequence, IptcImagePlugin

# Pillow's format name -> the extension stored files get.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
ALLOWED = "a JPEG, PNG, GIF or WebP image"

# EXIF tags kept in the stored file (and offered as the credit).
EXIF_ARTIST = 0x013B
EXIF_COPYRIGHT = 0x8298
# IPTC By-line and Copyright Notice.
IPTC_BYLINE = (2, 80)
IPTC_COPYRIGHT = (2, 116)
_XMP_CREATOR = re.compile(rb"<dc:creator>.*?<rdf:li[^>]*>([^<]{1,200})</rdf:li>", re.DOTALL)
_SNIFF_SVG = re.compile(rb"<svg[\s>]|<!doctype svg", re.IGNORECASE)
JPEG_MASTER_QUALITY = 92


@dataclass
class CleanUpload:
    """A checked upload: the file to store and what was learnt from it."""

    file: ContentFile  # named "<safe stem>-<random>.<real extension>"
    format: str  # "JPEG", "PNG", "GIF" or "WEBP"
    width: int
    height: int
    credit: str = ""  # from EXIF Artist/Copyright, IPTC or XMP, for the form to pre-fill
    original_name: str = ""

    @property
    def title(self):
        """A title made from the uploader's file name ("Ügly_Name (1).JPG" -> "Ügly Name (1)")."""
        stem = _split(self.original_name.replace("\\", "/").rsplit("/", 1)[-1])[0]
        return re.sub(r"[_\s]+", " ", stem).strip()[:200] or "Untitled image"


def _split(filename):
    stem, dot, ext = filename.rpartition(".")
    return (stem, ext) if dot else (ext, "")


def safe_name(filename):
    """An ASCII, lower-case file name: "Ügly Name (1).JPG" -> "ugly-name-1.jpg"."""
    stem, ext = _split(filename.replace("\\", "/").rsplit("/", 1)[-1])
    stem = slugify(stem)[:80].strip("-_") or "image"
    ext = re.sub(r"[^a-z0-9]", "", ext.lower())[:5]
    return f"{stem}.{ext}" if ext else stem


def normalised_name(filename, extension):
    """A fresh upload name: the safe stem, a short random suffix and the real extension."""
    stem, _ = _split(safe_name(filename))
    return f"{stem}-{secrets.token_hex(3)}.{extension}"


def validate_upload(uploaded_file):
    """Check an uploaded file and return a CleanUpload; raise ValidationError saying why not."""
    max_bytes = settings.IMAGE_MAX_BYTES
    size = uploaded_file.size
    if not size:
        raise ValidationError("The uploaded file is empty.", code="empty")
    if size > max_bytes:
        raise ValidationError(
            f"The file is {filesizeformat(size)}; images may be at most "
            f"{filesizeformat(max_bytes)}. Make it smaller first.",
            code="too_big",
        )
    uploaded_file.seek(0)
    data = uploaded_file.read()
    original_name = getattr(uploaded_file, "name", "") or "image"
    if _SNIFF_SVG.search(data[:4096]):
        raise ValidationError(
            "SVG images cannot be uploaded: they can carry scripts. "
            f"Export the picture as PNG and upload that ({ALLOWED}).",
            code="svg",
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, past its own pixel limit; both are refusals here.
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            return _clean(data, original_name)
    except ValidationError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as error:
        raise ValidationError(
            "The image declares too many pixels to be opened safely.", code="bomb"
        ) from error
    except Exception as error:  # Pillow raises many types on bad or damaged input
        raise ValidationError(
            f"This file is not an image that can be read (or it is damaged). Upload {ALLOWED}.",
            code="unreadable",
        ) from error


def _clean(data, original_name):
    with PILImage.open(io.BytesIO(data)) as image:
        kind = image.format
        if kind not in EXTENSIONS:
            raise ValidationError(f"{kind} images cannot be used; upload {ALLOWED}.", code="type")
        width, height = image.size
        frames = getattr(image, "n_frames", 1)
        max_pixels = settings.IMAGE_MAX_PIXELS
        if width * height > max_pixels or width * height * frames > max_pixels * 4:
            raise ValidationError(
                f"The image is {width}×{height} pixels"
                + (f" in {frames} frames" if frames > 1 else "")
                + f"; images may have at most {max_pixels / 1_000_000:g} million pixels. "
                "Make it smaller first.",
                code="pixels",
            )
        credit = _credit(image)
        if kind == "GIF":
            content, (width, height) = _reencode_gif(image)
        else:
            content, (width, height) = _reencode(image, kind, credit)
    extension = EXTENSIONS[kind]
    clean = ContentFile(content, name=normalised_name(original_name, extension))
    return CleanUpload(
        file=clean,
        format=kind,
        width=width,
        height=height,
        credit=_credit_line(credit),
        original_name=original_name,
    )


def _reencode_gif(image):
    """The frames' pixels alone, as a new GIF: animation, frame times and loop kept.

    Nothing of the uploaded bytes survives: no comment or application extension,
    nothing after the trailer, so no HTML or script riding along (a GIF/HTML polyglot).
    """
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        # Whole frames (Pillow composes each over the ones before), without their info:
        # a frame's info carries the file's comment, which Pillow would write back.
        pixels = frame.convert("RGBA")
        pixels.info = {}
        frames.append(pixels)
        durations.append(frame.info.get("duration", image.info.get("duration", 100)))
    options = {}
    if len(frames) > 1:
        options.update(
            save_all=True,
            append_images=frames[1:],
            duration=durations,
            loop=image.info.get("loop", 0),
            # Each frame is whole: clear it away before drawing the next, so a
            # transparent pixel never shows the frame before.
            disposal=2,
        )
    out = io.BytesIO()
    frames[0].save(out, "GIF", **options)
    return out.getvalue(), frames[0].size


def _reencode(image, kind, credit):
    """The pixels alone, upright, with only the credit fields as EXIF."""
    animated = getattr(image, "is_animated", False)
    if animated:
        # Animated WebP: every frame, no metadata. Orientation tags on animations are unheard of.
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
        out = io.BytesIO()
        frames[0].save(
            out,
            "WEBP",
            save_all=True,
            append_images=frames[1:],
            quality=90,
            duration=image.info.get("duration", 100),
            loop=image.info.get("loop", 0),
        )
        return out.getvalue(), frames[0].size
    image.load()
    upright = ImageOps.exif_transpose(image)
    options = {}
    icc = image.info.get("icc_profile")
    if icc:
        options["icc_profile"] = icc
    exif = PILImage.Exif()
    if credit.get("artist"):
        exif[EXIF_ARTIST] = credit["artist"]
    if credit.get("copyright"):
        exif[EXIF_COPYRIGHT] = credit["copyright"]
    if len(exif):
        options["exif"] = exif.tobytes()
    if kind == "JPEG":
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        options.update(quality=JPEG_MASTER_QUALITY, optimize=True)
    elif kind == "WEBP":
        options.update(lossless=bool(image.info.get("lossless")), quality=90)
    elif kind == "PNG" and "transparency" in image.info and upright.mode in ("P", "L", "RGB"):
        options["transparency"] = image.info["transparency"]
    out = io.BytesIO()
    upright.save(out, kind, **options)
    return out.getvalue(), upright.size


def _text(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).replace("\x00", " ").split())[:200]


def _credit(image):
    """Artist and copyright from EXIF, else IPTC, else XMP's dc:creator."""
    found = {}
    try:
        exif = image.getexif()
        found["artist"] = _text(exif.get(EXIF_ARTIST, ""))
        found["copyright"] = _text(exif.get(EXIF_COPYRIGHT, ""))
    except Exception:  # noqa: S110 - damaged EXIF only costs the suggestion
        pass
    if not (found.get("artist") or found.get("copyright")) and image.format == "JPEG":
        try:
            iptc = IptcImagePlugin.getiptcinfo(image) or {}
        except Exception:
            iptc = {}
        for key, name in ((IPTC_BYLINE, "artist"), (IPTC_COPYRIGHT, "copyright")):
            value = iptc.get(key)
            if isinstance(value, list):
                value = value[0] if value else ""
            if value:
                found[name] = _text(value)
    if not found.get("artist"):
        xmp = image.info.get("xmp") or b""
        if isinstance(xmp, str):
            xmp = xmp.encode()
        match = _XMP_CREATOR.search(xmp)
        if match:
            found["artist"] = _text(match.group(1))
    return {k: v for k, v in found.items() if v}


def _credit_line(credit):
    """One credit line: "Artist / Copyright", or whichever says more."""
    artist, holder = credit.get("artist", ""), credit.get("copyright", "")
    if artist and holder and artist.lower() not in holder.lower():
        return f"{artist} / {holder}"[:200]
    return holder or artist
