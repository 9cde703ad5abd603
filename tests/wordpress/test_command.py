import re

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from wordpress import wxr as wxr_reader
from wordpress.autop import wpautop
from wordpress.services import import_wxr
from wordpress.shortcodes import convert

from .conftest import post, wxr

pytestmark = pytest.mark.django_db


def run(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_wordpress", str(path), "--no-progress", *args, stdout=out)
    return out.getvalue()


def test_command_prints_a_summary_with_counts(write_wxr):
    output = run(write_wxr(wxr(post(1), post(2, "Menu", post_type="nav_menu_item"))))

    assert "WordPress import from https://old.example (WXR 1.2)" in output
    assert re.search(r"posts +1 +0 +0 +0 +0", output)
    assert "post type 'nav_menu_item' is not imported: 1 (WordPress IDs 2)" in output


def test_command_lists_each_failure_with_id_title_and_reason_and_exits_non_zero(write_wxr):
    path = write_wxr(wxr(post(9, "Broken date", date_gmt="bad", date="bad"), post(10)))
    with pytest.raises(CommandError, match="1 item"):
        run(path)
    assert Article.objects.count() == 1


def test_command_refuses_a_file_that_is_not_wxr(write_wxr):
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item>'
        "<title>y</title></item></channel></rss>"
    )
    with pytest.raises(CommandError, match="not a WordPress export.*plain RSS feed"):
        run(write_wxr(rss))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty or not XML"),
        (b"hello, world", "empty or not XML"),
        (b"<html><body>export</body></html>", "the document is <html>"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a WordPress export"),
    ],
)
def test_command_refuses_unparseable_files_with_a_clear_message(write_wxr, content, message):
    with pytest.raises(CommandError, match=message):
        run(write_wxr(content))


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.xml")


def test_truncated_export_imports_the_complete_items_and_reports_the_line(write_wxr):
    text = wxr(post(1, "Complete"), post(2, "Cut off"))
    cut = text[: text.index("Cut off") + 20]
    with pytest.raises(CommandError, match=r"malformed XML at line \d+.*truncated"):
        run(write_wxr(cut))
    assert list(Article.objects.values_list("title", flat=True)) == ["Complete"]


def test_dry_run_option_writes_nothing(write_wxr):
    output = run(write_wxr(wxr(post(1))), "--dry-run")
    assert "DRY RUN" in output
    assert Article.objects.count() == 0


def test_small_batches_give_the_same_result(write_wxr):
    path = write_wxr(wxr(*[post(n, f"Story {n}") for n in range(1, 8)]))
    report = import_wxr(path, batch_size=3)
    assert report.counts["posts"]["created"] == 7
    assert Article.objects.count() == 7


def test_reader_yields_site_authors_terms_then_items(write_wxr):
    from .conftest import author, category

    entries = list(
        wxr_reader.read(
            write_wxr(
                wxr(
                    author(1, "a"),
                    category(2, "c", "C"),
                    post(3, meta={"k": "v"}),
                )
            )
        )
    )
    assert [type(e).__name__ for e in entries] == ["Site", "Author", "Term", "Item"]
    assert entries[0].wxr_version == "1.2"
    assert entries[3].meta["k"] == "v"
    assert entries[3].content == "Hello."


def test_reader_accepts_wxr_1_1_namespaces(write_wxr):
    text = wxr(post(1)).replace("export/1.2/", "export/1.1/")
    entries = list(wxr_reader.read(write_wxr(text.replace(">1.2<", ">1.1<"))))
    assert entries[-1].wp_id == 1


def test_reader_does_not_expand_entities(write_wxr):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<wp:wxr_version>1.2</wp:wxr_version><item><title>&b;</title>"
        "<wp:post_id>1</wp:post_id></item></channel></rss>"
    )
    item = list(wxr_reader.read(write_wxr(bomb)))[-1]
    assert "aaaaaaaaaa" not in item.title


def test_autop_leaves_pre_and_block_elements_alone():
    text = "a\nb\n\n<pre>x\n\ny</pre>\n\n<blockquote>q</blockquote>\n\n<ul>\n<li>i</li>\n</ul>"
    assert wpautop(text) == (
        "<p>a<br />\nb</p>\n<pre>x\n\ny</pre>\n<blockquote><p>q</p></blockquote>\n"
        "<ul>\n<li>i</li>\n</ul>\n"
    )


def test_shortcodes_keep_prose_brackets_and_escaped_shortcodes():
    assert convert("He said [sic] and [[caption]] [1]") == "He said [sic] and [caption] [1]"
    assert convert('[caption caption="Cap"]<img src="a.jpg">[/caption]') == (
        '<figure class="image"><img src="a.jpg"><figcaption>Cap</figcaption></figure>'
    )
    assert convert("[embed]https://www.youtube.com/watch?v=x[/embed]") == (
        '<figure class="media"><oembed url="https://www.youtube.com/watch?v=x"></oembed></figure>'
    )
