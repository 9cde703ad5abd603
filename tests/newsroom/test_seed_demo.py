import functools
import io
from datetime import timedelta
from unittest.mock import patch

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from PIL import Image
from taggit.models import Tag, TaggedItem

from articles.models import Article, ArticleAuthor, ArticleRedirect, Correction
from authors.models import Author
from categories.models import Category
from images.models import Image as LibraryImage
from newsroom.demo import images, seedfile
from tests.factories import ArticleFactory
from widgets.models import BreakingNews

SEED = seedfile.load()
SEED_SLUG = slugify(SEED.title, allow_unicode=True)

# The pictures are a pure function of the slug: draw each once per test session.
_article_image = functools.lru_cache(maxsize=None)(images.article_image)
_portrait = functools.lru_cache(maxsize=None)(images.portrait)


@pytest.fixture(autouse=True)
def _draw_each_picture_once(monkeypatch):
    monkeypatch.setattr(images, "article_image", _article_image)
    monkeypatch.setattr(images, "portrait", _portrait)


def seed_demo(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed_demo()


def seed_article():
    return Article.objects.get(slug=SEED_SLUG)


def demo_story(title):
    return Article.objects.get(slug=slugify(title, allow_unicode=True))


# -- reading the seed file ----------------------------------------------------------


def test_the_project_keeps_its_own_copy_of_the_seed_file():
    assert seedfile.SEED_FILE.exists()
    assert "/work/shared" not in str(seedfile.SEED_FILE)


@pytest.mark.parametrize(
    ("text", "dateline", "rest"),
    [
        ("STEPANAKERT — Nagorno-Karabakh leaders", "STEPANAKERT", "Nagorno-Karabakh leaders"),
        ("WASHINGTON, DC -- Democratic Rep. X", "WASHINGTON, DC", "Democratic Rep. X"),
        ("ATWATER VILLAGE, CA. - On April 28", "ATWATER VILLAGE, CA.", "On April 28"),
        ("Nobody - in particular", "", "Nobody - in particular"),
    ],
)
def test_split_dateline_takes_the_capitalised_place_before_the_dash(text, dateline, rest):
    assert seedfile.split_dateline(text) == (dateline, rest)


@pytest.mark.parametrize(
    ("label", "age"),
    [
        ("12 hours ago", timedelta(hours=12)),
        ("2 days ago", timedelta(days=2)),
        ("40 minutes ago", timedelta(minutes=40)),
        ("1 day ago", timedelta(days=1)),
        ("an hour ago", timedelta(hours=1)),
        ("3 weeks ago", timedelta(weeks=3)),
    ],
)
def test_parse_age_reads_relative_times(label, age):
    assert seedfile.parse_age(label) == age


def test_parse_age_refuses_what_it_cannot_read():
    with pytest.raises(seedfile.SeedFormatError, match="Cannot read the age 'yesterday'"):
        seedfile.parse_age("yesterday")


def test_seed_file_parses_into_category_headline_dateline_and_recent_posts():
    assert SEED.category == "Artsakh"
    assert SEED.title == "Artsakh Leadership Again Reject ‘Reintegration’ Talks in Baku"
    assert SEED.dateline == "STEPANAKERT"
    assert SEED.byline == "MassisPost"
    assert SEED.paragraphs[0].startswith("Nagorno-Karabakh Republic (NKR) leadership dismissed")
    assert SEED.paragraphs[-1].endswith("weighty decisions.")
    assert [p.age_label for p in SEED.recent_posts] == [
        "12 hours ago",
        "13 hours ago",
        "18 hours ago",
        "2 days ago",
        "2 days ago",
        "2 days ago",
    ]
    assert SEED.recent_posts[0].dateline == "WASHINGTON, DC"
    assert not SEED.recent_posts[0].excerpt.endswith("…")


def test_seed_file_without_a_byline_is_refused_with_a_clear_error(db, tmp_path):
    broken = tmp_path / "seed.txt"
    broken.write_text("Artsakh\n\nA headline\n\nSTEPANAKERT — A paragraph.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no 'Published by' line"):
        seed_demo("--seed-file", str(broken))
    assert not Article.objects.exists()


def test_seed_file_without_a_dateline_is_refused_with_a_clear_error(db, tmp_path):
    broken = tmp_path / "seed.txt"
    broken.write_text(
        "Artsakh\nA headline\nNo dateline here.\nMassisPost\nPublished by\nMassisPost\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="does not start with a dateline"):
        seed_demo("--seed-file", str(broken))


def test_missing_seed_file_is_refused_with_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read the seed file"):
        seed_demo("--seed-file", str(tmp_path / "nowhere.txt"))


# -- what the command loads ----------------------------------------------------------


def test_seed_article_is_loaded_as_the_featured_live_lead_story(seeded):
    article = seed_article()
    assert article.title == SEED.title
    assert article.category.name == "Artsakh"
    assert article.category.slug == "artsakh"
    assert article.dateline == "STEPANAKERT"
    assert article.body.startswith(
        "<p>Nagorno-Karabakh Republic (NKR) leadership dismissed on Tuesday"
    )
    assert "STEPANAKERT —" not in article.body
    assert article.body.count("<p>") == len(SEED.paragraphs) == 7
    assert article.is_live
    assert article.is_featured
    assert [(a.name, a.kind) for a in article.ordered_authors] == [
        ("MassisPost", Author.Kind.ORGANIZATION)
    ]
    assert {"Lachin corridor", "Azerbaijan", "Artsakh"} <= set(article.tags.names())


def test_seed_article_is_the_newest_live_story(seeded):
    assert Article.objects.live().latest_first().first() == seed_article()
    assert Article.objects.filter(is_featured=True).get() == seed_article()


def test_recent_posts_are_live_with_the_ages_of_the_seed(seeded):
    now = timezone.now()
    for post in SEED.recent_posts:
        article = demo_story(post.title)
        assert article.is_live
        assert abs((now - article.publish_at) - post.age) < timedelta(minutes=1), post.title
        assert article.dek == f"{post.excerpt}…"
        assert article.dateline == post.dateline
        assert article.ordered_authors[0].name == "MassisPost"
        assert article.category.slug != "artsakh" or post.title.startswith("Artsakh")


def test_recent_posts_keep_the_order_of_the_seed(seeded):
    latest = list(
        Article.objects.live()
        .latest_first()
        .exclude(slug=SEED_SLUG)
        .values_list("title", flat=True)[:6]
    )
    assert latest == [post.title for post in SEED.recent_posts]


def test_recent_post_dek_drops_the_dateline_and_marks_the_cut_with_an_ellipsis(seeded):
    article = demo_story(SEED.recent_posts[0].title)
    assert article.dek == "Democratic Rep. Henry Cuellar of Texas and his wife have been charged…"
    assert article.category.slug == "politics"


def test_original_stories_fill_several_sections_over_two_months(seeded):
    live = Article.objects.live()
    assert live.count() >= 25
    sections = set(live.values_list("category__slug", flat=True))
    assert {
        "armenia",
        "artsakh",
        "diaspora",
        "community",
        "politics",
        "world",
        "culture",
        "sports",
        "opinion",
    } <= sections
    oldest = live.order_by("publish_at").first()
    assert timezone.now() - oldest.publish_at > timedelta(days=50)
    assert Category.objects.get(slug="community").parent.slug == "diaspora"


def test_tags_are_shared_between_stories(seeded):
    shared = [tag for tag in Tag.objects.all() if TaggedItem.objects.filter(tag=tag).count() > 1]
    assert len(shared) >= 8


def test_at_least_three_stories_have_several_authors(seeded):
    with_several = [a for a in Article.objects.all() if a.bylines.count() >= 2]
    assert len(with_several) >= 3
    bylines = with_several[0].bylines.all()
    assert [b.order for b in bylines] == sorted(b.order for b in bylines)


def test_person_authors_have_bios_and_profile_links_on_reserved_domains(seeded):
    people = Author.objects.filter(kind=Author.Kind.PERSON)
    assert people.count() >= 5
    for author in people:
        assert author.bio
        assert author.social_links
        assert all(".example" in url for _, url in author.social_links)


def test_armenian_headline_gets_a_unicode_slug_that_answers(seeded, client):
    article = Article.objects.get(title="Երևանում բացվեց նոր գրադարան")
    assert article.slug == "երեւանում-բացվեց-նոր-գրադարան"
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Երևանում բացվեց նոր գրադարան" in response.content.decode()


def test_one_story_carries_a_correction_note_after_its_publication(seeded):
    note = Correction.objects.get()
    assert "It covers 120" in note.text
    assert note.noted_at > note.article.publish_at
    assert note.article.content_updated_at == note.noted_at


def test_scheduled_demo_story_is_published_but_not_yet_due(seeded):
    scheduled = Article.objects.scheduled().get()
    assert scheduled.status == Article.Status.PUBLISHED
    remaining = scheduled.publish_at - timezone.now()
    assert timedelta(days=1, hours=23) < remaining <= timedelta(days=2)


def test_scheduled_and_draft_demo_stories_answer_404_to_readers(seeded, client):
    scheduled = Article.objects.scheduled().get()
    draft = Article.objects.get(status=Article.Status.DRAFT)
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_pictures_are_library_images_with_alt_caption_and_credit(seeded):
    # Stored sizes, not ones measured again from the file on loading.
    shown = Article.objects.exclude(status=Article.Status.DRAFT)
    assert set(shown.values_list("featured_image__width", "featured_image__height")) == {
        (1600, 900)
    }
    for article in shown.select_related("featured_image"):
        image = article.featured_image
        assert image is not None, article.title
        assert default_storage.exists(image.file.name)
        assert image.file.name.startswith("images/")
        assert image.alt_text.startswith("Abstract illustration")
        assert image.caption and article.featured_caption == image.caption
        assert image.credit == "Photo: Newsroom demo"
        assert image.file_size == default_storage.size(image.file.name)
    # One library image per demo picture.
    assert LibraryImage.objects.count() == shown.count()
    for author in Author.objects.all():
        assert default_storage.exists(author.photo.name)
        with default_storage.open(author.photo.name) as photo:
            assert Image.open(photo).size == (400, 400)


def test_demo_pictures_have_their_renditions_queued_after_commit(
    db, django_capture_on_commit_callbacks
):
    with (
        patch("images.tasks.generate_renditions.delay") as generate,
        django_capture_on_commit_callbacks(execute=True),
    ):
        seed_demo()
    queued = {call.args[0] for call in generate.call_args_list}
    assert queued == set(LibraryImage.objects.values_list("pk", flat=True))


def test_pictures_are_the_same_for_the_same_slug():
    assert images.article_image.__wrapped__("a-slug") == images.article_image.__wrapped__("a-slug")
    assert images.article_image.__wrapped__("a-slug") != images.article_image.__wrapped__(
        "another-slug"
    )


def test_breaking_news_banner_links_to_the_seed_article_for_six_hours(seeded):
    banner = BreakingNews.objects.current().get()
    assert banner.url == seed_article().get_absolute_url()
    assert banner.text == SEED.title
    expires_in = banner.expires_at - timezone.now()
    assert timedelta(hours=5, minutes=59) < expires_in <= timedelta(hours=6)


def test_summary_is_one_line_with_created_counts(db):
    output = seed_demo()
    assert output.count("\n") == 1
    assert "27 articles (27 created, 0 updated, 0 unchanged)" in output
    assert "banner created" in output


# -- idempotency -----------------------------------------------------------------------

COUNTED = [
    Article,
    ArticleAuthor,
    Correction,
    Category,
    Author,
    Tag,
    TaggedItem,
    BreakingNews,
    LibraryImage,
]


def test_running_twice_creates_no_duplicates(seeded):
    before = {model.__name__: model.objects.count() for model in COUNTED}
    output = seed_demo()
    after = {model.__name__: model.objects.count() for model in COUNTED}
    assert after == before
    assert "0 created" in output
    assert "0 images generated" in output
    assert "banner refreshed" in output


def test_second_run_writes_nothing_but_the_banner(seeded):
    with CaptureQueriesContext(connection) as queries:
        seed_demo()
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert len(writes) == 1
    assert "widgets_breakingnews" in writes[0]


def test_second_run_keeps_the_generated_pictures(seeded):
    pictured = Article.objects.filter(featured_image__isnull=False)
    names = sorted(pictured.values_list("featured_image__file", flat=True))
    seed_demo()
    assert sorted(pictured.values_list("featured_image__file", flat=True)) == names


def test_rerun_later_moves_demo_times_up_to_the_present(seeded):
    later = timezone.now() + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        output = seed_demo()
        article = seed_article()
        assert abs(timezone.now() - article.publish_at - timedelta(minutes=40)) < timedelta(
            seconds=1
        )
        assert article.is_live
        first_post = demo_story(SEED.recent_posts[0].title)
        assert abs(timezone.now() - first_post.publish_at - timedelta(hours=12)) < timedelta(
            seconds=1
        )
        assert Article.objects.scheduled().count() == 1
        assert BreakingNews.objects.current().get().url == article.get_absolute_url()
    assert "0 created" in output
    # Every demo story moves, except the draft, which has no time.
    assert "26 updated, 1 unchanged" in output


def test_rerun_in_a_new_month_leaves_a_redirect_from_the_old_address(seeded, client):
    old_path = seed_article().path
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        seed_demo()
        article = seed_article()
        assert article.path != old_path
        assert ArticleRedirect.objects.filter(old_path=old_path, article=article).exists()


def test_rerun_restores_edited_demo_rows_and_leaves_other_content_alone(seeded):
    other = ArticleFactory(title="An editor's own story", is_featured=True)
    other_version, other_updated = other.version, Article.objects.get(pk=other.pk).updated_at
    article = seed_article()
    version = article.version
    Article.objects.filter(pk=article.pk).update(title="Changed by hand", dateline="")
    Category.objects.filter(slug="artsakh").update(name="Karabakh")

    output = seed_demo()

    article.refresh_from_db()
    assert article.title == SEED.title
    assert article.dateline == "STEPANAKERT"
    assert article.version == version + 1
    assert Category.objects.get(slug="artsakh").name == "Artsakh"
    other.refresh_from_db()
    assert (other.title, other.version, other.updated_at) == (
        "An editor's own story",
        other_version,
        other_updated,
    )
    assert other.is_featured
    assert "1 updated" in output


def test_rerun_restores_a_deleted_picture(seeded):
    image = seed_article().featured_image
    default_storage.delete(image.file.name)
    output = seed_demo()
    article = seed_article()
    assert article.featured_image == image  # the same library image, with its file again
    assert default_storage.exists(article.featured_image.file.name)
    assert "1 images generated" in output


# -- the site after seeding ----------------------------------------------------------------


def test_home_page_leads_with_the_seed_article_and_shows_the_banner(seeded, client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["lead"].articles() == [seed_article()]
    html = response.content.decode()
    assert escape(SEED.title) in html
    assert 'class="breaking"' in html


def test_seed_article_page_lists_the_six_recent_posts(seeded, client):
    response = client.get(seed_article().get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    sidebar = html[html.index('class="recent-posts"') :]
    for post in SEED.recent_posts:
        assert escape(post.title) in sidebar, post.title
    assert "STEPANAKERT" in html
    assert "MassisPost" in html


@pytest.mark.parametrize(
    "path",
    [
        "/category/artsakh/",
        "/category/diaspora/",
        "/category/community/",
        "/tag/azerbaijan/",
        "/author/anahit-sargsyan/",
        "/author/massispost/",
    ],
)
def test_listing_pages_answer_after_seeding(seeded, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.context["articles"]


def test_month_archive_of_the_seed_article_answers(seeded, client):
    when = seed_article().local_publish_at
    response = client.get(f"/{when.year}/{when.month:02d}/")
    assert response.status_code == 200
