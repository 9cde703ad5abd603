from datetime import UTC, datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, ArticleEvent, ArticleRedirect
from authors.models import Author
from categories.models import Category
from images.models import Image as LibraryImage
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory
from wordpress.models import ImportedItem
from wordpress.services import import_wxr

from .conftest import attachment, author, category, png_bytes, post, tag, wxr

pytestmark = pytest.mark.django_db

ARMENIAN_TITLE = "Հայաստանի կառավարությունը նոր ծրագիր է ներկայացրել"
ARMENIAN_SLUG = "հայաստանի-կառավարությունը"
ARMENIAN_SLUG_ENCODED = (
    "%d5%b0%d5%a1%d5%b5%d5%a1%d5%bd%d5%bf%d5%a1%d5%b6%d5%ab-"
    "%d5%af%d5%a1%d5%bc%d5%a1%d5%be%d5%a1%d6%80%d5%b8%d6%82%d5%a9%d5%b5%d5%b8%d6%82%d5%b6%d5%a8"
)


def full_export(**post_overrides):
    options = {
        "title": "Council approves the budget",
        "slug": "council-approves-budget",
        "content": "First paragraph\nsame paragraph.\n\nSecond paragraph.",
        "excerpt": "The <b>budget</b> passed.",
        "creator": "jdoe",
        "categories": [("politics", "Politics")],
        "tags": [("budget", "Budget"), ("city-hall", "City Hall")],
        "sticky": True,
        "date": "2024-03-05 12:30:00",
        "date_gmt": "2024-03-05 08:30:00",
        "modified": "2024-03-07 09:00:00",
        "modified_gmt": "2024-03-07 05:00:00",
    }
    options.update(post_overrides)
    return wxr(
        author(2, "jdoe", "Jane Doe", "jane@old.example"),
        category(3, "news", "News &amp; Views", description="All the news"),
        category(4, "politics", "Politics", parent="news"),
        tag(10, "budget", "Budget"),
        tag(11, "city-hall", "City Hall"),
        post(101, **options),
    )


def test_a_published_post_is_imported_with_every_field(write_wxr):
    report = import_wxr(write_wxr(full_export()))

    assert report.ok, report.failures
    article = Article.objects.get()
    assert article.title == "Council approves the budget"
    assert article.slug == "council-approves-budget"
    assert article.body == "<p>First paragraph<br>\nsame paragraph.</p>\n<p>Second paragraph.</p>\n"
    assert article.dek == "The budget passed."
    assert article.status == Article.Status.PUBLISHED
    assert article.publish_at == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert article.content_updated_at == datetime(2024, 3, 7, 5, 0, tzinfo=UTC)
    assert article.is_featured is True
    assert article.is_live
    # Already announced by the old site: no sharing, no sweep.
    assert article.went_live_at == article.publish_at
    assert article.category.slug == "politics"
    assert article.category.parent.slug == "news"
    assert article.category.parent.name == "News & Views"
    assert article.category.parent.description == "All the news"
    assert sorted(article.tags.names()) == ["Budget", "City Hall"]
    assert sorted(article.tags.values_list("slug", flat=True)) == ["budget", "city-hall"]
    byline = article.ordered_authors
    assert [(a.name, a.slug, a.email) for a in byline] == [("Jane Doe", "jdoe", "jane@old.example")]
    assert not article.featured_image
    event = ArticleEvent.objects.get(article=article)
    assert event.action == ArticleEvent.Action.CREATED
    assert "post 101" in event.detail


def test_imported_items_remember_their_wordpress_ids(write_wxr):
    import_wxr(write_wxr(full_export()))

    items = {(i.kind, i.wp_id): i for i in ImportedItem.objects.all()}
    assert set(items) == {
        ("author", 2),
        ("term", 3),
        ("term", 4),
        ("term", 10),
        ("term", 11),
        ("post", 101),
    }
    assert items["post", 101].content_object == Article.objects.get()
    assert items["post", 101].url == "https://old.example/2024/03/05/council-approves-budget/"
    assert items["post", 101].site == "https://old.example"
    assert items["term", 4].content_object == Category.objects.get(slug="politics")
    assert items["term", 10].content_object == Tag.objects.get(slug="budget")
    assert items["author", 2].content_object == Author.objects.get(slug="jdoe")


