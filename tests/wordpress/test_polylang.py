"""The Polylang site (tests/wordpress/fixtures/polylang.xml, exported by a real WordPress
with Polylang): its languages become editions, its translation groups translation
groups, its old addresses keep working, and a second run changes nothing."""

import re
from datetime import UTC, datetime

import pytest

from articles.models import Article
from categories.models import Category
from tests.wordpress.test_fixtures import POLYLANG, counts, run
from wordpress import polylang
from wordpress.models import ImportedItem

pytestmark = pytest.mark.django_db

SITE = "https://polylang.example.org"


def story(wp_id):
    item = ImportedItem.objects.get(site=SITE, kind="post", wp_id=wp_id)
    return Article.objects.get(pk=item.object_id)


def test_php_unserialize_reads_polylangs_groups():
    assert polylang.php_unserialize('a:2:{s:2:"en";i:4;s:2:"hy";i:5;}') == {"en": 4, "hy": 5}
    assert polylang.php_unserialize(
        'a:3:{s:6:"locale";s:5:"en_US";s:3:"rtl";i:0;s:9:"flag_code";s:2:"us";}'
    ) == {"locale": "en_US", "rtl": 0, "flag_code": "us"}
    # String lengths are in bytes: Armenian letters take two.
    assert polylang.php_unserialize('a:1:{s:4:"Հա";b:1;}') == {"Հա": True}
    assert polylang.php_unserialize("N;") is None
    for bad in ('a:2:{s:2:"en";i:4;}', 's:5:"en";', 'O:8:"stdClass":0:{}', "a:1:{"):
        with pytest.raises(polylang.PHPFormatError):
            polylang.php_unserialize(bad)


def test_polylang_languages_and_groups_become_editions_and_translation_groups(
    two_editions, tmp_path
):
    output = run(POLYLANG, tmp_path)
    assert "Failed" not in output
    assert counts(output, "posts") == (6, 0, 0, 0, 0)
    # Only the custom taxonomy is left out; Polylang's terms are used.
    assert counts(output, "other terms") == (0, 0, 0, 1, 0)
    assert "Polylang language 'en' (English): the 'en' edition, 3 post(s)" in output
    assert "Polylang language 'hy' (Հայերեն): the 'hy' edition, 2 post(s)" in output
    assert "Polylang translation groups: 2" in output
    assert re.search(r"Sections of the 'hy' posts \(Աշխարհ\) are imported as sections", output)

    budget, budget_hy = story(4), story(5)
    bridge, bridge_hy = story(6), story(7)
    english_only, hello = story(8), story(1)
    assert (budget.title, budget.language, budget.slug) == (
        "Parliament passes the budget",
        "en",
        "parliament-budget",
    )
    assert (budget_hy.title, budget_hy.language, budget_hy.slug) == (
        "Խորհրդարանն ընդունեց բյուջեն",
        "hy",
        "khorhrdaran-byuje",
    )
    assert (bridge.language, bridge_hy.language) == ("en", "hy")
    assert bridge_hy.body.strip() == "<p>Նոր կամուրջ Որոտանի վրա։</p>"
    assert budget.translation_group is not None
    assert budget_hy.translation_group == budget.translation_group
    assert bridge_hy.translation_group == bridge.translation_group
    assert bridge.translation_group != budget.translation_group
    assert (english_only.language, english_only.translation_group) == ("en", None)
    # A post without a Polylang language is in the default edition.
    assert (hello.language, hello.translation_group) == ("en", None)
    for article, when in [
        (budget, datetime(2024, 4, 1, 6, tzinfo=UTC)),
        (budget_hy, datetime(2024, 4, 1, 6, tzinfo=UTC)),
        (bridge, datetime(2024, 4, 2, 7, tzinfo=UTC)),
        (bridge_hy, datetime(2024, 4, 2, 7, tzinfo=UTC)),
    ]:
        assert (article.status, article.publish_at) == ("published", when)
    assert budget.category.name == "World" and budget_hy.category.name == "Աշխարհ"
    assert Category.objects.filter(name__in=["World", "Աշխարհ"]).count() == 2
    assert bridge_hy.went_live_at == bridge_hy.publish_at  # announced by the old site


def test_old_addresses_of_both_languages_redirect_to_the_stories(two_editions, tmp_path, client):
    run(POLYLANG, tmp_path)
    for wp_id in (4, 5, 7):
        response = client.get(f"/archives/{wp_id}")
        assert response.status_code == 301
        assert response["Location"] == story(wp_id).get_absolute_url()
        response = client.get(f"/?p={wp_id}")
        assert response.status_code == 301
        assert response["Location"] == story(wp_id).get_absolute_url()


def test_a_second_polylang_run_changes_nothing(two_editions, tmp_path):
    run(POLYLANG, tmp_path)
    before = {a.pk: (a.version, a.translation_group, a.language) for a in Article.objects.all()}
    output = run(POLYLANG, tmp_path)
    assert counts(output, "posts") == (0, 0, 6, 0, 0)
    after = {a.pk: (a.version, a.translation_group, a.language) for a in Article.objects.all()}
    assert after == before


def test_posts_in_a_language_the_site_lacks_are_skipped_and_reported(tmp_path):
    # The tests' site has one edition, English.
    output = run(POLYLANG, tmp_path)
    assert counts(output, "posts") == (4, 0, 0, 2, 0)
    assert "its Polylang language is not an edition of this site: 2 (WordPress IDs 5, 7)" in output
    assert "Polylang language 'hy' (Հայերեն): not an edition of this site (EDITIONS: en)" in output
    assert set(Article.objects.values_list("title", "language")) == {
        ("Hello world!", "en"),
        ("Parliament passes the budget", "en"),
        ("New bridge over the Vorotan", "en"),
        ("English only story", "en"),
    }
    # Their translations are not here: nothing is linked.
    assert not Article.objects.filter(translation_group__isnull=False).exists()


def test_adding_the_edition_later_brings_the_skipped_posts_linked(tmp_path, settings):
    run(POLYLANG, tmp_path)
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    settings.LANGUAGE_CODE = "en"
    output = run(POLYLANG, tmp_path)
    assert counts(output, "posts") == (2, 2, 2, 0, 0)
    assert story(5).translation_group == story(4).translation_group is not None
    assert story(7).translation_group == story(6).translation_group is not None


def test_old_addresses_under_a_language_prefix_redirect(two_editions, tmp_path, client):
    # Polylang's "language in the directory" permalinks: /hy/archives/5.
    text = POLYLANG.read_text().replace(
        "<link>https://polylang.example.org/archives/5</link>",
        "<link>https://polylang.example.org/hy/archives/5</link>",
    )
    export = tmp_path / "polylang-directories.xml"
    export.write_text(text)
    run(export, tmp_path)
    response = client.get("/hy/archives/5")
    assert response.status_code == 301
    assert response["Location"] == story(5).get_absolute_url()
