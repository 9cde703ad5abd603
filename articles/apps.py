"""The articles app: registers its cache keys, search signals and the roles' post_migrate."""

from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from . import cache_keys

        # What the public pages show, and which writes and moments change it.
        cache_keys.register()

        from . import search

        search.connect_signals()

        from django.db.models.signals import post_migrate

        from .roles import ensure_roles

        # Runs after each app's post_migrate, so permissions of apps migrated
        # later in the same run are picked up by the last call.
        post_migrate.connect(ensure_roles, dispatch_uid="articles.ensure_roles")
