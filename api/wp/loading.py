"""What a page of WordPress-shaped results needs, loaded in a fixed number of queries."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q
from taggit.models import Tag, TaggedItem

from articles.models import Article, ArticleBodyImage
from articles.querysets import live_q
from authors.models import Author
from categories.models import Category
from images.models import Image
from images.renditions import with_renditions

from .. import ids


def article_type():
    return ContentType.objects.get_for_model(Article)


def posts(queryset, *, embed):
    """The stories of a page with their section, picture, bylines and tags (four
    queries, five with the pictures' renditions for `_embed`)."""
    queryset = queryset.select_related("category", "featured_image").with_bylines()
    if embed:
        queryset = queryset.prefetch_related(*with_renditions("featured_image"))
    return attach_tags(list(queryset))


def attach_tags(stories):
    """Set every story's `tag_list` (in the order given) with one query."""
    tags = {story.pk: [] for story in stories}
    if stories:
        rows = (
            TaggedItem.objects.filter(content_type=article_type(), object_id__in=list(tags))
            .order_by("id")
            .values_list("object_id", "tag_id", "tag__name", "tag__slug")
        )
        for object_id, tag_id, name, slug in rows:
            tags[object_id].append(Tag(pk=tag_id, name=name, slug=slug))
    for story in stories:
        story._tag_list = tags[story.pk]
    return stories


def post_ids(stories):
    """Public ids of the stories and of everything they name (two queries at most)."""
    wanted = {Article: set(), Author: set(), Image: set(), Category: set(), Tag: set()}
    for story in stories:
        wanted[Article].add(story.pk)
        wanted[Category].add(story.category_id)
        if story.category.parent_id:
            wanted[Category].add(story.category.parent_id)
        if story.featured_image_id:
            wanted[Image].add(story.featured_image_id)
        wanted[Author].update(author.pk for author in story.ordered_authors)
        wanted[Tag].update(tag.pk for tag in story.tag_list)
    return ids.public_ids(wanted)


def live_tagged(prefix=""):
    """Q: tagged items of live stories (through `prefix` from a tag)."""
    live = Article.objects.live().values("pk")
    return Q(
        **{f"{prefix}content_type": article_type(), f"{prefix}object_id__in": live},
    )


def categories():
    """Sections with the number of live stories in each."""
    return Category.objects.annotate(live_count=Count("articles", filter=live_q("articles__")))


def tags():
    """Tags given to at least one live story, with how many."""
    return Tag.objects.annotate(
        live_count=Count("taggit_taggeditem_items", filter=live_tagged("taggit_taggeditem_items__"))
    ).filter(live_count__gt=0)


def users():
    """Bylines of at least one live story (WordPress lists only users who published)."""
    return Author.objects.filter(
        Exists(Article.objects.live().filter(bylines__author=OuterRef("pk")))
    )


def media():
    """Pictures shown by a live story: its lead picture or one in its body."""
    live = Article.objects.live()
    return Image.objects.filter(
        Exists(live.filter(featured_image=OuterRef("pk")))
        | Exists(ArticleBodyImage.objects.filter(image=OuterRef("pk"), article__in=live))
    ).prefetch_related(*with_renditions())
