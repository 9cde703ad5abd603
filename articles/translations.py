"""Reads of the translate flow in the admin: a translation's source story, whether the
source changed since the translation was made, and the live stories that still lack
a translation into an edition.

The source of a translation is its group's original: the group's first story (the
lowest id, as for JSON-LD's `translationOfWork`, articles.seo), whatever its edition.
Every other story of the group is a translation of it and shows it beside the editor;
the original shows none.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from . import editions
from .models import Article, ArticleEvent

# Events that change what a translator has to follow (not publishing or scheduling).
TEXT_CHANGES = [
    ArticleEvent.Action.EDITED,
    ArticleEvent.Action.MERGED,
    ArticleEvent.Action.RESTORED,
    ArticleEvent.Action.CORRECTED,
]


@dataclass
class Source:
    """A translation's source story and its latest change after the translation was made."""

    article: Article
    changed: ArticleEvent | None


def original_of(article):
    """The group's original story when `article` is one of its translations, else None."""
    if article.pk is None or article.translation_group is None:
        return None
    original = (
        Article.objects.filter(translation_group=article.translation_group, trashed_at__isnull=True)
        .select_related("category", "featured_image")
        .order_by("pk")
        .first()
    )
    if original is None or original.pk == article.pk:
        return None
    return original


def source_for(article):
    """The Source shown beside the editor of `article`, or None for an original or a
    story that was never translated."""
    original = original_of(article)
    if original is None:
        return None
    changed = (
        ArticleEvent.objects.filter(
            article=original, action__in=TEXT_CHANGES, created_at__gt=article.created_at
        )
        .select_related("user")
        .order_by("-created_at", "-pk")
        .first()
    )
    return Source(original, changed)


def missing_q(language):
    """Stories that have no story in the `language` edition in their group (trashed ones
    count: the group may hold only one, to be restored from the trash)."""
    translated = Article.objects.filter(
        translation_group=OuterRef("translation_group"), language=language
    )
    return ~Q(language=language) & (Q(translation_group__isnull=True) | ~Exists(translated))


def missing(languages=None):
    """Live stories lacking a translation into one of `languages` (every edition by
    default), newest first, with `missing_<code>` True for each edition they lack."""
    languages = languages or editions.codes()
    wanted = Q()
    for code in languages:
        wanted |= missing_q(code)
    stories = Article.objects.live().filter(trashed_at__isnull=True, language__in=editions.codes())
    annotations = {
        f"has_{code}": Exists(
            Article.objects.filter(translation_group=OuterRef("translation_group"), language=code)
        )
        for code in languages
    }
    return stories.filter(wanted).annotate(**annotations).order_by("-publish_at", "-pk")


def missing_editions(story, languages=None):
    """[(code, name)] of the editions a story from `missing()` lacks."""
    languages = languages or editions.codes()
    return [
        (code, name)
        for code, name in editions.choices()
        if code in languages
        and code != story.language
        and not (story.translation_group and getattr(story, f"has_{code}"))
    ]
