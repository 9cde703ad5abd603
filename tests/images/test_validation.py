"""Uploads are checked by content: type, size, pixel count, metadata, names."""

import io
import os
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image as PILImage
from PIL.PngImagePlugin import PngInfo

from images.validation import safe_name, validate_upload
from tests.images.conftest import image_bytes, upload


def refusal(file):
    with pytest.raises(ValidationError) as caught:
        validate_upload(file)
    return " ".join(caught.value.messages)


def test_a_text_file_named_jpg_is_refused():
    message = refusal(upload(b"just some words, not a picture\n" * 20, name="holiday.jpg"))
    assert "not an image" in message


def test_an_svg_is_refused_with_the_reason():
    svg = (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
    )
    message = refusal(upload(svg, name="logo.svg"))
    assert "SVG" in message and "PNG" in message


def test_an_svg_renamed_png_is_refused_too():
    assert "SVG" in refusal(upload(b"<svg onload='alert(1)'></svg>", name="logo.png"))


def test_an_unsupported_image_type_is_refused():
    assert "JPEG, PNG, GIF or WebP" in refusal(upload(image_bytes("BMP"), name="x.bmp"))


def _png_declaring(width, height):
    """A tiny PNG whose header declares width x height pixels (a decompression bomb)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_a_png_decompression_bomb_is_refused_before_decoding():
    bomb = _png_declaring(30000, 30000)
    assert len(bomb) < 1000
    message = refusal(upload(bomb, name="bomb.png"))
    assert "30000×30000" in message or "too many pixels" in message


def test_the_pixel_limit_follows_the_setting(settings):
    settings.IMAGE_MAX_PIXELS = 1000
    message = refusal(upload(image_bytes(size=(100, 100))))
    assert "100×100 pixels" in message and "at most" in message


def test_a_file_over_the_byte_limit_is_refused(settings):
    settings.IMAGE_MAX_BYTES = 1024
    noise = PILImage.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 1024
    message = refusal(upload(buffer.getvalue(), name="big.png"))
    assert re.search(r"The file is [\d.]+\xa0KB; images may be at most 1\.0\xa0KB", message)


def test_a_truncated_jpeg_is_refused():
    whole = image_bytes("JPEG", size=(400, 300), color="blue")
    assert "damaged" in refusal(upload(whole[: len(whole) // 2], name="cut.jpg"))


def test_an_empty_file_is_refused():
    assert "empty" in refusal(upload(b"", name="nothing.jpg"))


def _rotated_jpeg_with_metadata():
    """40x20: red left half, blue right half; EXIF says "rotate 90° clockwise" (6)."""
    picture = PILImage.new("RGB", (40, 20), "red")
    picture.paste((0, 0, 255), (20, 0, 40, 20))
    exif = PILImage.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS 5D"  # Model
    exif[0x013B] = "Ani Petrosyan"  # Artist
    exif[0x8298] = "Photolure"  # Copyright
    exif[0x8825] = {1: "N", 2: (40.0, 10.0, 30.0), 3: "E", 4: (44.0, 30.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def test_exif_orientation_is_applied_to_the_pixels_and_the_tag_removed():
    clean = validate_upload(upload(_rotated_jpeg_with_metadata(), name="portrait.jpg"))
    stored = PILImage.open(io.BytesIO(clean.file.read()))
    assert stored.size == (20, 40) == (clean.width, clean.height)
    red, blue = stored.getpixel((10, 5)), stored.getpixel((10, 35))
    assert red[0] > 200 and red[2] < 60  # the left half is now on top
    assert blue[2] > 200 and blue[0] < 60
    assert 0x0112 not in stored.getexif()


def test_gps_and_camera_exif_are_dropped_and_credit_kept():
    clean = validate_upload(upload(_rotated_jpeg_with_metadata(), name="portrait.jpg"))
    exif = PILImage.open(io.BytesIO(clean.file.read())).getexif()
    assert 0x8825 not in exif and 0x010F not in exif and 0x0110 not in exif
    assert exif.get_ifd(0x8825) == {}
    assert exif[0x013B] == "Ani Petrosyan" and exif[0x8298] == "Photolure"
    assert clean.credit == "Ani Petrosyan / Photolure"


def test_png_metadata_is_dropped_and_transparency_kept():
    picture = PILImage.new("RGBA", (10, 10), (255, 0, 0, 0))
    info = PngInfo()
    info.add_text("Comment", "home address here")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", pnginfo=info)
    clean = validate_upload(upload(buffer.getvalue(), name="icon.png"))
    stored = PILImage.open(io.BytesIO(clean.file.read()))
    assert "Comment" not in stored.info
    assert stored.mode == "RGBA" and stored.getpixel((0, 0))[3] == 0


def test_type_comes_from_content_not_name():
    clean = validate_upload(upload(image_bytes("PNG"), name="really-a-png.jpg"))
    assert clean.format == "PNG"
    assert clean.file.name.endswith(".png")


def test_file_names_are_normalised_with_a_random_suffix():
    clean = validate_upload(upload(image_bytes("JPEG"), name="Ügly Name (1).JPG"))
    assert re.fullmatch(r"ugly-name-1-[0-9a-f]{6}\.jpg", clean.file.name)
    assert clean.title == "Ügly Name (1)"
    other = validate_upload(upload(image_bytes("JPEG"), name="Ügly Name (1).JPG"))
    assert other.file.name != clean.file.name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Фото.jpeg", "image.jpeg"),
        ("no extension", "no-extension"),
        ("Ереван 2024.PNG", "2024.png"),
    ],
)
def test_safe_name_is_plain_ascii_without_paths(given, expected):
    assert safe_name(given) == expected


def test_an_animated_gif_is_kept_whole():
    frames = [PILImage.new("RGB", (20, 20), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    clean = validate_upload(upload(buffer.getvalue(), name="anim.gif"))
    assert clean.format == "GIF"
    assert PILImage.open(io.BytesIO(clean.file.read())).n_frames == 3


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _animated_gif(**options):
    frames = [PILImage.new("RGB", (20, 20), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 250, 400],
        loop=0,
        **options,
    )
    return buffer.getvalue()


@pytest.mark.parametrize("animated", [True, False])
def test_a_gif_html_polyglot_is_stored_without_its_html(animated):
    # A valid GIF with the HTML in a comment extension and again after the trailer:
    # stored byte for byte, a browser sniffing it could run the script.
    if animated:
        data = _animated_gif(comment=HTML)
    else:
        buffer = io.BytesIO()
        PILImage.new("RGB", (20, 20), "red").save(buffer, "GIF", comment=HTML)
        data = buffer.getvalue()
    polyglot = data + HTML
    assert PILImage.open(io.BytesIO(polyglot)).format == "GIF"
    assert polyglot.count(b"<script>") == 2

    clean = validate_upload(upload(polyglot, name="funny.gif"))
    stored = clean.file.read()
    assert b"<script" not in stored.lower() and b"<html" not in stored.lower()
    assert b"alert" not in stored
    assert stored.endswith(b"\x3b")  # the GIF trailer is the last byte
    with PILImage.open(io.BytesIO(stored)) as picture:
        assert picture.format == "GIF"
        assert "comment" not in picture.info
        assert picture.size == (20, 20)
        assert getattr(picture, "n_frames", 1) == (3 if animated else 1)


def test_a_reencoded_animated_gif_keeps_its_frames_times_and_colours():
    clean = validate_upload(upload(_animated_gif(), name="anim.gif"))
    with PILImage.open(io.BytesIO(clean.file.read())) as picture:
        assert picture.n_frames == 3
        assert picture.info.get("loop") == 0
        durations, colours = [], []
        for frame in range(3):
            picture.seek(frame)
            durations.append(picture.info["duration"])
            colours.append(picture.convert("RGB").getpixel((10, 10)))
    assert durations == [100, 250, 400]
    assert colours == [(255, 0, 0), (0, 128, 0), (0, 0, 255)]
