"""Imports of exports that a real WordPress 6.1 wrote (tests/wordpress/fixtures, made by
`make wordpress-fixtures`): the main site and a Polylang site, checked field by field."""

import json
import re
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from unittest.mock import patch

import pytest
from django.core.management import call_command
from reversion.models import Version
from taggit.models import Tag

from articles.models import Article, ArticleEvent
from authors.models import Author
from categories.models import Category
from images.models import Image as LibraryImage
from wordpress.models import ImportedItem
from wordpress.services import import_wxr

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
MAIN = FIXTURES / "main.xml"
POLYLANG = FIXTURES / "polylang.xml"
UPLOADS = FIXTURES / "uploads"
SITE = "https://main.example.org"


def run(path, tmp_path, *args):
    out = StringIO()
    call_command(
        "import_wordpress",
        str(path),
        "--no-progress",
        "--comments-file",
        str(tmp_path / "comments.jsonl"),
        *args,
        stdout=out,
    )
    return out.getvalue()


def counts(output, kind):
    """(created, updated, unchanged, skipped, failed) of a summary row."""
    match = re.search(rf"^  {kind} +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", output, re.M)
    assert match, f"no {kind!r} row in:\n{output}"
    return tuple(int(n) for n in match.groups())


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def main_site(tmp_path):
    return run(MAIN, tmp_path, "--uploads", str(UPLOADS))


def test_a_real_export_imports_without_failures_and_lists_every_kind(main_site):
    output = main_site
    assert "Failed" not in output
    assert "Traceback" not in output
    assert counts(output, "posts") == (8, 0, 0, 1, 0)  # trash skipped
    assert counts(output, "attachments") == (4, 0, 0, 0, 0)
    assert counts(output, "featured images") == (1, 0, 0, 0, 0)
    # The lead's picture, the caption's and the gallery's two; the lead's picture
    # is also its featured image (found, not made twice).
    assert counts(output, "body images") == (3, 1, 0, 0, 0)
    assert counts(output, "categories") == (5, 0, 0, 0, 0)
    assert counts(output, "tags") == (3, 0, 0, 0, 0)
    assert counts(output, "authors") == (4, 0, 0, 0, 0)
    assert counts(output, "other items") == (0, 0, 0, 5, 0)  # pages
    assert counts(output, "other terms") == (0, 0, 0, 2, 0)  # post formats
    assert "pages are not imported (this site has no pages): 5 (WordPress IDs 2, 3, 18" in output
    assert "status 'trash' is not imported: 1 (WordPress IDs 16)" in output
    assert "post formats are not kept" in output
    assert "Terms listed twice by the export" in output
    assert ": 8, imported once" in output
    assert "Comments: 6 (approved 5, pending 1) written to" in output
    assert output.rstrip().endswith("Done.")


def test_every_term_is_imported_once_although_the_export_lists_it_twice(main_site):
    text = MAIN.read_text()
    # The fixture is what makes the point: WordPress wrote each category twice.
    assert text.count("<wp:category_nicename><![CDATA[yerevan]]>") == 1
    assert text.count("<wp:term_slug><![CDATA[yerevan]]>") == 1
    assert Category.objects.filter(slug="yerevan").count() == 1
    assert ImportedItem.objects.filter(kind="term").count() == 8
    assert set(Tag.objects.values_list("name", flat=True)) == {"Հայաստան", "Երևան", "Diaspora"}


def test_categories_keep_three_levels(main_site):
    yerevan = Category.objects.get(slug="yerevan")
    assert yerevan.name == "Yerevan"
    assert yerevan.parent.slug == "armenia"
    assert yerevan.parent.parent.slug == "news"
    assert yerevan.parent.parent.parent is None
    assert yerevan.parent.parent.description == "All the news."
    assert Category.objects.get(slug="culture").name == "Culture & Arts"


def test_authors_with_the_same_display_name_stay_two_bylines(main_site):
    anna = Author.objects.get(slug="anna")
    annap = Author.objects.get(slug="annap")
    assert anna.pk != annap.pk
    assert Article.objects.get(slug="metro-line-approved").authors.get() == anna
    assert Article.objects.get(slug="festival-opens").authors.get() == annap


