"""The newsroom app: the project's own management commands (seed_demo, ensure_admin)."""

from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"
