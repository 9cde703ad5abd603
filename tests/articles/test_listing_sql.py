"""The statements written in SQL (articles.querysets) answer what plain ORM queries answer.

A mixed corpus (live, scheduled, draft, unpublished and featured stories over
several sections and shared tags) is read both ways; CI runs this on PostgreSQL
as well as SQLite.
"""

import random
from collections import Counter

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from taggit.models import TaggedItem

from articles.models import Article
from articles.querysets import RELATED_CANDIDATES, RELATED_TAGS
from tests.factories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db

TAGS = [f"tag {n}" for n in range(14)]


@pytest.fixture
def corpus(db):
    rng = random.Random(1915)
    sections = [CategoryFactory(name=f"Section {n}") for n in range(4)]
    now = timezone.now()
    stories = []
    for n in range(60):
        state = rng.choice(["live"] * 6 + ["scheduled", "draft", "unpublished"])
        story = ArticleFactory(
            category=rng.choice(sections),
            tags=rng.sample(TAGS, rng.randint(0, 5)),
            is_featured=rng.random() < 0.15,
            publish_at=now - timezone.timedelta(hours=rng.randint(1, 400), minutes=n),
            **({"scheduled": True} if state == "scheduled" else {}),
            **({"draft": True} if state == "draft" else {}),
        )
        if state == "unpublished":
            Article.objects.filter(pk=story.pk).update(status=Article.Status.UNPUBLISHED)
        stories.append(story)
    # Two stories at the same moment: the id decides, both ways.
    same = now - timezone.timedelta(hours=2)
    Article.objects.filter(pk__in=[stories[0].pk, stories[1].pk]).update(publish_at=same)
    return {"sections": sections, "stories": stories}


def newest_ids(queryset, count):
    return list(queryset.latest_first().values_list("pk", flat=True)[:count])


@pytest.mark.parametrize("count", [1, 5, 40, 100])
def test_lead_and_latest_is_what_the_orm_finds(corpus, count):
    live = Article.objects.live()
    featured = newest_ids(live.filter(is_featured=True), 1)
    expected = (featured[0] if featured else None, newest_ids(live, count))
    assert Article.objects.lead_and_latest(count) == expected


@pytest.mark.parametrize("per_category", [1, 3, 30])
def test_newest_per_category_is_what_the_orm_finds(corpus, per_category):
    sections = [s.pk for s in corpus["sections"]]
    exclude = corpus["stories"][3].pk
    for excluded in (None, exclude):
        live = Article.objects.live()
        if excluded is not None:
            live = live.exclude(pk=excluded)
        expected = {
            pk: ids
            for pk in sections
            if (ids := newest_ids(live.filter(category_id=pk), per_category))
        }
        assert Article.objects.newest_per_category(sections, per_category, exclude=excluded) == (
            expected
        )


def related_by_orm(article, tag_ids, limit):
    """related_to() as plain queries and Python: the definition the SQL must keep."""
    live = Article.objects.live().exclude(pk=article.pk)
    same_section = newest_ids(live.filter(category_id=article.category_id), RELATED_CANDIDATES)
    candidates = Counter(dict.fromkeys(same_section, 0))
    content_type = ContentType.objects.get_for_model(Article)
    for tag_id in list(tag_ids)[:RELATED_TAGS]:
        tagged = TaggedItem.objects.filter(content_type=content_type, tag_id=tag_id)
        for pk in tagged.order_by("-object_id").values_list("object_id", flat=True)[
            :RELATED_CANDIDATES
        ]:
            candidates[pk] += 1
    rows = {a.pk: a for a in live.filter(pk__in=list(candidates))}
    ranked = sorted(
        rows.values(), key=lambda a: (-candidates[a.pk], -a.publish_at.timestamp(), -a.pk)
    )
    return [a.pk for a in ranked[:limit]]


def test_related_to_is_what_the_orm_finds(corpus):
    checked = 0
    for article in corpus["stories"]:
        tag_ids = list(article.tags.order_by("pk").values_list("pk", flat=True))
        for limit in (4, 50):
            found = Article.objects.related_to(article, tag_ids, limit=limit)
            assert [a.pk for a in found] == related_by_orm(article, tag_ids, limit)
            for story in found:
                assert story.category.name == Article.objects.get(pk=story.pk).category.name
        checked += bool(tag_ids)
    assert checked > 20  # most stories have tags: the ranking by shared tags is exercised