def test_the_sticky_block_editor_post_is_imported_field_by_field(main_site):
    article = Article.objects.get(slug="metro-line-approved")
    assert article.title == "City council approves the new metro line"
    assert article.status == Article.Status.PUBLISHED
    # 09:30 in Yerevan (the site's time zone, UTC+4).
    assert article.publish_at == utc(2024, 3, 5, 5, 30)
    assert article.went_live_at == article.publish_at
    assert article.dek == "The vote was 40 to 5."
    assert article.is_featured is True
    assert article.category.slug == "yerevan"
    assert set(article.tags.values_list("name", flat=True)) == {"Հայաստան", "Երևան"}
    assert "<p>The council voted on <strong>Tuesday</strong>.</p>" in article.body
    assert "<!-- wp:" not in article.body
    image = article.featured_image
    assert image.title == "Metro station"
    assert image.alt_text == "A metro station entrance"
    assert image.caption == "The station at Republic Square"
    # The body showed the 300x200 copy; it is the same library image, the original's file.
    assert f'src="{image.file.url}"' in article.body
    assert "metro-300x200" not in article.body
    assert image.width == 600


def test_classic_post_shortcodes_become_html(main_site):
    article = Article.objects.get(slug="festival-opens")
    body = article.body
    assert "[" not in body
    caption = LibraryImage.objects.get(title="Unattached picture")
    assert f'src="{caption.file.url}"' in body
    assert "<figcaption>The main stage</figcaption>" in body
    for title in ("Gallery one", "Gallery two"):
        assert f'src="{LibraryImage.objects.get(title=title).file.url}"' in body
    assert '<oembed url="https://www.youtube.com/watch?v=dQw4w9WgXcQ">' in body
    assert article.category.slug in {"culture", "armenia"}
    assert list(article.tags.values_list("name", flat=True)) == ["Diaspora"]


def test_every_status_maps_to_the_workflow(main_site):
    status = dict(Article.objects.values_list("slug", "status"))
    assert status == {
        "hello-world": "published",
        "metro-line-approved": "published",
        "festival-opens": "published",
        "short-note": "published",
        "election-results": "published",  # future: scheduled
        "budget-draft": "draft",
        "pending-interview": "review",
        "private-memo": "unpublished",
    }
    scheduled = Article.objects.get(slug="election-results")
    assert scheduled.publish_at == utc(2099, 1, 1, 5, 0)
    assert scheduled.went_live_at is None
    assert not Article.objects.filter(slug="retracted-story").exists()
    assert set(Article.objects.live().values_list("slug", flat=True)) == {
        "hello-world",
        "metro-line-approved",
        "festival-opens",
        "short-note",
    }


def test_each_story_gets_a_first_revision_and_an_event(main_site):
    article = Article.objects.get(slug="metro-line-approved")
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 1
    assert versions[0].revision.comment.startswith("Imported from WordPress")
    assert versions[0].revision.comment.endswith("post 4)")
    events = ArticleEvent.objects.filter(article=article)
    assert [e.action for e in events] == [ArticleEvent.Action.CREATED]
    assert article.version == 1


def test_comments_are_written_to_the_comments_file(main_site, tmp_path):
    rows = [json.loads(line) for line in (tmp_path / "comments.jsonl").read_text().splitlines()]
    assert len(rows) == 6
    festival = Article.objects.get(slug="festival-opens")
    on_festival = [r for r in rows if r["post_id"] == 10]
    assert {r["type"] for r in on_festival} == {"comment", "pingback"}
    assert {r["status"] for r in on_festival} == {"approved", "pending"}
    assert all(r["article_url"] == festival.get_absolute_url() for r in on_festival)
    reply = next(r for r in on_festival if r["content"] == "Thanks, Ani.")
    parent = next(r for r in on_festival if r["content"] == "See you there.")
    assert reply["parent_id"] == parent["comment_id"]
    assert reply["date_gmt"] == "2024-02-11 08:00:00"
    # WordPress exports no spam.
    assert not any(r["content"] == "Buy now" for r in rows)


