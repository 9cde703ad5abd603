"""Search per edition and Armenian search (articles.search.languages): each edition finds
its own stories; Armenian word forms, typos, highlighting and case on both databases.

Tests run as a one-edition site (pyproject's EDITIONS=en); `two_editions` makes the
site English and Armenian. What only PostgreSQL's index does (prefix matching of
Armenian forms in the tsquery, ts_headline, pg_trgm) is skipped on SQLite with the reason.
"""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone, translation

from articles.search import checks, highlight, languages, query
from articles.views import SearchView
from caching import schedule
from tests.factories import ArticleFactory, AuthorFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL full-text search (the SQLite fallback has no index, prefixes or trigrams)",
)
DAY = timezone.timedelta(days=1)


@pytest.fixture
def indexed(db, django_capture_on_commit_callbacks):
    """Create articles and run the after-commit index refresh, as a real commit would."""

    def make(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return ArticleFactory(**kwargs)

    return make


def found(q, edition, **kwargs):
    page = query.search_page(q, per_page=50, edition=edition, **kwargs)
    return [article.title for article in page.results]


def search_view(q, language):
    """The /search/ view's context, rendered with `language` active (as its address makes it)."""
    request = RequestFactory().get("/search/", {"q": q})
    with translation.override(language):
        response = SearchView.as_view()(request)
        response.render()
    return response


# -- the edition searched ----------------------------------------------------------


def test_current_edition_is_the_active_language(two_editions):
    with translation.override("hy"):
        assert languages.current() == "hy"
    with translation.override("en-gb"):
        assert languages.current() == "en"
    with translation.override("fr"):
        assert languages.current() == "en"  # no such edition: the default one
    with translation.override(None):
        assert languages.current() == "en"


def test_each_edition_finds_only_its_own_stories(two_editions, indexed):
    english = indexed(title="Pashinyan visits Paris", language="en")
    armenian = indexed(title="Pashinyan Փարիզում", language="hy")
    assert found("Pashinyan", "en") == [english.title]
    assert found("Pashinyan", "hy") == [armenian.title]


def test_the_view_searches_the_active_languages_edition(two_editions, indexed):
    indexed(title="Lachin corridor Արցախ", language="en")
    armenian = indexed(title="Լաչինի միջանցքը Արցախ", language="hy")
    titles = [a.title for a in search_view("Արցախ", "hy").context_data["articles"]]
    assert titles == [armenian.title]
    titles = [a.title for a in search_view("Արցախ", "en").context_data["articles"]]
    assert titles == ["Lachin corridor Արցախ"]


def test_filters_alone_list_only_the_editions_stories(two_editions, indexed):
    from categories.models import Category

    section = Category.objects.create(name="Politics", slug="politics")
    english = indexed(title="Budget", category=section, language="en")
    armenian = indexed(title="Բյուջե", category=section, language="hy")
    assert found("", "en", category=section) == [english.title]
    assert found("", "hy", category=section) == [armenian.title]


def test_counts_and_pages_are_the_editions(two_editions, indexed):
    for n in range(3):
        indexed(title=f"Election night {n}", language="en")
    for n in range(5):
        indexed(title=f"Election Երևանում {n}", language="hy")
    page = query.search_page("election", per_page=2, edition="hy")
    assert (page.count, page.num_pages) == (5, 3)
    last = query.search_page("election", page=query.LAST_PAGE, per_page=2, edition="en")
    assert (last.count, last.number, len(last.results)) == (3, 2, 1)


def test_a_one_edition_site_searches_every_story(indexed):
    # EDITIONS=en: a story left in another language is still found, as before editions.
    left_over = indexed(title="Election archive", language="hy")
    assert found("election", "en") == [left_over.title]


@postgres_only
def test_english_query_on_the_armenian_edition_matches_words_as_written(two_editions, indexed):
    hit = indexed(title="Հանդիպում Brussels-ում", body="<p>Talks with the EU.</p>", language="hy")
    indexed(title="Talks in Brussels", language="en")
    assert found("talks", "hy") == [hit.title]
    # No English stemmer on Armenian stories: "talk" is not "talks" there.
    assert found("talk", "hy") == []
    assert found("talk", "en") == ["Talks in Brussels"]


@postgres_only
def test_armenian_query_on_the_english_edition_matches_words_as_written(two_editions, indexed):
    english = indexed(title="Lachin corridor: Արցախի blockade", language="en")
    indexed(title="Արցախի շրջափակումը", language="hy")
    assert found("Արցախի", "en") == [english.title]
    # Armenian endings are not stripped in the English edition: "Արցախ" is no
    # full-text match there, only the typo fallback's (a title spelt alike).
    page = query.search_page("Արցախ", per_page=20, edition="en")
    assert [a.title for a in page.results] == [english.title]
    assert page.typo_fallback is True


# -- Armenian word forms -------------------------------------------------------------

FORMS = {
    "in": "Ցույց Արցախում",  # locative
    "of": "Արցախի նախագահը",  # genitive
    "from": "Արցախից եկած փախստականներ",  # ablative
    "the": "Արցախը և Հայաստանը",  # definite article
    "adjective": "Արցախյան պատերազմի հուշեր",
    "armenia_of": "Հայաստանի կառավարությունը",
    "armenia_in": "Հայաստանում ընտրություններ",
    "year": "Անցյալ տարվա բյուջեն",  # տարի, genitive with a stem change
    "yerevan": "Երևանի քաղաքապետը",
}
ARTSAKH = {"in", "of", "from", "the", "adjective"}
ARMENIA = {"the", "armenia_of", "armenia_in"}


@pytest.fixture
def forms(two_editions, indexed):
    for title in FORMS.values():
        indexed(title=title, body="<p>Լուրեր։</p>", language="hy")
    indexed(title="Artsakh Արցախում Հայաստանում", language="en")  # another edition's


@postgres_only
@pytest.mark.parametrize(
    ("q", "finds", "typo_fallback"),
    [
        # Any form finds every form: the ending goes, the stem matches as a prefix.
        ("Արցախ", ARTSAKH, False),
        ("Արցախում", ARTSAKH, False),
        ("Արցախի", ARTSAKH, False),
        ("Արցախից", ARTSAKH, False),
        ("Արցախը", ARTSAKH, False),
        ("ԱՐՑԱԽԻ", ARTSAKH, False),  # capitals
        ("Հայաստան", ARMENIA, False),
        ("Հայաստանի", ARMENIA, False),
        ("Հայաստանում", ARMENIA, False),
        ("Հայաստանը", ARMENIA, False),
        ("ընտրությունների", {"armenia_in"}, False),  # plural genitive finds the plural
        ("ընտրություն", {"armenia_in"}, False),
        # Words together, phrases, exclusions.
        ("Արցախ Հայաստան", {"the"}, False),
        ('"Արցախի նախագահ"', {"of"}, False),
        ("Արցախ -Հայաստան", ARTSAKH - {"the"}, False),
        ("Արցախ or Երևան", ARTSAKH | {"yerevan"}, False),
        # What prefixes do not find: a longer word's shorter base, short words'
        # other forms, and stems that change (տարի/տարվա). When full text finds
        # nothing at all, the typo fallback may still find titles spelt alike.
        ("Արցախյան", {"adjective"}, False),
        ("Հայ", ARMENIA, True),
        ("տարի", {"year"}, True),
        ("Գյումրի", set(), False),
    ],
)
def test_armenian_word_forms(forms, q, finds, typo_fallback):
    page = query.search_page(q, per_page=50, edition="hy")
    assert sorted(a.title for a in page.results) == sorted(FORMS[key] for key in finds)
    assert page.typo_fallback is typo_fallback


def test_armenian_forms_and_case_on_any_database(forms):
    # SQLite matches substrings of the casefolded text: these agree with PostgreSQL.
    artsakh = sorted(FORMS[key] for key in ARTSAKH)
    assert sorted(found("Արցախում", "hy")) == artsakh
    assert sorted(found("ԱՐՑԱԽԻՑ", "hy")) == artsakh
    assert sorted(found("արցախ", "hy")) == artsakh
    assert sorted(found("ՀԱՅԱՍՏԱՆԻ", "hy")) == sorted(FORMS[key] for key in ARMENIA)


def test_armenian_stop_words_are_left_out_of_queries(two_editions, indexed):
    hit = indexed(title="Արցախն ու Հայաստանը", body="<p>Լուրեր։</p>", language="hy")
    indexed(title="Երևանի լուրեր", body="<p>Լուրեր։</p>", language="hy")
    assert found("Արցախ և Հայաստան", "hy") == [hit.title]
    article = query.search_page("Արցախ և Հայաստան", per_page=20, edition="hy").results[0]
    assert str(article.title_html) == "<mark>Արցախն</mark> ու <mark>Հայաստանը</mark>"


@pytest.mark.parametrize(
    ("q", "read_as"),
    [
        ("Արցախում և Հայաստանի", "արցախ հայաստան"),
        ('"Արցախ և Հայաստան" ու', '"արցախ և հայաստան"'),  # phrases keep every word
        ("Pashinyan և Aliyev", "Pashinyan Aliyev"),
        ("և", "և"),  # nothing else: kept
        ("Արցախ -Հայաստանում", "արցախ -հայաստան"),
    ],
)
def test_armenian_query_as_read(q, read_as):
    assert languages.stem_query(q) == read_as


def test_russian_and_armenian_match_in_any_case(indexed):
    hit = indexed(title="Переговоры в Москве Ստեփանակերտ")
    assert found("москве", "en") == [hit.title]
    assert found("СТЕПАНАКЕРТ", "en") == []
    assert found("ստեփանակերտ", "en") == [hit.title]


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("Արցախում", "արցախ"),
        ("Արցախի", "արցախ"),
        ("Արցախից", "արցախ"),
        ("Արցախը", "արցախ"),
        ("Արցախով", "արցախ"),
        ("Հայաստանին", "հայաստան"),
        ("լրագրողները", "լրագրող"),
        ("լրագրողների", "լրագրող"),
        ("լրագրողներից", "լրագրող"),
        ("Հայաստան", "հայաստան"),  # -ն stays: the end of many stems
        ("գիշերը", "գիշեր"),  # -երը would leave too short a stem
        ("տարի", "տարի"),
        ("Москве", "москве"),
    ],
)
def test_stem(word, stem):
    assert languages.stem(word) == stem


