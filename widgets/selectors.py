"""Reads for page blocks that appear on many pages."""

from articles.models import Article
from categories.models import Category
from readership import services as readership

from .models import BreakingNews


def recent_posts(*, exclude=None, limit):
    """The newest live articles, without `exclude` (the article being read, or its id)."""
    articles = Article.objects.live().select_related("category").latest_first()
    exclude_pk = getattr(exclude, "pk", exclude)
    if exclude_pk:
        articles = articles.exclude(pk=exclude_pk)
    return list(articles[:limit])


def current_breaking_news():
    """The newest banner that is switched on and not expired, or None."""
    return BreakingNews.objects.current().first()


def top_level_categories():
    """Sections for the navigation bar, in their editorial order."""
    return list(Category.objects.filter(parent__isnull=True))


def most_read(*, limit, hours=24):
    """The live stories read most in the last `hours` hours, most read first."""
    return [article for article, _ in readership.most_read(limit, hours=hours)]
