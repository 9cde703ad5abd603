"""The images app: registers its tasks and keeps the roles' library permissions."""

from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "images"
    verbose_name = "Images"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import tasks  # noqa: F401  (registers the tasks, asked for by name)
        from .roles import ensure_image_permissions

        # auth creates this app's permissions in its own receiver of the same signal,
        # connected earlier, so they exist when this one runs.
        post_migrate.connect(
            ensure_image_permissions, sender=self, dispatch_uid="images.permissions"
        )
