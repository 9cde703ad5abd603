import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from images import services
from images.models import Image
from images.validation import validate_upload


def image_bytes(fmt="JPEG", size=(40, 30), color="red", mode="RGB", **save_options):
    buffer = io.BytesIO()
    PILImage.new(mode, size, color).save(buffer, fmt, **save_options)
    return buffer.getvalue()


def upload(data=None, name="photo.jpg", **kwargs):
    return SimpleUploadedFile(name, data if data is not None else image_bytes(**kwargs))


@pytest.fixture
def make_image(db):
    """A library image added through the upload path (validation and the service)."""

    def make(data=None, name="photo.jpg", **fields):
        return services.create_image(validate_upload(upload(data, name)), **fields)

    return make


@pytest.fixture
def stored_image(db):
    """A library image saved directly: no renditions, none queued (as imports leave them)."""

    def make(data=None, name="stored.jpg", **fields):
        clean = validate_upload(upload(data, name))
        image = Image(title=fields.pop("title", "Stored"), file_size=clean.file.size, **fields)
        image.file.save(clean.file.name, clean.file, save=False)
        image.save()
        return image

    return make
