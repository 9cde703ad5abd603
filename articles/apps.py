"""The articles app: registers its cache keys, search signals, the roles' post_migrate and
its answer to images' change hook."""

from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from . import cache_keys

        # What the public pages show, and which writes and moments change it.
        cache_keys.register()

        from . import search

        search.connect_signals()

        from images import hooks as image_hooks

        from . import services

        # A picture on a published story changes only with its publisher's rights.
        image_hooks.register(image_hooks.IMAGE_CHANGE_REFUSAL, services.image_change_refusal)

        from django.db.models.signals import post_migrate

        from .roles import ensure_roles

        # Runs after each app's post_migrate, so permissions of apps migrated
        # later in the same run are picked up by the last call.
        post_migrate.connect(ensure_roles, dispatch_uid="articles.ensure_roles")

        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed

        from .roles import make_role_members_staff

        m2m_changed.connect(
            make_role_members_staff,
            sender=get_user_model().groups.through,
            dispatch_uid="articles.make_role_members_staff",
        )