def test_a_second_run_changes_nothing(main_site, tmp_path):
    before = {
        "articles": list(Article.objects.order_by("pk").values()),
        "events": ArticleEvent.objects.count(),
        "images": LibraryImage.objects.count(),
        "items": ImportedItem.objects.count(),
        "versions": Version.objects.count(),
    }
    output = run(MAIN, tmp_path, "--uploads", str(UPLOADS))
    assert counts(output, "posts") == (0, 0, 8, 1, 0)
    assert counts(output, "attachments") == (0, 0, 4, 0, 0)
    assert counts(output, "categories") == (0, 0, 5, 0, 0)
    assert counts(output, "tags") == (0, 0, 3, 0, 0)
    assert counts(output, "authors") == (0, 0, 4, 0, 0)
    after = {
        "articles": list(Article.objects.order_by("pk").values()),
        "events": ArticleEvent.objects.count(),
        "images": LibraryImage.objects.count(),
        "items": ImportedItem.objects.count(),
        "versions": Version.objects.count(),
    }
    assert after == before


def test_missing_upload_files_are_listed_and_the_import_goes_on(tmp_path):
    uploads = tmp_path / "uploads"
    (uploads / "2024" / "02").mkdir(parents=True)
    output = run(MAIN, tmp_path, "--uploads", str(uploads))
    assert counts(output, "posts") == (8, 0, 0, 1, 0)
    assert "Pictures not imported" in output
    assert "missing from the uploads copy: 2024/03/metro.jpg" in output
    assert Article.objects.get(slug="metro-line-approved").featured_image is None
    assert LibraryImage.objects.count() == 0


