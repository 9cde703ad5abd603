from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self):
        from articles import roles
        from articles.signals import article_changed, article_went_live
        from articles.tasks import side_effects_sweep

        from . import receivers

        # Editors manage share channels and each article's sharing.
        roles.grant("Editor", [
            f"sharing.{codename}" for codename in (
                "add_sharechannel", "change_sharechannel", "delete_sharechannel",
                "view_sharechannel", "add_articlesharesetting", "change_articlesharesetting",
                "delete_articlesharesetting", "view_articlesharesetting",
                "change_sharedelivery", "view_sharedelivery", "view_hubping",
            )
        ])

        article_went_live.connect(receivers.on_article_went_live, dispatch_uid="sharing.went_live")
        article_changed.connect(receivers.on_article_changed, dispatch_uid="sharing.changed")
        side_effects_sweep.connect(receivers.on_side_effects_sweep, dispatch_uid="sharing.sweep")
