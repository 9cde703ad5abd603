"""What the public pages of articles show, as cache keys, and what purges them.

Keys: `article:<id>` (everything drawn from one story: its page, its cards,
feed entries and related-story links); `section:<id>`, `tag:<id>`,
`author:<id>`, `image:<id>` (what is shown of the thing itself: a name on a
card's label or byline, a picture); lists of stories: `section:<id>:list`,
`tag:<id>:list`, `author:<id>:list`, `home`, `feed`, `recent` (Recent Posts),
`sitemap`, `search`, `archive:<yyyy>` and `archive:<yyyy-mm>`; `sections` (the
navigation) and `404`; `translations:<group>` (a story's links to its
translations: any change of a story in the group purges its siblings' pages).
A story entering a section purges the section's list, not every card labelled
with the section.

An edit that leaves a story where it was (title, body, pictures) purges
`article:<id>`: the story's page and every page that shows its card or link.
A change of where it appears (published, unpublished, scheduled, moved to
another section, featured) also purges the lists it enters; the lists it
leaves showed its card, so `article:<id>` covers them. A scheduled story
enters its lists by the clock alone: `scheduled_changes()` tells the caching
app when and which keys (caching.schedule).
"""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from authors.models import Author
from caching import registry
from caching.keys import listing
from categories.models import Category
from images.models import Image
from images.signals import renditions_changed

from .models import Article, ArticleAuthor, ArticleRedirect, Correction, TagTranslation
from .preview import PREVIEW_PARAM
from .signals import article_changed, article_went_live

HOME, FEED, RECENT, SITEMAP, SEARCH, SECTIONS, MISSING, SCHEDULE = (
    "home",
    "feed",
    "recent",
    "sitemap",
    "search",
    "sections",
    "404",
    "schedule",
)
# How many upcoming publications the schedule lists (caching.schedule.HORIZON).
SCHEDULE_LIMIT = 200


def article(pk):
    return f"article:{pk}"


def section(pk):
    return Category.cache_key_for(pk)


def tag(pk):
    return f"tag:{pk}"


def author(pk):
    return Author.cache_key_for(pk)


def translations(group):
    """A story's translation group: its pages link the group's other live stories."""
    return f"translations:{group}"


def _group_key(story):
    """translations() of a story's group, or None (also when the field was not loaded:
    reading it would cost a query on every save)."""
    group = story.__dict__.get("translation_group")
    return translations(group) if group is not None else None


def image(pk):
    return f"image:{pk}"


def archive(when):
    """The year and month archive keys of a publication time."""
    local = timezone.localtime(when)
    return [f"archive:{local.year:04d}", f"archive:{local.year:04d}-{local.month:02d}"]


def card_keys(story):
    """What a card (or feed entry) of a loaded story shows."""
    keys = {article(story.pk), section(story.category_id)}
    if story.featured_image_id:
        keys.add(image(story.featured_image_id))
    keys.update(author(a.pk) for a in story.ordered_authors)
    return keys


def list_keys(pk, publish_at, category_id, parent_id, tag_ids, author_ids):
    """Every list a story with these facts appears in."""
    keys = {article(pk), HOME, FEED, RECENT, SITEMAP, SEARCH, MISSING, SCHEDULE}
    keys.add(listing(section(category_id)))
    if parent_id:
        keys.add(listing(section(parent_id)))
    if publish_at is not None:
        keys.update(archive(publish_at))
    keys.update(listing(tag(t)) for t in tag_ids)
    keys.update(listing(author(a)) for a in author_ids)
    return keys


def _facts(ids):
    """{article id: (tag ids, author ids)} in two queries."""
    facts = {pk: (set(), set()) for pk in ids}
    if not ids:
        return facts
    article_type = ContentType.objects.get_for_model(Article)
    for pk, tag_id in TaggedItem.objects.filter(
        content_type=article_type, object_id__in=ids
    ).values_list("object_id", "tag_id"):
        facts[pk][0].add(tag_id)
    for pk, author_id in ArticleAuthor.objects.filter(article_id__in=ids).values_list(
        "article_id", "author_id"
    ):
        facts[pk][1].add(author_id)
    return facts


def story_list_keys(story):
    """list_keys() of a saved story, reading its tags, bylines and section's parent, and
    its translation group (its translations' pages link it once it is live)."""
    tag_ids, author_ids = _facts([story.pk])[story.pk]
    parent_id = (
        Category.objects.filter(pk=story.category_id).values_list("parent_id", flat=True).first()
    )
    keys = list_keys(story.pk, story.publish_at, story.category_id, parent_id, tag_ids, author_ids)
    if _group_key(story):
        keys.add(_group_key(story))
    return keys