# -- typos, highlighting, ranking ------------------------------------------------------


@postgres_only
def test_armenian_trigrams_work_on_this_database(db):
    # pg_trgm reads letters by the database's ctype: under "C" it would skip
    # every Armenian letter and the typo fallback would find nothing.
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm(%s), lower(%s)", ["Արցախ", "ԱՐՑԱԽ"])
        trigrams, lower = cursor.fetchone()
    assert len(trigrams) >= 5
    assert lower == "արցախ"


def test_a_database_that_reads_only_ascii_letters_is_warned_about():
    (warning,) = checks.ctype_warnings("C", "default")
    assert warning.id == "articles.W001"
    assert "createdb --locale=C.UTF-8" in warning.hint
    assert checks.ctype_warnings("C.UTF-8", "default") == []
    assert checks.ctype_warnings("en_US.UTF-8", "default") == []


@postgres_only
def test_this_database_passes_the_ctype_check(db):
    assert checks.check_database_ctype(databases=["default"]) == []


@postgres_only
def test_misspelt_armenian_title_falls_back_to_similar_titles(two_editions, indexed):
    hit = indexed(title="Ստեփանակերտում բողոքի ցույց", language="hy")
    indexed(title="Գյումրիի եղանակը", language="hy")
    indexed(title="Ստեփանակերտում բողոքի ցույց", language="en")  # another edition's
    page = query.search_page("Ստեփանակրտ", per_page=20, edition="hy")
    assert [a.pk for a in page.results] == [hit.pk]
    assert page.typo_fallback is True