def test_old_permalinks_of_the_category_structure_answer_301(main_site, client):
    article = Article.objects.get(slug="metro-line-approved")
    response = client.get("/news/armenia/yerevan/metro-line-approved/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_old_go_live_is_not_repeated_and_scheduled_posts_are_queued(
    tmp_path, django_capture_on_commit_callbacks
):
    with (
        patch("articles.tasks.go_live.apply_async") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        import_wxr(str(MAIN), fetch_media=False)
    scheduled = Article.objects.get(slug="election-results")
    enqueue.assert_called_once_with((scheduled.pk,), eta=scheduled.publish_at)
    assert Article.objects.side_effects_overdue().count() == 0


def test_announce_past_queues_the_go_live_of_old_live_posts(django_capture_on_commit_callbacks):
    with (
        patch("articles.tasks.go_live.apply_async") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        import_wxr(str(MAIN), fetch_media=False, announce_past=True)
    queued = {call.args[0][0] for call in enqueue.call_args_list}
    assert queued == set(Article.objects.filter(status="published").values_list("pk", flat=True))
    assert Article.objects.get(slug="hello-world").went_live_at is None


# -- the Polylang site ----------------------------------------------------------------


def test_polylang_site_imports_every_post_once_into_its_edition(tmp_path, settings):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    settings.LANGUAGE_CODE = "en"
    output = run(POLYLANG, tmp_path)
    assert "Failed" not in output
    assert counts(output, "posts") == (6, 0, 0, 0, 0)
    # Polylang's languages and groups are used (tests/wordpress/test_polylang.py).
    assert counts(output, "other terms") == (0, 0, 0, 1, 0)
    assert "Polylang translation groups: 2" in output
    assert "custom taxonomy 'region' is not imported: 1" in output
    assert set(Article.objects.values_list("title", flat=True)) == {
        "Hello world!",
        "Parliament passes the budget",
        "Խորհրդարանն ընդունեց բյուջեն",
        "New bridge over the Vorotan",
        "Նոր կամուրջ Որոտանի վրա",
        "English only story",
    }
    armenian = Article.objects.get(title="Նոր կամուրջ Որոտանի վրա")
    assert (armenian.slug, armenian.language) == ("vorotan-kamurj", "hy")
    assert armenian.category.name == "Աշխարհ"
    assert armenian.body.strip() == "<p>Նոր կամուրջ Որոտանի վրա։</p>"
    # The translation groups are in the export as Polylang stores them.
    text = POLYLANG.read_text()
    assert 'a:2:{s:2:"en";i:' in text


def test_polylang_archives_permalinks_answer_301_and_a_second_run_changes_nothing(
    tmp_path, client, settings
):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    settings.LANGUAGE_CODE = "en"
    run(POLYLANG, tmp_path)
    item = ImportedItem.objects.get(kind="post", title="English only story")
    article = Article.objects.get(pk=item.object_id)
    assert item.url == f"https://polylang.example.org/archives/{item.wp_id}"
    response = client.get(f"/archives/{item.wp_id}")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()

    output = run(POLYLANG, tmp_path)
    assert counts(output, "posts") == (0, 0, 6, 0, 0)


# -- old addresses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/?p=4", "story"),
        ("/?page_id=4", "story"),
        ("/?cat=4", "/category/yerevan/"),
        ("/?tag=diaspora", "/tag/diaspora/"),
        ("/?author=2", "/author/anna/"),
        ("/?feed=rss2", "/feed/"),
        ("/?attachment_id=5", "story"),
        ("/news/armenia/yerevan/metro-line-approved/", "story"),
        ("/news/armenia/yerevan/metro-line-approved/attachment/metro-station/", "story"),
        ("/2024/03/05/metro-line-approved/", "story"),
        ("/metro-line-approved/", "story"),
        ("/archives/4", "story"),
        ("/page/2/", "/?page=2"),
        ("/page/1/", "/"),
        ("/category/news/armenia/yerevan/", "/category/yerevan/"),
        ("/category/news/armenia/yerevan/page/3/", "/category/yerevan/?page=3"),
        ("/category/yerevan/page/2/", "/category/yerevan/?page=2"),
        ("/tag/diaspora/page/2/", "/tag/diaspora/?page=2"),
        ("/author/anna/page/2/", "/author/anna/?page=2"),
        ("/feed/rss2/", "/feed/"),
        ("/category/news/armenia/yerevan/feed/", "/category/yerevan/feed/"),
        ("/category/yerevan/feed/rss2/", "/category/yerevan/feed/"),
        ("/category/yerevan/feed/atom/", None),
        ("/tag/diaspora/feed/rss2/", "/tag/diaspora/feed/"),
        ("/author/anna/feed/rss2/", "/author/anna/feed/"),
    ],
)
def test_old_addresses_answer_301_to_ours(main_site, client, old, new):
    story = Article.objects.get(slug="metro-line-approved").get_absolute_url()
    response = client.get(old)
    if new is None:  # an address both sites have
        assert response.status_code == 200
        return
    assert response.status_code == 301, response
    assert response["Location"] == (story if new == "story" else new)


def test_an_unattached_pictures_page_goes_to_its_library_file(main_site, client):
    response = client.get("/?attachment_id=7")
    assert response.status_code == 301
    assert response["Location"] == LibraryImage.objects.get(title="Unattached picture").file.url


@pytest.mark.parametrize(
    "old", ["/comments/feed/", "/news/armenia/festival-opens/feed/", "/?feed=comments-rss2"]
)
def test_comment_feeds_say_the_comments_are_gone(main_site, client, old):
    response = client.get(old)
    if old.startswith("/?"):
        # Not a feed WordPress's plain links can ask of this site: the home page.
        assert response.status_code == 200
        return
    assert response.status_code == 410
    assert b"Comments were not carried over" in response.content


@pytest.mark.parametrize(
    "old",
    [
        "/budget-draft/",
        "/?p=13",
        "/archives/13",
        "/2099/01/01/election-results/",
        "/category/news/nowhere/",
    ],
)
def test_old_addresses_of_what_is_not_public_reveal_nothing(main_site, client, old):
    assert client.get(old).status_code in (200, 404)
    assert client.get(old).status_code != 301


def test_the_author_page_answers_at_the_wordpress_login(main_site, client):
    assert client.get("/author/annap/").status_code == 200


# -- failures, statistics -------------------------------------------------------------


