"""Renditions: sizes, focal-point crops, formats, idempotent generation, fallback."""

import io
from unittest.mock import patch

import pytest
from PIL import Image as PILImage

from images import renditions, tasks
from images.models import Image, Rendition
from tests.images.conftest import image_bytes

pytestmark = pytest.mark.django_db


def widths(image, ratio, fmt="jpeg"):
    return sorted(image.renditions.filter(ratio=ratio, format=fmt).values_list("width", flat=True))


def opened(rendition):
    with rendition.file.open("rb") as handle:
        return PILImage.open(io.BytesIO(handle.read()))


def test_a_2000_by_1500_source_gets_every_standard_width(make_image):
    image = make_image(image_bytes(size=(2000, 1500)))
    tasks.generate_renditions(image.pk)
    assert widths(image, "original") == [320, 640, 960, 1280, 1920]
    assert widths(image, "original", "webp") == [320, 640, 960, 1280, 1920]
    assert widths(image, "1.91:1") == [320, 640, 960, 1200, 1280, 1920]
    sizes = dict(image.renditions.filter(format="jpeg", width=640).values_list("ratio", "height"))
    assert sizes == {"original": 480, "16:9": 360, "1:1": 640, "1.91:1": 335}
    one = image.renditions.get(ratio="16:9", width=1920, format="jpeg")
    assert opened(one).size == (1920, 1080) == (one.width, one.height)


def test_a_500_px_source_is_never_upscaled(make_image):
    image = make_image(image_bytes(size=(500, 400)))
    tasks.generate_renditions(image.pk)
    assert widths(image, "original") == [320, 500]
    assert widths(image, "1:1") == [320, 400]  # the square is 400 wide
    assert max(image.renditions.values_list("width", flat=True)) <= 500


def test_the_focal_crop_keeps_the_focal_region(make_image):
    # White, with a red square at the right edge; the 1:1 crop of a 400x200
    # picture is 200x200 and, centred, would miss the square entirely.
    picture = PILImage.new("RGB", (400, 200), "white")
    picture.paste((255, 0, 0), (350, 75, 400, 125))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    image = make_image(buffer.getvalue(), name="edge.png", focal_x=0.9, focal_y=0.5)
    tasks.generate_renditions(image.pk)
    square = opened(image.renditions.get(ratio="1:1", format="jpeg", width=200))
    assert square.size == (200, 200)
    red = square.getpixel((185, 100))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60

    Image.objects.filter(pk=image.pk).update(focal_x=0.1)
    image.refresh_from_db()
    tasks.generate_renditions(image.pk)
    moved = opened(image.renditions.get(ratio="1:1", format="jpeg", width=200))
    assert moved.getpixel((185, 100)) == pytest.approx((255, 255, 255), abs=8)


def test_formats_are_real_webp_and_jpeg_by_content(make_image):
    image = make_image(image_bytes("PNG", size=(400, 300)), name="a.png")
    tasks.generate_renditions(image.pk)
    webp = image.renditions.filter(format="webp").first()
    jpeg = image.renditions.filter(format="jpeg").first()
    assert opened(webp).format == "WEBP" and webp.file.name.endswith(".webp")
    assert opened(jpeg).format == "JPEG" and jpeg.file.name.endswith(".jpg")
    assert opened(jpeg).info.get("progressive") or opened(jpeg).info.get("progression")


def test_transparency_is_kept_in_webp_and_flattened_on_white_in_jpeg(make_image):
    data = image_bytes("PNG", size=(320, 200), color=(0, 0, 0, 0), mode="RGBA")
    image = make_image(data, name="clear.png")
    tasks.generate_renditions(image.pk)
    webp = opened(image.renditions.get(ratio="original", format="webp", width=320))
    jpeg = opened(image.renditions.get(ratio="original", format="jpeg", width=320))
    assert webp.mode == "RGBA" and webp.getpixel((5, 5))[3] == 0
    assert jpeg.mode == "RGB" and jpeg.getpixel((5, 5)) == pytest.approx((255, 255, 255), abs=3)


