"""The wordpress app: declares the query parameters of WordPress's plain links."""

from django.apps import AppConfig


class WordPressConfig(AppConfig):
    name = "wordpress"
    verbose_name = "WordPress import"

    def ready(self):
        from caching import registry

        from .middleware import ID_PARAMETERS

        # WordPressQueryLinkMiddleware answers these on the home page's address.
        registry.query_params("articles:home", *ID_PARAMETERS, "feed", "tag")
