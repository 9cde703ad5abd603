"""The newsletter app: sign-up, digests and breaking alerts; connects to articles' signals."""

from django.apps import AppConfig


def role_permissions():
    """Editors see subscribers and editions and send tests."""
    return {
        "Editor": [
            "newsletters.view_subscriber",
            "newsletters.view_edition",
            "newsletters.add_breakingalert",
            "newsletters.change_breakingalert",
            "newsletters.view_breakingalert",
        ]
    }


def article_admin_inlines():
    from .admin import BreakingAlertInline

    return [BreakingAlertInline]


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = "Newsletter"

    def ready(self):
        from articles import hooks
        from articles.signals import article_went_live

        from . import receivers, tasks  # noqa: F401  (tasks: registered, asked for by name)

        hooks.register(hooks.ROLE_PERMISSIONS, role_permissions)
        hooks.register(hooks.ARTICLE_ADMIN_INLINES, article_admin_inlines)
        article_went_live.connect(
            receivers.on_article_went_live, dispatch_uid="newsletters.went_live"
        )
