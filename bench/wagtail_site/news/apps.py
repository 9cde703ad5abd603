from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "bench.wagtail_site.news"
    label = "news"
    default_auto_field = "django.db.models.BigAutoField"