def test_related_to_fills_from_the_section_as_its_whole_window_would(db):
    # related_to() reads only the section's newest `limit`; the ranking must be the
    # one its RELATED_CANDIDATES would give, whichever of them share a tag.
    section, other = CategoryFactory(), CategoryFactory()
    now = timezone.now()
    article = ArticleFactory(category=section, tags=["x", "y"], publish_at=now)

    def story(hours, tags=(), category=section, **kwargs):
        return ArticleFactory(
            category=category,
            tags=list(tags),
            publish_at=now - timezone.timedelta(hours=hours),
            **kwargs,
        )

    tagged_new = [story(1, ["x"]), story(2, ["x", "y"])]
    story(3, ["x"], draft=True)  # a draft among the newest: no candidate
    untagged = [story(4 + n) for n in range(6)]
    tagged_old = story(40, ["y"], category=other)
    tag_ids = list(article.tags.order_by("pk").values_list("pk", flat=True))
    for limit in (1, 2, 3, 4, 5, 8, 12):
        found = [a.pk for a in Article.objects.related_to(article, tag_ids, limit=limit)]
        assert found == related_by_orm(article, tag_ids, limit), limit
    assert [a.pk for a in Article.objects.related_to(article, tag_ids, limit=5)] == [
        tagged_new[1].pk,  # two tags shared
        tagged_new[0].pk,
        tagged_old.pk,  # one tag, another section
        untagged[0].pk,  # then the section's newest
        untagged[1].pk,
    ]


def _values(instance, deferred=False):
    """Its fields' values; with `deferred`, only those loaded (reading the others would
    load them)."""
    skipped = instance.get_deferred_fields() if deferred else set()
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.fields
        if field.attname not in skipped
    }


def test_bylines_and_tags_read_what_the_orm_reads(db):
    from django.db.models import Exists, OuterRef

    from articles.models import ArticleAuthor, Correction, TagTranslation
    from tests.factories import AuthorFactory, CorrectionFactory

    organisation = AuthorFactory(
        name="Newsroom staff",
        kind="organization",
        website="https://example.org/",
        translations={"hy": {"name": "Խմբագրություն"}},
    )
    writers = [organisation, AuthorFactory(bio="Covers the border."), AuthorFactory()]
    story = ArticleFactory(authors=[])
    # Bylines in an order of their own (not their ids'), two at the same position.
    for order, author in zip((2, 0, 0), writers, strict=True):
        ArticleAuthor.objects.create(article=story, author=author, order=order)
    # Tags given in an order that is neither their ids' nor their names'.
    story.tags.add("zeta")
    story.tags.add("alpha", "mid")
    TagTranslation.objects.create(tag=story.tags.get(name="alpha"), names={"hy": "Ալֆա"})
    other = ArticleFactory(tags=["alpha", "other"])
    CorrectionFactory(article=other)

    for article, corrected in ((story, False), (other, True)):
        authors, found_corrected, tags = Article.objects.bylines_and_tags(article.pk)
        bylines = article.bylines.select_related("author").annotate(
            corrected=Exists(Correction.objects.filter(article_id=OuterRef("article_id")))
        )
        assert [_values(a) for a in authors] == [_values(b.author) for b in bylines]
        assert found_corrected is corrected is bylines[0].corrected
        tagged = TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Article), object_id=article.pk
        ).order_by("id")
        assert tags == list(
            tagged.values_list("tag_id", "tag__name", "tag__slug", "tag__translation__names")
        )
    assert [a.pk for a in Article.objects.bylines_and_tags(story.pk)[0]] == [
        writers[1].pk,
        writers[2].pk,
        writers[0].pk,
    ]
    assert [name for _pk, name, _slug, _names in tags] == ["alpha", "other"]
    authors, _corrected, tags = Article.objects.bylines_and_tags(story.pk)
    names = {name: translated for _pk, name, _slug, translated in tags}
    assert tags[0][1] == "zeta"
    assert names == {"zeta": None, "mid": None, "alpha": {"hy": "Ալֆա"}}
    assert authors[0].translations == {}
    assert authors[2].translations == {"hy": {"name": "Խմբագրություն"}}
    assert authors[2].kind == "organization"