def scheduled_changes():
    """(publish_at, keys) of the scheduled stories: what each enters at its time."""
    rows = list(
        Article.objects.scheduled()
        .order_by("publish_at")
        .values_list("pk", "publish_at", "category_id", "translation_group")[: SCHEDULE_LIMIT + 1]
    )
    if not rows:
        return []
    facts = _facts([pk for pk, *_ in rows])
    parents = dict(
        Category.objects.filter(pk__in={c for _, _, c, _ in rows}).values_list("pk", "parent_id")
    )
    return [
        (
            when,
            list_keys(pk, when, category_id, parents.get(category_id), *facts[pk])
            | ({translations(group)} if group is not None else set()),
        )
        for pk, when, category_id, group in rows
    ]


# -- what a write purges --------------------------------------------------------------

# What decides the lists a story is in; a change of any of them moves it.
PLACEMENT = ("status", "publish_at", "category_id", "is_featured", "slug")


def placement(story):
    return tuple(getattr(story, name) for name in PLACEMENT)


def _scheduled(status, publish_at):
    return (
        status == Article.Status.PUBLISHED
        and publish_at is not None
        and (publish_at > timezone.now())
    )


def article_saved(story, deleted):
    keys = {article(story.pk), SEARCH, SITEMAP}
    if _group_key(story):
        keys.add(_group_key(story))
    created = not hasattr(story, "_loaded_placement")  # not read from the database
    before = getattr(story, "_loaded_placement", None)
    now = placement(story)
    visible = story.status == story.Status.PUBLISHED
    was_visible = before is not None and before[0] == story.Status.PUBLISHED
    if (deleted or before is None or before != now) and (visible or was_visible or deleted):
        keys |= story_list_keys(story)
        # The list of upcoming publications changes only with a scheduled story.
        if not (
            deleted
            or _scheduled(story.status, story.publish_at)
            or (before is None and not created)  # loaded without these fields: unknown
            or (before is not None and _scheduled(before[0], before[1]))
        ):
            keys.discard(SCHEDULE)
    story._loaded_placement = now
    return keys


# A tag or byline given to a scheduled story changes what it enters at its time:
# the schedule is read again (the next rendering after such an edit pays for it).


def tagged_item(row, deleted):
    # Library images are tagged through the same table: only stories count here.
    if row.content_type_id != ContentType.objects.get_for_model(Article).pk:
        return set()
    return {listing(tag(row.tag_id)), article(row.object_id), SEARCH, SCHEDULE}


def article_tags_changed(instance, pk_set, reverse):
    if not reverse and not isinstance(instance, Article):
        return set()  # a library image's tags (the same through table)
    if reverse:  # a tag's articles
        return {listing(tag(instance.pk)), SEARCH, SCHEDULE, *(article(pk) for pk in pk_set)}
    return {article(instance.pk), SEARCH, SCHEDULE, *(listing(tag(pk)) for pk in pk_set)}


def article_authors_changed(instance, pk_set, reverse):
    if reverse:
        return {listing(author(instance.pk)), SEARCH, SCHEDULE, *(article(pk) for pk in pk_set)}
    return {article(instance.pk), SEARCH, SCHEDULE, *(listing(author(pk)) for pk in pk_set)}


def register():
    """Tell the caching app what articles' pages show; from ArticlesConfig.ready()."""
    registry.watch(Article, article_saved)
    registry.watch(
        ArticleAuthor,
        lambda row, deleted: {
            article(row.article_id),
            listing(author(row.author_id)),
            SEARCH,
            SCHEDULE,
        },
    )
    registry.watch(Correction, lambda row, deleted: {article(row.article_id), SITEMAP})
    registry.watch(ArticleRedirect, lambda row, deleted: {MISSING, article(row.article_id)})
    registry.watch(
        Category,
        # A moved section moves its stories into its new parent's list.
        lambda row, deleted: (
            {section(row.pk), listing(section(row.pk)), SECTIONS, SITEMAP}
            | ({listing(section(row.parent_id))} if row.parent_id else set())
        ),
    )
    registry.watch(Author, lambda row, deleted: {author(row.pk), SITEMAP})
    registry.watch(Tag, lambda row, deleted: {tag(row.pk), SITEMAP})
    # A tag's names in the other editions show wherever the tag does.
    registry.watch(TagTranslation, lambda row, deleted: {tag(row.pk)})
    registry.watch(TaggedItem, tagged_item)
    registry.watch(Image, lambda row, deleted: {image(row.pk)})
    registry.watch_m2m(Article.tags.through, article_tags_changed)
    registry.watch_m2m(Article.authors.through, article_authors_changed)
    registry.watch_signal(renditions_changed, lambda **kw: {image(kw["image"].pk)})
    registry.watch_signal(article_went_live, lambda **kw: story_list_keys(kw["article"]))
    # Sent after commit when what readers see may have changed: the writes were
    # purged already, but a change made without a model save is covered too.
    registry.watch_signal(article_changed, lambda **kw: {article(kw["article"].pk), SEARCH})
    registry.clock(scheduled_changes)
    registry.private_param(PREVIEW_PARAM)
