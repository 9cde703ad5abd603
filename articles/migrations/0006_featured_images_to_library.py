"""Featured images move to the image library, step 2 of 3: every file becomes an images.Image.

Each distinct featured-image file becomes one library image (title from the
article, alt text, caption and credit copied, its size kept) and the article
points at it; an article's caption stays only where it differs from the
image's (it is the per-story override now). Stored revisions are rewritten the
same way, so that older versions can still be compared and restored. The files
stay where they are: the library image uses the same storage name. A file that
is gone and whose size was never stored is left out (there was nothing to show).
"""

import json

from django.db import migrations

OLD_FIELDS = ("featured_image_width", "featured_image_height", "featured_image_alt",
              "featured_image_credit")


def _file_size(storage, name):
    try:
        return storage.size(name)
    except (OSError, NotImplementedError):
        return 0


def _dimensions(storage, name):
    from PIL import Image as Picture

    try:
        with storage.open(name) as handle, Picture.open(handle) as picture:
            return picture.size
    except Exception:  # a missing or unreadable file must not stop the migration
        return 0, 0


def _new_image(Image, storage, row):
    _pk, title, name, width, height, alt, caption, credit = row
    if not (width and height):
        width, height = _dimensions(storage, name)
        if not (width and height):
            return None  # no size and no readable file: there was no picture to show
    image = Image(
        title=(title or name)[:200], alt_text=alt or "", caption=caption or "",
        credit=credit or "", width=width or 0, height=height or 0,
        file_size=_file_size(storage, name),
    )
    # Naming the stored file directly keeps Django from reopening it to measure it.
    image.file.name = name
    image.save()
    return image


def _article_versions(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    content_type = ContentType.objects.filter(app_label="articles", model="article").first()
    if content_type is None:
        return Version.objects.none()
    return Version.objects.filter(content_type=content_type, format="json")


def _rewrite_versions(apps, change):
    for version in _article_versions(apps).iterator(chunk_size=500):
        try:
            data = json.loads(version.serialized_data)
            fields = data[0]["fields"]
        except (ValueError, LookupError, TypeError):
            continue
        if change(fields):
            version.serialized_data = json.dumps(data)
            version.save(update_fields=["serialized_data"])


def forwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("images", "Image")
    storage = Image._meta.get_field("file").storage
    rows = (
        Article.objects.exclude(featured_image_file="")
        .exclude(featured_image_file__isnull=True)
        .order_by("pk")
        .values_list("pk", "title", "featured_image_file", "featured_image_width",
                     "featured_image_height", "featured_image_alt", "featured_image_caption",
                     "featured_image_credit")
    )
    images = {}  # storage name -> Image
    for row in rows.iterator(chunk_size=500):
        pk, name, caption = row[0], row[2], row[6]
        if name not in images:
            images[name] = _new_image(Image, storage, row)
        image = images[name]
        if image is None:
            continue
        Article.objects.filter(pk=pk).update(
            featured_image_id=image.pk,
            featured_image_caption="" if caption == image.caption else caption,
        )

    def change(fields):
        if "featured_image" not in fields or isinstance(fields["featured_image"], int):
            return False
        image = images.get(fields["featured_image"] or None)
        fields["featured_image"] = image.pk if image else None
        if image is not None and fields.get("featured_image_caption") == image.caption:
            fields["featured_image_caption"] = ""
        for old in OLD_FIELDS:
            fields.pop(old, None)
        return True

    _rewrite_versions(apps, change)


def backwards(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("images", "Image")
    images = {}
    rows = Article.objects.filter(featured_image__isnull=False).values_list(
        "pk", "featured_image_id", "featured_image_caption"
    )
    for pk, image_id, caption in rows.iterator(chunk_size=500):
        image = images.get(image_id) or images.setdefault(image_id, Image.objects.get(pk=image_id))
        Article.objects.filter(pk=pk).update(
            featured_image_file=image.file.name, featured_image_width=image.width,
            featured_image_height=image.height, featured_image_alt=image.alt_text,
            featured_image_credit=image.credit,
            featured_image_caption=caption or image.caption,
        )

    def change(fields):
        image_id = fields.get("featured_image")
        if not isinstance(image_id, int) and image_id is not None:
            return False
        image = Image.objects.filter(pk=image_id).first() if image_id else None
        fields["featured_image"] = image.file.name if image else ""
        fields["featured_image_width"] = image.width if image else None
        fields["featured_image_height"] = image.height if image else None
        fields["featured_image_alt"] = image.alt_text if image else ""
        fields["featured_image_credit"] = image.credit if image else ""
        if image is not None and not fields.get("featured_image_caption"):
            fields["featured_image_caption"] = image.caption
        return True

    _rewrite_versions(apps, change)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_library_images"),
        ("images", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