def test_a_story_without_bylines_reads_its_corrections_apart(db, django_assert_num_queries):
    from tests.factories import CorrectionFactory

    story = ArticleFactory(authors=[], tags=["one"])
    CorrectionFactory(article=story)
    assert Article.objects.bylines_and_tags(story.pk)[1] is None
    story = Article.objects.get(pk=story.pk)
    with django_assert_num_queries(3):
        story.load_for_reading()
    assert [c.text for c in story.correction_list] == ["An earlier version misspelled a name."]
    assert story.ordered_authors == []
    assert [t.name for t in story.tag_list] == ["one"]
    # With bylines and no correction: two statements, and none for the corrections.
    plain = Article.objects.get(pk=ArticleFactory(tags=["one"]).pk)
    with django_assert_num_queries(2):
        plain.load_for_reading()
    assert plain.correction_list == []


def test_body_pictures_read_what_the_orm_reads(db):
    from articles.models import ArticleBodyImage
    from tests.factories import ImageFactory

    story = ArticleFactory()
    pictures = [ImageFactory(credit=f"Photographer {n}") for n in range(3)]
    for image in (pictures[2], pictures[0]):
        ArticleBodyImage.objects.create(article=story, image=image)
    ArticleBodyImage.objects.create(article=ArticleFactory(), image=pictures[1])
    lines = ArticleBodyImage.objects.filter(article_id=story.pk).select_related("image")
    found = Article.objects.body_pictures(story.pk)
    assert [_values(image) for image in found] == [
        _values(line.image) for line in lines.order_by("id")
    ]
    assert [image.pk for image in found] == [pictures[2].pk, pictures[0].pk]
    assert found[0].file.url == pictures[2].file.url
    assert Article.objects.body_pictures(ArticleFactory().pk) == []


def test_story_at_reads_what_select_related_reads(db, django_assert_num_queries):
    from tests.factories import ImageFactory

    pictured = ArticleFactory(
        featured_image=ImageFactory(caption="The square at dusk"),
        dek="A dek",
        category=CategoryFactory(translations={"hy": {"name": "Արցախ"}}),
    )
    plain = ArticleFactory(draft=True)
    for story in (pictured, plain):
        expected = Article.objects.select_related("category", "featured_image").get(slug=story.slug)
        with django_assert_num_queries(1):
            found = Article.objects.story_at(story.slug)
            # Its relations come with it, as select_related's do.
            section, picture = found.category, found.featured_image
        assert found.get_deferred_fields() == expected.get_deferred_fields() == {"search_vector"}
        assert _values(found, deferred=True) == _values(expected, deferred=True)
        assert _values(section) == _values(expected.category)
        if story is pictured:
            assert _values(picture) == _values(expected.featured_image)
            assert picture.file.url == expected.featured_image.file.url
        else:
            assert picture is None and expected.featured_image is None
    assert Article.objects.story_at(pictured.slug).category.translations == {
        "hy": {"name": "Արցախ"}
    }
    assert Article.objects.story_at("no-such-story") is None


class ReadsElsewhere:
    """A router that sends every read to a database this test run does not have."""

    def db_for_read(self, model, **hints):
        return "elsewhere"


def test_the_statements_in_sql_read_the_database_the_router_picks(db, settings):
    from django.utils.connection import ConnectionDoesNotExist

    from images.renditions import load_renditions
    from tests.factories import ImageFactory

    story = ArticleFactory(tags=["one"], featured_image=ImageFactory())
    image = story.featured_image
    # A replica when replica reads are allowed; the replica a reader is served from
    # while the primary is down (newsroom.db_router): never the primary regardless.
    settings.DATABASE_ROUTERS = [f"{__name__}.ReadsElsewhere"]
    statements = {
        "lead_and_latest": lambda: Article.objects.lead_and_latest(3),
        "newest_per_category": lambda: Article.objects.newest_per_category([story.category_id], 3),
        "related_to": lambda: Article.objects.related_to(story, [], limit=4),
        "story_at": lambda: Article.objects.story_at(story.slug),
        "body_pictures": lambda: Article.objects.body_pictures(story.pk),
        "bylines_and_tags": lambda: Article.objects.bylines_and_tags(story.pk),
        "load_renditions": lambda: load_renditions([image]),
    }
    for name, statement in statements.items():
        with pytest.raises(ConnectionDoesNotExist):
            statement()
            pytest.fail(f"{name} read the default database")