def test_category_hierarchy_is_kept_even_when_children_come_first(write_wxr):
    text = wxr(
        category(7, "yerevan", "Yerevan", parent="armenia"),
        category(6, "armenia", "Armenia", parent="world"),
        category(5, "world", "World"),
        post(1, categories=[("yerevan", "Yerevan")]),
    )
    import_wxr(write_wxr(text))

    yerevan = Category.objects.get(slug="yerevan")
    assert yerevan.parent.slug == "armenia"
    assert yerevan.parent.parent.slug == "world"
    assert yerevan.parent.parent.parent is None


def test_armenian_title_and_percent_encoded_slugs_are_decoded(write_wxr):
    text = wxr(
        category(8, "%d5%b0%d5%a1%d5%b5%d5%a1%d5%bd%d5%bf%d5%a1%d5%b6", "Հայաստան"),
        tag(9, "%d5%a5%d6%80%d6%87%d5%a1%d5%b6", "Երևան"),
        post(
            5,
            ARMENIAN_TITLE,
            slug=ARMENIAN_SLUG_ENCODED,
            link=f"https://old.example/2024/03/05/{ARMENIAN_SLUG_ENCODED}/",
            categories=[("%d5%b0%d5%a1%d5%b5%d5%a1%d5%bd%d5%bf%d5%a1%d5%b6", "Հայաստան")],
            tags=[("%d5%a5%d6%80%d6%87%d5%a1%d5%b6", "Երևան")],
        ),
        post(6, "Café “quotes” – ünïcode", slug="caf%c3%a9-quotes-%e2%80%93-unicode"),
    )
    report = import_wxr(write_wxr(text))

    assert report.ok, report.failures
    article = Article.objects.get(title=ARMENIAN_TITLE)
    assert article.slug == ARMENIAN_SLUG
    assert article.category.slug == "հայաստան"
    assert article.category.name == "Հայաստան"
    assert list(article.tags.values_list("slug", "name")) == [("երևան", "Երևան")]
    # The en dash is not a slug character: the slug is made valid, not kept broken.
    assert Article.objects.get(title__startswith="Café").slug == "café-quotes-unicode"


def test_armenian_article_page_answers_at_its_decoded_address(write_wxr, client):
    import_wxr(write_wxr(wxr(post(5, ARMENIAN_TITLE, slug=ARMENIAN_SLUG_ENCODED))))

    article = Article.objects.get()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert ARMENIAN_TITLE in response.content.decode()


def test_statuses_map_to_the_workflow(write_wxr):
    future = (timezone.now() + timedelta(days=3)).astimezone(UTC).replace(microsecond=0)
    text = wxr(
        post(1, "Draft", status="draft", slug="", date_gmt="0000-00-00 00:00:00"),
        post(2, "Pending", status="pending", slug=""),
        post(3, "Scheduled", status="future", date_gmt=f"{future:%Y-%m-%d %H:%M:%S}"),
        post(4, "Private", status="private"),
        post(5, "Trashed", status="trash"),
    )
    report = import_wxr(write_wxr(text))

    by_title = {a.title: a for a in Article.objects.all()}
    assert set(by_title) == {"Draft", "Pending", "Scheduled", "Private"}
    assert by_title["Draft"].status == Article.Status.DRAFT
    assert by_title["Draft"].publish_at is None
    assert by_title["Draft"].slug == "draft"
    assert by_title["Pending"].status == Article.Status.REVIEW
    scheduled = by_title["Scheduled"]
    assert scheduled.status == Article.Status.PUBLISHED
    assert scheduled.publish_at == future
    assert scheduled.is_scheduled and not scheduled.is_live
    assert scheduled.went_live_at is None
    assert by_title["Private"].status == Article.Status.UNPUBLISHED
    assert by_title["Private"].publish_at == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    assert report.counts["posts"]["skipped"] == 1
    assert "status 'trash'" in report.skipped[0].message
    # A draft's zero GMT date is normal, not a problem.
    assert not any("local time" in w.message for w in report.warnings)


def test_scheduled_post_is_not_on_public_pages_until_its_time(write_wxr, client):
    future = timezone.now() + timedelta(days=3)
    import_wxr(
        write_wxr(
            wxr(
                post(
                    3,
                    "Scheduled story",
                    status="future",
                    date_gmt=f"{future.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
                )
            )
        )
    )

    assert "Scheduled story" not in client.get("/").content.decode()
    assert client.get(Article.objects.get().get_absolute_url()).status_code == 404