@postgres_only
def test_misspelt_armenian_author_name_finds_their_story(two_editions, indexed):
    author = AuthorFactory(name="Սիրանուշ Սարգսյան")
    hit = indexed(title="Հարցազրույց", authors=[author], language="hy")
    indexed(title="Այլ պատմություն", language="hy")
    assert found("Սարգսյն", "hy") == [hit.title]


@postgres_only
def test_armenian_snippet_and_title_mark_the_whole_word(two_editions, indexed):
    indexed(
        title="Ցույց Ստեփանակերտում",
        dek="Ամփոփում։",
        body="<p>Սկիզբ։</p>" + "<p>Այլ տեքստ։</p>" * 30 + "<p>Մարդիկ Ստեփանակերտից եկան։</p>",
        language="hy",
    )
    article = query.search_page("Ստեփանակերտ", per_page=20, edition="hy").results[0]
    assert str(article.title_html) == "Ցույց <mark>Ստեփանակերտում</mark>"
    assert "<mark>Ստեփանակերտից</mark> եկան" in str(article.snippet)
    assert "Սկիզբ" not in str(article.snippet)


def test_armenian_excerpt_is_highlighted_on_any_database(two_editions, indexed):
    indexed(title="Ցույց", dek="Հազարավոր մարդիկ Ստեփանակերտում։", language="hy")
    article = query.search_page("ՍՏԵՓԱՆԱԿԵՐՏԻ", per_page=20, edition="hy").results[0]
    assert str(article.snippet) == "Հազարավոր մարդիկ <mark>Ստեփանակերտում</mark>։"


def test_prefix_highlight_marks_whole_words_and_short_words_alone():
    marked = highlight.highlight("Հայ և Հայաստանում <b>", ["հայաստան", "հայ"], prefixes=True)
    assert marked == "<mark>Հայ</mark> և <mark>Հայաստանում</mark> &lt;b&gt;"
    assert highlight.highlight("Հայերը", ["հայ"], prefixes=True) == "Հայերը"


