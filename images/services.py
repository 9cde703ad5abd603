"""Writes to the library: adding an image, changing one, deleting with its files.

Who may change what readers see of a picture is asked here (`change_refusal`):
the apps that show pictures answer through `hooks.IMAGE_CHANGE_REFUSAL`, so a
picture on a live story is changed only by those who may publish that story.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from . import hooks, renditions
from .models import Image, Rendition

# What readers see of a picture wherever it is shown: the text around it and its crops.
# Source, licence and tags are the library's own notes and stay open to every writer.
PUBLIC_FIELDS = ("title", "alt_text", "caption", "credit", "focal_x", "focal_y")


def change_refusal(user, image, changed):
    """Why `user` may not make the change `changed` (field names) to `image`; None: they may.

    A new image, a change of the library's own notes, and the system (no user)
    are always allowed; otherwise every app that shows pictures is asked.
    """
    if user is None or image.pk is None or not set(changed) & set(PUBLIC_FIELDS):
        return None
    for hook in hooks.get_hooks(hooks.IMAGE_CHANGE_REFUSAL):
        refusal = hook(user, image)
        if refusal:
            return refusal
    return None


def check_change(user, image, changed):
    """Raise ValidationError when `user` may not make the change `changed` to `image`."""
    refusal = change_refusal(user, image, changed)
    if refusal:
        raise ValidationError(refusal, code="image_in_use")


@transaction.atomic
def save_image(image, *, user=None, changed=()):
    """Save an edit of a library image (fields named in `changed`), if `user` may make it."""
    check_change(user, image, changed)
    image.save()
    image_saved(image, changed=changed)
    return image


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