def test_password_protected_post_is_not_made_public(write_wxr):
    report = import_wxr(write_wxr(wxr(post(1, "Members only", password="secret"))))

    assert Article.objects.get().status == Article.Status.UNPUBLISHED
    assert "password-protected" in report.warnings[0].message


def test_posts_without_a_category_go_to_uncategorized(write_wxr):
    import_wxr(write_wxr(wxr(post(1, categories=[]))))

    assert Article.objects.get().category.slug == "uncategorized"
    assert Article.objects.get().category.name == "Uncategorized"


def test_a_category_used_by_a_post_but_not_declared_is_created(write_wxr):
    import_wxr(write_wxr(wxr(post(1, categories=[("sports", "Sports")]))))

    assert Article.objects.get().category.name == "Sports"


def test_existing_category_and_author_with_the_same_slug_are_reused(write_wxr):
    section = CategoryFactory(slug="news", name="Our News")
    person = AuthorFactory(slug="jdoe", name="Jane D.")
    import_wxr(
        write_wxr(
            wxr(
                author(2, "jdoe", "Jane Doe"),
                category(3, "news", "News"),
                post(1, categories=[("news", "News")], creator="jdoe"),
            )
        )
    )

    article = Article.objects.get()
    assert article.category == section
    assert article.ordered_authors == [person]
    assert Category.objects.count() == 1 and Author.objects.count() == 1
    section.refresh_from_db()
    assert section.name == "Our News"  # a section of this site is not renamed


def test_author_slug_is_the_wordpress_nicename_of_the_login(write_wxr, client):
    import_wxr(
        write_wxr(
            wxr(
                author(2, "john.smith", "John Smith"),
                post(1, creator="john.smith"),
            )
        )
    )

    person = Author.objects.get()
    assert person.slug == "john-smith"
    assert person.name == "John Smith"
    assert client.get("/author/john-smith/").status_code == 200


def test_missing_author_gets_a_byline_from_the_login_and_a_warning(write_wxr):
    report = import_wxr(write_wxr(wxr(post(7, "Orphan", creator="ghost"))))

    article = Article.objects.get()
    assert [a.slug for a in article.ordered_authors] == ["ghost"]
    assert any(
        w.wp_id == 7 and "'ghost' is not in the export" in w.message for w in report.warnings
    )


def test_duplicate_slugs_get_a_numbered_suffix_as_wordpress_does(write_wxr):
    ArticleFactory(slug="same")
    report = import_wxr(
        write_wxr(
            wxr(
                post(1, "One", slug="same"),
                post(2, "Two", slug="same"),
            )
        )
    )

    assert report.ok
    assert Article.objects.get(title="One").slug == "same-2"
    assert Article.objects.get(title="Two").slug == "same-3"
    assert sum("belongs to another article" in w.message for w in report.warnings) == 2


def test_invalid_date_fails_that_post_only_and_names_it(write_wxr):
    report = import_wxr(
        write_wxr(
            wxr(
                post(1, "Bad date", date_gmt="2024-13-45 99:00:00", date="not a date"),
                post(2, "Good"),
            )
        )
    )

    assert list(Article.objects.values_list("title", flat=True)) == ["Good"]
    assert report.counts["posts"]["failed"] == 1
    failure = report.failures[0]
    assert (failure.wp_id, failure.title) == (1, "Bad date")
    assert "invalid publication date" in failure.message
    assert "'2024-13-45 99:00:00'" in failure.message


def test_zero_gmt_date_falls_back_to_local_time_with_a_warning(write_wxr):
    report = import_wxr(
        write_wxr(wxr(post(1, date="2024-03-05 12:30:00", date_gmt="0000-00-00 00:00:00"))),
        time_zone="Asia/Yerevan",
    )

    article = Article.objects.get()
    assert article.publish_at == datetime(2024, 3, 5, 12, 30, tzinfo=ZoneInfo("Asia/Yerevan"))
    assert "read as local time in Asia/Yerevan" in report.warnings[0].message