def test_cmyk_sources_become_rgb(make_image):
    image = make_image(image_bytes("JPEG", size=(320, 240), mode="CMYK", color=(0, 255, 255, 0)))
    tasks.generate_renditions(image.pk)
    jpeg = opened(image.renditions.get(ratio="original", format="jpeg", width=320))
    assert jpeg.mode == "RGB"
    assert jpeg.getpixel((5, 5))[0] > 200 and jpeg.getpixel((5, 5))[1] < 60


def test_animated_gifs_use_their_first_frame(make_image):
    frames = [PILImage.new("RGB", (320, 240), color) for color in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    image = make_image(buffer.getvalue(), name="anim.gif")
    tasks.generate_renditions(image.pk)
    webp = opened(image.renditions.get(ratio="original", format="webp", width=320))
    assert getattr(webp, "n_frames", 1) == 1
    assert webp.convert("RGB").getpixel((5, 5))[0] > 200


def test_generation_twice_makes_no_duplicates(make_image):
    image = make_image(image_bytes(size=(700, 400)))
    made = tasks.generate_renditions(image.pk)
    count = image.renditions.count()
    assert made == count > 0
    assert tasks.generate_renditions(image.pk) == 0
    assert image.renditions.count() == count


def test_a_concurrent_duplicate_is_dropped_with_its_file(make_image):
    image = make_image(image_bytes(size=(320, 200)))
    tasks.generate_renditions(image.pk)
    first = image.renditions.get(ratio="original", format="jpeg", width=320)
    storage = first.file.storage
    before = set(storage.listdir(f"renditions/{image.pk}")[1])
    picture = renditions._resize(image, renditions._load(image.file.read()), "original", 320)
    assert renditions._save(image, picture, "original", "jpeg", "") == 0
    assert set(storage.listdir(f"renditions/{image.pk}")[1]) == before
    assert image.renditions.filter(ratio="original", width=320, format="jpeg").count() == 1


def test_moving_the_focal_point_replaces_the_crops_and_deletes_old_files(
    make_image, django_capture_on_commit_callbacks
):
    image = make_image(image_bytes(size=(640, 400)))
    tasks.generate_renditions(image.pk)
    old = image.renditions.get(ratio="1:1", format="webp", width=400)
    kept = image.renditions.get(ratio="original", format="webp", width=640)
    storage = old.file.storage
    Image.objects.filter(pk=image.pk).update(focal_x=0.2, focal_y=0.3)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.generate_renditions(image.pk)
    new = image.renditions.get(ratio="1:1", format="webp", width=400)
    assert new.focal == "0.200,0.300" and new.pk != old.pk
    assert not Rendition.objects.filter(pk=old.pk).exists()
    assert not storage.exists(old.file.name)
    assert Rendition.objects.filter(pk=kept.pk).exists()  # uncropped sizes do not move


def test_the_task_ignores_a_deleted_image():
    assert tasks.generate_renditions(987654) == 0


def test_a_new_upload_queues_its_renditions_after_commit(
    make_image, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = make_image(image_bytes(size=(320, 200)))
    assert image.renditions.filter(format="webp").exists()


def test_og_image_is_the_1200_wide_share_crop(make_image):
    image = make_image(image_bytes(size=(1600, 1000)))
    tasks.generate_renditions(image.pk)
    url, width, height = renditions.og_image(Image.objects.prefetch_related("renditions").get())
    assert (width, height) == (1200, 628)
    assert url.endswith(".jpg") and "1200w" in url


def test_og_image_falls_back_to_the_original_and_queues_once(
    stored_image, django_capture_on_commit_callbacks
):
    image = stored_image(image_bytes(size=(1600, 1000)))
    with (
        patch("images.tasks.generate_renditions.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert renditions.og_image(image) == (image.file.url, 1600, 1000)
        renditions.og_image(image)
    delay.assert_called_once_with(image.pk)
