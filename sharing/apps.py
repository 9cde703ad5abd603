"""The sharing app: connects to articles' signals and hooks (roles, admin inlines)."""

from django.apps import AppConfig


def role_permissions():
    """Editors manage share channels and each article's sharing."""
    return {
        "Editor": [
            f"sharing.{codename}"
            for codename in (
                "add_sharechannel",
                "change_sharechannel",
                "delete_sharechannel",
                "view_sharechannel",
                "add_articlesharesetting",
                "change_articlesharesetting",
                "delete_articlesharesetting",
                "view_articlesharesetting",
                "change_sharedelivery",
                "view_sharedelivery",
                "view_hubping",
            )
        ]
    }


def article_admin_inlines():
    """An article's channels and its deliveries, on its change page."""
    from .admin import ArticleShareSettingInline, ShareDeliveryInline

    return [ArticleShareSettingInline, ShareDeliveryInline]


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self):
        from articles import hooks
        from articles.signals import article_changed, article_went_live
        from articles.tasks import side_effects_sweep

        from . import receivers, tasks  # noqa: F401  (tasks: registered, asked for by name)

        hooks.register(hooks.ROLE_PERMISSIONS, role_permissions)
        hooks.register(hooks.ARTICLE_ADMIN_INLINES, article_admin_inlines)

        article_went_live.connect(receivers.on_article_went_live, dispatch_uid="sharing.went_live")
        article_changed.connect(receivers.on_article_changed, dispatch_uid="sharing.changed")
        side_effects_sweep.connect(receivers.on_side_effects_sweep, dispatch_uid="sharing.sweep")
