"""The readership app: counts reads of stories for "Most read" and the admin."""

from django.apps import AppConfig


class ReadershipConfig(AppConfig):
    name = "readership"
    verbose_name = "Readership"

    def ready(self):
        from articles import hooks

        from . import tasks  # noqa: F401  (registered with Celery)
        from .admin import article_admin_inlines, article_list_columns

        hooks.register(hooks.ARTICLE_ADMIN_INLINES, article_admin_inlines)
        hooks.register(hooks.ARTICLE_LIST_COLUMNS, article_list_columns)