def test_an_unexpected_error_is_one_line_and_the_run_goes_on(tmp_path, monkeypatch, caplog):
    from wordpress.media import MediaImporter

    def broken(self, item, mapping):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(MediaImporter, "record_attachment", broken)
    with pytest.raises(Exception, match="4 item"):
        run(MAIN, tmp_path)
    assert Article.objects.count() == 8
    # The traceback went to the log, not into the summary.
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)


def test_the_summary_names_the_failed_item_and_the_reason_in_one_line(tmp_path, monkeypatch):
    from wordpress.media import MediaImporter

    def broken(self, item, mapping):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(MediaImporter, "record_attachment", broken)
    out = StringIO()
    with pytest.raises(Exception, match="item"):
        call_command(
            "import_wordpress",
            str(MAIN),
            "--no-progress",
            "--no-media",
            "--comments-file",
            str(tmp_path / "c.jsonl"),
            stdout=out,
        )
    lines = out.getvalue().splitlines()
    assert '  attachment 5 "Metro station": RuntimeError: disk on fire' in lines
    assert "Traceback" not in out.getvalue()


def test_the_command_refreshes_planner_statistics_after_the_load(tmp_path):
    with patch("wordpress.services.analyze") as analyze:
        run(MAIN, tmp_path, "--no-media")
    analyze.assert_called_once()
    assert Article in analyze.call_args.args


class _Terminal(StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_a_progress_bar_only_on_a_terminal(tmp_path, monkeypatch, terminal):
    err = _Terminal()
    monkeypatch.setattr("sys.stderr", err)
    out = _Terminal() if terminal else StringIO()
    call_command(
        "import_wordpress",
        str(MAIN),
        "--no-media",
        "--comments-file",
        str(tmp_path / "c.jsonl"),
        stdout=out,
    )
    assert ("Importing" in err.getvalue()) is terminal
    assert "Done." in out.getvalue()


@pytest.mark.parametrize(
    "url", ["/", "/category/yerevan/", "/tag/diaspora/", "/author/anna/", "/feed/", "story"]
)
def test_pages_that_answer_never_reach_the_old_address_fallback(
    main_site, client, monkeypatch, url
):
    from wordpress.middleware import WordPressPathFallbackMiddleware

    def called(self, path):
        raise AssertionError(f"the fallback looked at {path}")

    monkeypatch.setattr(WordPressPathFallbackMiddleware, "target", called)
    if url == "story":
        url = Article.objects.get(slug="metro-line-approved").get_absolute_url()
    assert client.get(url).status_code == 200


def test_media_url_fetches_the_pictures_from_another_host(tmp_path, media_server):
    for path in UPLOADS.rglob("*.jpg"):
        relative = path.relative_to(UPLOADS).as_posix()
        media_server.files[f"/wp-content/uploads/{relative}"] = (
            200,
            "image/jpeg",
            path.read_bytes(),
        )
    output = run(MAIN, tmp_path, "--media-url", media_server.url(""))
    assert counts(output, "featured images") == (1, 0, 0, 0, 0)
    assert "/wp-content/uploads/2024/03/metro.jpg" in media_server.hits
    image = Article.objects.get(slug="metro-line-approved").featured_image
    # The library remembers where the picture came from on the old site.
    assert image.source == f"{SITE}/wp-content/uploads/2024/03/metro.jpg"


def test_an_unwritable_comments_file_is_refused_before_anything_is_imported(tmp_path):
    with pytest.raises(Exception, match="cannot write the export's comments"):
        call_command(
            "import_wordpress",
            str(MAIN),
            "--no-progress",
            "--comments-file",
            str(tmp_path / "no-such-dir" / "comments.jsonl"),
            stdout=StringIO(),
        )
    assert Article.objects.count() == 0


def test_a_cached_redirect_by_slug_ends_when_the_story_is_unpublished(main_site, client):
    from articles import services

    article = Article.objects.get(slug="short-note")
    assert client.get("/short-note/").status_code == 301
    assert client.get("/short-note/")["X-Cache"] == "hit"
    services.unpublish(article)
    assert client.get("/short-note/").status_code == 404