@postgres_only
def test_armenian_title_match_ranks_above_body_only_match(two_editions, indexed):
    when = timezone.now() - DAY
    in_body = indexed(
        title="Խորհրդարանի նիստ",
        body="<p>Քննարկեցին Արցախի հարցը։</p>",
        publish_at=when,
        language="hy",
    )
    in_title = indexed(title="Արցախում ճանապարհը բացվեց", publish_at=when, language="hy")
    assert found("Արցախ", "hy") == [in_title.title, in_body.title]


@postgres_only
def test_recent_armenian_story_wins_a_tie(two_editions, indexed):
    old = indexed(title="Հրդեհ Երևանում", publish_at=timezone.now() - 90 * DAY, language="hy")
    new = indexed(title="Հրդեհ Երևանի մոտ", publish_at=timezone.now() - DAY, language="hy")
    assert found("Երևան", "hy") == [new.title, old.title]


# -- the index and the query budget -------------------------------------------------


@postgres_only
def test_armenian_stories_are_indexed_with_hy_simple(two_editions, indexed):
    armenian = indexed(title="Résumé Արցախում", language="hy")
    english = indexed(title="Corridors", language="en")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, search_vector::text FROM articles_article WHERE id IN (%s, %s)",
            [armenian.pk, english.pk],
        )
        vectors = dict(cursor.fetchall())
    # unaccent, then simple: lower-cased words as written, no accents, no stemming.
    assert "'resume':1A" in vectors[armenian.pk]
    assert "'արցախում':2A" in vectors[armenian.pk]
    assert "résumé" not in vectors[armenian.pk] and "'arcax" not in vectors[armenian.pk]
    assert "'corridor':1A" in vectors[english.pk] and "'corridors':2A" in vectors[english.pk]


@postgres_only
def test_a_story_moved_to_another_edition_is_reindexed(
    two_editions, indexed, django_capture_on_commit_callbacks
):
    article = indexed(title="Corridors reopened", language="en")
    article.language = "hy"
    with django_capture_on_commit_callbacks(execute=True):
        article.save(update_fields=["language"])
    # No English stemming any more: "corridor" is only spelt like the title.
    assert query.search_page("corridor", per_page=20, edition="hy").typo_fallback is True
    assert found("corridors", "hy") == [article.title]


@postgres_only
def test_armenian_search_uses_the_gin_index(two_editions, indexed):
    indexed(title="Արցախ", language="hy")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        matching = query.Article.objects.filter(search_vector=query._tsquery("Արցախում", "hy"))
        sql, params = matching.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "article_search_vector_gin" in plan


@pytest.mark.parametrize("q", ["Արցախում", "Արցախ Երևան", "Ստեփանակրտ", "zzyzx", ""])
def test_armenian_search_page_queries_are_constant(
    two_editions, indexed, django_assert_max_num_queries, q
):
    authors = [AuthorFactory() for _ in range(3)]
    for n in range(20):
        indexed(
            title=f"Արցախում ընտրություններ {n}",
            authors=authors[: 1 + n % 3],
            tags=[f"tag-{n % 5}"],
            language="hy",
        )
        indexed(title=f"Election {n}", language="en")
    schedule.upcoming()
    with django_assert_max_num_queries(12):
        response = search_view(q, "hy")
    assert response.status_code == 200


@postgres_only
def test_a_very_common_word_is_capped_within_the_edition(two_editions, indexed, monkeypatch):
    from articles.search import ranking

    monkeypatch.setattr(ranking, "RANK_LIMIT", 3)
    monkeypatch.setattr(ranking, "RECENT_LIMIT", 2)
    for n in range(5):
        indexed(title=f"Ընտրություններ {n}", publish_at=timezone.now() - n * DAY, language="hy")
    for n in range(5):
        indexed(title=f"Ընտրություններ {n}", publish_at=timezone.now() - n * DAY, language="en")
    page = query.search_page("ընտրություն", per_page=20, edition="hy")
    assert (page.count, page.more_than) == (2, 2)
    assert {a.language for a in page.results} == {"hy"}


@postgres_only
def test_admin_search_reads_each_edition_as_it_is_read(two_editions, indexed, client):
    from tests.articles.test_admin_support import login
    from tests.articles.test_search import admin_titles

    login(client, "Editor")
    armenian = indexed(title="Արցախի նախագահը", draft=True, language="hy")
    english = indexed(title="Corridors reopened", language="en")
    indexed(title="Weather", language="hy")
    assert admin_titles(client, "Արցախում") == [armenian.title]
    assert admin_titles(client, "corridor") == [english.title]
