from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self):
        from articles.signals import article_changed, article_went_live
        from articles.tasks import side_effects_sweep

        from . import receivers

        article_went_live.connect(receivers.on_article_went_live, dispatch_uid="sharing.went_live")
        article_changed.connect(receivers.on_article_changed, dispatch_uid="sharing.changed")
        side_effects_sweep.connect(receivers.on_side_effects_sweep, dispatch_uid="sharing.sweep")
