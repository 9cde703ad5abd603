"""Writes to the library: adding an image, reacting to edits, deleting with its files."""

from django.db import transaction

from . import renditions
from .models import Image, Rendition


@transaction.atomic
def create_image(upload, *, uploaded_by=None, **fields):
    """Add a checked upload (images.validation.CleanUpload) to the library; renditions follow."""
    fields.setdefault("title", upload.title)
    if not fields.get("credit"):
        fields["credit"] = upload.credit
    image = Image(uploaded_by=uploaded_by, file_size=upload.file.size, **fields)
    image.file.save(upload.file.name, upload.file, save=False)
    image.save()
    image_saved(image, created=True)
    return image


def image_saved(image, *, created=False, changed=()):
    """Queue renditions for a new image or a moved focal point (old crops go with the task)."""
    if created or {"focal_x", "focal_y"} & set(changed):
        renditions.queue(image)


@transaction.atomic
def delete_images(images):
    """Delete images (refused with ProtectedError while in use) and, after commit, their files."""
    images = list(images)
    names = [image.file.name for image in images if image.file]
    names += list(Rendition.objects.filter(image__in=images).values_list("file", flat=True))
    storage = Image._meta.get_field("file").storage
    Image.objects.filter(pk__in=[image.pk for image in images]).delete()
    transaction.on_commit(lambda: renditions.delete_files(storage, names))
