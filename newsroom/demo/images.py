"""Pictures for demo content, drawn locally with Pillow (no network, no stock photos).

Each picture is a deterministic function of a key (an article or author slug):
the same slug always gives the same bytes, so re-seeding on another machine
gives the same-looking site.
"""

import hashlib
import io
import math
import random

from PIL import Image, ImageDraw, ImageFont

ARTICLE_SIZE = (1600, 900)
PORTRAIT_SIZE = (400, 400)

# Pairs chosen to look calm side by side on a news page (no neon).
PALETTES = [
    ((20, 52, 94), (217, 119, 54)),  # navy / apricot
    ((31, 78, 61), (226, 190, 92)),  # forest / wheat
    ((88, 28, 52), (236, 160, 120)),  # plum / peach
    ((36, 36, 60), (110, 160, 210)),  # night / sky
    ((120, 40, 30), (242, 204, 143)),  # brick / sand
    ((14, 90, 110), (200, 230, 220)),  # teal / mist
    ((60, 60, 64), (230, 110, 90)),  # slate / coral
    ((70, 40, 110), (240, 200, 120)),  # violet / gold
]
COLOUR_NAMES = [
    "navy and apricot",
    "green and wheat",
    "plum and peach",
    "dark blue and sky blue",
    "brick red and sand",
    "teal and pale green",
    "slate grey and coral",
    "violet and gold",
]


def _rng(key):
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - not for security


def palette_index(key):
    """Which palette `key` draws with (also names the colours in alt text)."""
    return _rng(key).randrange(len(PALETTES))


def describe(key):
    """Alt text for the picture of `key`: what a reader who cannot see it would be told."""
    return f"Abstract illustration: circles and bands in {COLOUR_NAMES[palette_index(key)]}."


def _gradient(size, start, end, angle):
    # Pillow's 256x256 ramp, rotated and stretched, costs milliseconds where a
    # per-pixel loop over 1.4 million pixels would cost seconds.
    ramp = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    ramp = ramp.crop(_inscribed_square(ramp.size, angle)).resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, end), Image.new("RGB", size, start), ramp)


def _inscribed_square(size, angle):
    # The largest square inside the rotated ramp: its corners would otherwise
    # show the black fill that rotate() adds.
    theta = math.radians(angle)
    side = 256 / (abs(math.cos(theta)) + abs(math.sin(theta))) - 2
    width, height = size
    left, top = (width - side) / 2, (height - side) / 2
    return (math.ceil(left), math.ceil(top), int(left + side), int(top + side))


def _shapes(image, rng, light, count):
    width, height = image.size
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for _ in range(count):
        radius = rng.randint(height // 10, height // 3)
        x, y = rng.randint(0, width), rng.randint(0, height)
        alpha = rng.randint(40, 110)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*light, alpha))
    for _ in range(rng.randint(2, 4)):
        top = rng.randint(0, height)
        band = rng.randint(height // 40, height // 12)
        draw.rectangle((0, top, width, top + band), fill=(255, 255, 255, rng.randint(20, 60)))
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def _jpeg(image):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()


def article_image(key):
    """JPEG bytes of a 1600x900 picture for the article with slug `key`."""
    rng = _rng(key)
    dark, light = PALETTES[rng.randrange(len(PALETTES))]
    image = _gradient(ARTICLE_SIZE, dark, light, angle=rng.choice([0, 30, 45, 60, 120, 150]))
    return _jpeg(_shapes(image, rng, light, count=rng.randint(4, 8)))


def portrait(key, initials):
    """JPEG bytes of a 400x400 monogram for the author with slug `key`."""
    rng = _rng(key)
    dark, light = PALETTES[rng.randrange(len(PALETTES))]
    image = _shapes(_gradient(PORTRAIT_SIZE, dark, light, angle=45), rng, light, count=3)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=150)
    box = draw.textbbox((0, 0), initials, font=font)
    x = (PORTRAIT_SIZE[0] - (box[2] - box[0])) / 2 - box[0]
    y = (PORTRAIT_SIZE[1] - (box[3] - box[1])) / 2 - box[1]
    draw.text((x, y), initials, font=font, fill=(255, 255, 255))
    return _jpeg(image)
