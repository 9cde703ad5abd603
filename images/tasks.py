"""The renditions task: thin, takes an image id and asks images.renditions."""

from celery import shared_task

from . import renditions
from .models import Image


@shared_task(
    name=renditions.GENERATE_TASK, autoretry_for=(OSError,), retry_backoff=True, max_retries=3
)
def generate_renditions(image_id):
    """Make the missing renditions of one image and drop outdated crops; safe to run twice."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return 0  # deleted since it was queued
    return renditions.generate(image)