def test_unknown_post_types_are_skipped_and_counted(write_wxr):
    report = import_wxr(
        write_wxr(
            wxr(
                post(1, "About", post_type="page"),
                post(2, "Menu", post_type="nav_menu_item"),
                post(3, "Product", post_type="product"),
                post(4, "Story"),
            )
        )
    )

    assert Article.objects.count() == 1
    assert report.counts["other items"]["skipped"] == 3
    reasons = {p.wp_id: p.message for p in report.skipped}
    assert "pages are not imported" in reasons[1]
    assert reasons[2] == "post type 'nav_menu_item' is not imported"


def test_a_failing_item_leaves_nothing_half_written(write_wxr, monkeypatch):
    from wordpress import posts

    def broken(self, item, article, batch):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(posts.PostImporter, "_keep_permalink", broken)
    report = import_wxr(write_wxr(wxr(post(1, tags=[("t", "T")]))))

    assert Article.objects.count() == 0
    assert not ImportedItem.objects.filter(kind="post").exists()
    assert report.failures[0].message == "RuntimeError: disk on fire"


def test_reimport_updates_and_never_duplicates(write_wxr):
    import_wxr(write_wxr(full_export()))
    first = Article.objects.get()

    report = import_wxr(write_wxr(full_export()))
    assert report.counts["posts"]["unchanged"] == 1
    assert Article.objects.count() == 1
    assert Category.objects.count() == 2 and Tag.objects.count() == 2
    assert Author.objects.count() == 1
    assert ImportedItem.objects.count() == 6

    report = import_wxr(
        write_wxr(
            full_export(
                title="Council approves the amended budget",
                content="New text.",
                tags=[("budget", "Budget")],
                categories=[("news", "News")],
                sticky=False,
            )
        )
    )
    assert report.counts["posts"]["updated"] == 1
    article = Article.objects.get()
    assert article.pk == first.pk
    assert article.title == "Council approves the amended budget"
    assert article.body == "<p>New text.</p>\n"
    assert list(article.tags.names()) == ["Budget"]
    assert article.category.slug == "news"
    assert article.is_featured is False
    assert article.version == first.version + 1
    assert article.slug == first.slug


def test_reimport_leaves_a_story_deleted_here_in_the_trash(write_wxr):
    from articles import services

    import_wxr(write_wxr(full_export()))
    services.trash(Article.objects.get())
    report = import_wxr(write_wxr(full_export(title="Council approves the amended budget")))
    article = Article.objects.get()
    assert article.trashed_at is not None
    assert article.status != Article.Status.PUBLISHED
    assert article.title != "Council approves the amended budget"
    assert not report.failures
    assert report.counts["posts"]["skipped"] == 1


