"""Upload safety: what an uploaded file must be before it joins the library."""

import re
import secrets

from django.utils.text import slugify

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


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
