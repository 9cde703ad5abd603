from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from taggit.models import Tag, TaggedItem

        from authors.models import Author
        from categories.models import Category
        from images.models import Image
        from images.signals import renditions_changed

        from . import freshness
        from .models import Article, ArticleAuthor, ArticleRedirect, Correction
        from .signals import article_changed, article_went_live

        # Everything a feed, sitemap or public page shows of an article. Admin
        # edits bypass the services, so model signals are watched as well.
        # Library pictures too: their alt text, caption and credit are shown, and
        # cached markup names their renditions (made later by a worker).
        freshness.watch(
            Article,
            ArticleAuthor,
            Correction,
            ArticleRedirect,
            Category,
            Author,
            Tag,
            TaggedItem,
            Image,
        )
        freshness.watch_m2m(Article.tags.through, Article.authors.through)
        freshness.watch_signals(article_changed, article_went_live, renditions_changed)

        from . import search

        search.connect_signals()

        from django.db.models.signals import post_migrate

        from .roles import ensure_roles

        # Runs after each app's post_migrate, so permissions of apps migrated
        # later in the same run are picked up by the last call.
        post_migrate.connect(ensure_roles, dispatch_uid="articles.ensure_roles")