def test_reimport_of_a_renamed_slug_keeps_the_old_address(write_wxr, client):
    import_wxr(write_wxr(wxr(post(1, slug="first-name"))))
    import_wxr(write_wxr(wxr(post(1, slug="second-name"))))

    article = Article.objects.get()
    assert article.slug == "second-name"
    response = client.get("/2024/03/first-name/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_dry_run_writes_nothing(write_wxr, media_server):
    media_server.files["/a.png"] = (200, "image/png", png_bytes())
    report = import_wxr(
        write_wxr(
            wxr(
                author(2, "jdoe"),
                category(3, "news", "News"),
                tag(4, "t", "T"),
                attachment(50, media_server.url("/a.png")),
                post(1, thumbnail=50, categories=[("news", "News")], tags=[("t", "T")]),
                post(2, slug="", date_gmt="bad", date="bad"),
            )
        ),
        dry_run=True,
    )

    assert report.dry_run
    assert report.counts["posts"]["created"] == 1
    assert report.counts["posts"]["failed"] == 1
    assert report.counts["categories"]["created"] == 1
    for model in (Article, Category, Tag, Author, ImportedItem, ArticleRedirect, ArticleEvent):
        assert model.objects.count() == 0, model
    assert media_server.hits == []


def test_featured_image_becomes_a_library_image_fetched_once(write_wxr, media_server):
    media_server.files["/wp-content/uploads/2024/03/photo.png"] = (
        200,
        "image/png",
        png_bytes((40, 30)),
    )
    url = media_server.url("/wp-content/uploads/2024/03/photo.png")
    text = wxr(
        post(1, "With image", thumbnail=50),
        attachment(
            50,
            url,
            title="Council vote",
            alt="Council members voting",
            caption="The vote on Tuesday",
            credit="Photo: Ani Hovhannisyan",
        ),
    )
    report = import_wxr(write_wxr(text))

    assert report.ok, report.failures
    article = Article.objects.get()
    image = article.featured_image
    assert image.file.name.startswith("images/")
    assert image.file.name.endswith(".png") and "photo" in image.file.name
    assert (image.width, image.height) == (40, 30)
    assert (image.title, image.alt_text, image.caption, image.credit, image.source) == (
        "Council vote",
        "Council members voting",
        "The vote on Tuesday",
        "Photo: Ani Hovhannisyan",
        url,
    )
    assert article.featured_caption == "The vote on Tuesday"
    item = ImportedItem.objects.get(kind="attachment")
    assert item.url == url
    assert item.content_object == image
    assert item.media_file == image.file.name
    assert report.counts["featured images"]["created"] == 1

    # Again: nothing is fetched twice, and the library keeps one image.
    import_wxr(write_wxr(text))
    assert media_server.hits == ["/wp-content/uploads/2024/03/photo.png"]
    assert Article.objects.get().featured_image == image
    assert LibraryImage.objects.count() == 1


def test_two_posts_with_the_same_featured_image_share_one_library_image(write_wxr, media_server):
    media_server.files["/a.png"] = (200, "image/png", png_bytes())
    report = import_wxr(
        write_wxr(
            wxr(
                attachment(50, media_server.url("/a.png"), alt="A"),
                post(1, thumbnail=50),
                post(2, thumbnail=50),
            )
        )
    )
    assert report.ok, report.failures
    image = LibraryImage.objects.get()
    assert {a.featured_image for a in Article.objects.all()} == {image}
    assert media_server.hits == ["/a.png"]


def test_changed_attachment_text_updates_the_library_image(write_wxr, media_server):
    media_server.files["/a.png"] = (200, "image/png", png_bytes())
    url = media_server.url("/a.png")
    import_wxr(write_wxr(wxr(attachment(50, url, alt="Old alt"), post(1, thumbnail=50))))
    import_wxr(write_wxr(wxr(attachment(50, url, alt="New alt"), post(1, thumbnail=50))))
    assert LibraryImage.objects.get().alt_text == "New alt"
    assert media_server.hits == ["/a.png"]


def test_body_images_of_imported_attachments_point_at_the_library(write_wxr, media_server):
    media_server.files["/wp-content/uploads/2024/03/map.png"] = (200, "image/png", png_bytes())
    url = media_server.url("/wp-content/uploads/2024/03/map.png")
    resized = media_server.url("/wp-content/uploads/2024/03/map-300x200.png")
    elsewhere = "https://cdn.example.org/other.png"
    content = (
        f'<img class="alignnone size-medium wp-image-60" src="{resized}" alt="">\n\n'
        f'<img src="{url}" alt="Map again">\n\n<img src="{elsewhere}" alt="Other">'
    )
    report = import_wxr(
        write_wxr(
            wxr(
                attachment(60, url, title="Map", alt="Map of the lake", credit="Agency"),
                post(1, content=content),
            )
        )
    )

    assert report.ok, report.failures
    image = LibraryImage.objects.get()
    assert (image.alt_text, image.credit) == ("Map of the lake", "Agency")
    body = Article.objects.get().body
    assert resized not in body and f'src="{url}"' not in body
    assert body.count(f'src="{image.file.url}"') == 2
    assert f'src="{elsewhere}"' in body  # not from the old site: left alone
    assert [line.image for line in Article.objects.get().body_images.all()] == [image]
    assert report.counts["body images"]["created"] == 1
    assert media_server.hits == ["/wp-content/uploads/2024/03/map.png"]


def test_a_featured_image_also_shown_in_the_body_is_one_library_image(write_wxr, media_server):
    media_server.files["/b.png"] = (200, "image/png", png_bytes())
    url = media_server.url("/b.png")
    report = import_wxr(
        write_wxr(
            wxr(
                attachment(50, url, alt="B"),
                post(1, thumbnail=50, content=f'<img class="wp-image-50" src="{url}">'),
            )
        )
    )
    assert report.ok, report.failures
    image = LibraryImage.objects.get()
    article = Article.objects.get()
    assert article.featured_image == image
    assert f'src="{image.file.url}"' in article.body


def test_reimport_of_a_changed_post_keeps_its_body_images_in_the_library(write_wxr, media_server):
    media_server.files["/c.png"] = (200, "image/png", png_bytes())
    url = media_server.url("/c.png")
    import_wxr(write_wxr(wxr(attachment(70, url), post(1, content=f'<img src="{url}">'))))
    import_wxr(
        write_wxr(
            wxr(
                attachment(70, url),
                post(1, title="Retitled", content=f'<img src="{url}"> More.'),
            )
        )
    )
    article = Article.objects.get()
    image = LibraryImage.objects.get()
    assert article.title == "Retitled"
    assert f'src="{image.file.url}"' in article.body
    assert [line.image for line in article.body_images.all()] == [image]
    assert media_server.hits == ["/c.png"]


def test_featured_image_that_does_not_answer_keeps_its_url_and_is_reported(write_wxr, media_server):
    media_server.files["/notimage.png"] = (200, "image/png", b"<html>not an image</html>")
    gone = media_server.url("/gone.jpg")
    report = import_wxr(
        write_wxr(
            wxr(
                attachment(50, gone),
                attachment(51, media_server.url("/notimage.png")),
                post(1, "Gone", thumbnail=50),
                post(2, "Fake", thumbnail=51),
                post(3, "Lost", thumbnail=999),
            )
        )
    )

    assert Article.objects.count() == 3
    assert not any(a.featured_image_id for a in Article.objects.all())
    messages = {p.wp_id: p.message for p in report.media_failures}
    assert f"featured image {gone} not fetched: the server answered HTTP 404" == messages[1]
    assert "not an image" in messages[2]
    assert "attachment 999) is not in the export" in messages[3]
    item = ImportedItem.objects.get(kind="attachment", wp_id=50)
    assert item.url == gone
    assert item.media_error == "the server answered HTTP 404"
    assert report.ok  # a missing picture does not fail the post


def test_no_media_keeps_attachment_urls_without_fetching(write_wxr, media_server):
    media_server.files["/a.png"] = (200, "image/png", png_bytes())
    report = import_wxr(
        write_wxr(wxr(attachment(50, media_server.url("/a.png")), post(1, thumbnail=50))),
        fetch_media=False,
    )

    assert media_server.hits == []
    assert not Article.objects.get().featured_image
    assert ImportedItem.objects.get(kind="attachment").url == media_server.url("/a.png")
    assert report.counts["featured images"]["skipped"] == 1


def test_caption_shortcode_becomes_a_figure(write_wxr):
    content = (
        'Intro text.\n\n[caption id="attachment_5" align="alignnone" width="300"]'
        '<img src="https://old.example/a.jpg" alt="A" width="300" height="200" /> The mayor'
        '[/caption]\n\n[unknown-widget]kept text[/unknown-widget] and [gallery ids="1,2"]'
    )
    import_wxr(write_wxr(wxr(post(1, content=content))))

    body = Article.objects.get().body
    assert '<figure class="image"><img src="https://old.example/a.jpg" alt="A"' in body
    assert "<figcaption>The mayor</figcaption></figure>" in body
    assert "<p>kept text and </p>" in body
    assert "gallery" not in body


def test_block_editor_posts_are_not_autop_ed(write_wxr):
    content = "<!-- wp:paragraph -->\n<p>One</p>\n<!-- /wp:paragraph -->"
    import_wxr(write_wxr(wxr(post(1, content=content))))

    assert Article.objects.get().body == "\n<p>One</p>\n"


def test_scheduled_post_is_not_shared_early_and_imported_old_posts_never(
    write_wxr, django_capture_on_commit_callbacks
):
    future = timezone.now() + timedelta(hours=5)
    with (
        patch("articles.tasks.go_live.apply_async") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        import_wxr(
            write_wxr(
                wxr(
                    post(1, "Old"),
                    post(
                        2,
                        "Later",
                        status="future",
                        date_gmt=f"{future.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
                    ),
                )
            )
        )
    scheduled = Article.objects.get(title="Later")
    enqueue.assert_called_once_with((scheduled.pk,), eta=scheduled.publish_at)
    assert Article.objects.side_effects_overdue().count() == 0


def test_a_post_id_that_appears_twice_is_imported_once_and_reported(write_wxr):
    report = import_wxr(write_wxr(wxr(post(1, "First"), post(1, "Copy"))))

    assert list(Article.objects.values_list("title", flat=True)) == ["First"]
    assert report.failures[0].message == "wp:post_id 1 appears twice in the export"
