"""Search (/search/, articles.search): ranking, filters, snippets, scripts, typos, bad input.

Run on SQLite and on PostgreSQL; what only PostgreSQL's full-text index does
(stemming, the typo fallback, keeping the stored vector current) is skipped on
SQLite with the reason.
"""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.models import Article, ArticleAuthor
from articles.search import highlight, query
from caching import schedule
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL full-text search (the SQLite fallback has no index, stemming or trigrams)",
)
DAY = timezone.timedelta(days=1)


@pytest.fixture
def indexed(db, django_capture_on_commit_callbacks):
    """Create articles and run the after-commit index refresh, as a real commit would."""

    def make(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return ArticleFactory(**kwargs)

    return make


def titles(response):
    return [article.title for article in response.context["articles"]]


def html(response):
    return response.content.decode()


# -- ranking -----------------------------------------------------------------


def test_title_match_ranks_above_body_only_match(indexed, client):
    when = timezone.now() - DAY
    in_body = indexed(
        title="Parliament session",
        body="<p>The corridor was discussed again.</p>",
        publish_at=when,
    )
    in_title = indexed(title="Corridor reopened", body="<p>Traffic resumed.</p>", publish_at=when)
    assert titles(client.get("/search/", {"q": "corridor"})) == [in_title.title, in_body.title]


def test_title_match_beats_a_newer_body_only_match(indexed, client):
    indexed(title="Budget vote", body="<p>A corridor deal.</p>", publish_at=timezone.now() - DAY)
    old = indexed(title="Corridor deal signed", publish_at=timezone.now() - 400 * DAY)
    assert titles(client.get("/search/", {"q": "corridor"}))[0] == old.title


def test_recent_story_wins_a_relevance_tie(indexed, client):
    old = indexed(title="Wildfire near Yerevan", publish_at=timezone.now() - 90 * DAY)
    new = indexed(title="Wildfire near Yerevan", publish_at=timezone.now() - DAY)
    assert [a.pk for a in client.get("/search/", {"q": "wildfire"}).context["articles"]] == [
        new.pk,
        old.pk,
    ]


def test_only_live_articles_are_found(indexed, client):
    live = indexed(title="Election results")
    indexed(title="Election draft", draft=True)
    indexed(title="Election embargoed", scheduled=True)
    indexed(title="Election retracted", unpublished=True)
    assert titles(client.get("/search/", {"q": "election"})) == [live.title]


def test_bylines_tags_and_section_are_searchable(indexed, client):
    author = AuthorFactory(name="Siranush Sargsyan")
    by_author = indexed(title="Interview", authors=[author])
    tagged = indexed(title="Photo essay", tags=["Gyumri"])
    in_section = indexed(title="Weekly column", category=CategoryFactory(name="Diaspora"))
    assert titles(client.get("/search/", {"q": "Sargsyan"})) == [by_author.title]
    assert titles(client.get("/search/", {"q": "Gyumri"})) == [tagged.title]
    assert titles(client.get("/search/", {"q": "Diaspora"})) == [in_section.title]


def test_every_word_must_match(indexed, client):
    both = indexed(title="Lachin corridor reopened")
    indexed(title="Lachin district news")
    assert titles(client.get("/search/", {"q": "lachin corridor"})) == [both.title]


@postgres_only
def test_english_words_match_other_forms(indexed, client):
    hit = indexed(title="Corridors reopened after talks")
    assert titles(client.get("/search/", {"q": "corridor"})) == [hit.title]


@postgres_only
def test_phrase_and_exclusion_syntax_is_understood(indexed, client):
    phrase = indexed(title="Border talks resume")
    indexed(title="Talks on the border of the city")
    assert titles(client.get("/search/", {"q": '"border talks"'})) == [phrase.title]
    assert titles(client.get("/search/", {"q": "talks -city"})) == [phrase.title]


# -- other scripts -------------------------------------------------------------


def test_armenian_text_is_found(indexed, client):
    hit = indexed(title="Ստեփանակերտում բողոքի ցույց", body="<p>Հազարավոր մարդիկ</p>")
    indexed(title="Unrelated story")
    assert titles(client.get("/search/", {"q": "Ստեփանակերտում"})) == [hit.title]
    assert titles(client.get("/search/", {"q": "Հազարավոր"})) == [hit.title]


def test_russian_text_is_found(indexed, client):
    hit = indexed(title="Переговоры в Москве", dek="Министры встретились снова.")
    indexed(title="Unrelated story")
    assert titles(client.get("/search/", {"q": "Москве"})) == [hit.title]
    assert titles(client.get("/search/", {"q": "Министры"})) == [hit.title]


@postgres_only
def test_other_scripts_match_in_any_case(indexed, client):
    hit = indexed(title="Переговоры в Москве Ստեփանակերտ")
    assert titles(client.get("/search/", {"q": "москве"})) == [hit.title]
    assert titles(client.get("/search/", {"q": "ստեփանակերտ"})) == [hit.title]


def test_mixed_script_query_finds_mixed_script_story(indexed, client):
    hit = indexed(title="Lachin corridor: Արցախ blockade")
    indexed(title="Lachin district news")
    assert titles(client.get("/search/", {"q": "Արցախ Lachin"})) == [hit.title]


# -- typos ---------------------------------------------------------------------


@postgres_only
def test_misspelt_name_in_title_falls_back_to_similar_titles(indexed, client):
    hit = indexed(title="Pashinyan meets Aliyev in Brussels")
    indexed(title="Weather for the weekend")
    response = client.get("/search/", {"q": "Pashinian"})
    assert titles(response) == [hit.title]
    assert response.context["typo_fallback"] is True
    assert "spelt similarly" in html(response)


@postgres_only
def test_misspelt_author_name_finds_their_story(indexed, client):
    hit = indexed(title="A letter from Gyumri", authors=[AuthorFactory(name="Hovhannes Tumanyan")])
    indexed(title="Another story")
    response = client.get("/search/", {"q": "Tumanian"})
    assert titles(response) == [hit.title]


@postgres_only
def test_fallback_orders_by_similarity(indexed, client):
    close = indexed(title="Stepanakert rally", publish_at=timezone.now() - 30 * DAY)
    far = indexed(title="Stepan and friends", publish_at=timezone.now() - DAY)
    found = titles(client.get("/search/", {"q": "Stepanakrt"}))
    assert found[0] == close.title
    assert far.title not in found[:1]


@postgres_only
def test_fallback_is_not_used_when_full_text_finds_something(indexed, client):
    indexed(title="Pashinyan speaks")
    exact = indexed(title="Pashinian spelling in an old wire story")
    response = client.get("/search/", {"q": "Pashinian"})
    assert titles(response) == [exact.title]
    assert response.context["typo_fallback"] is False


def test_nothing_found_says_so(indexed, client):
    indexed(title="Weather")
    response = client.get("/search/", {"q": "zzyzx"})
    assert titles(response) == []
    assert "No stories match your search" in html(response)


# -- filters -------------------------------------------------------------------


def test_category_filter(indexed, client):
    politics = CategoryFactory(slug="politics", name="Politics")
    hit = indexed(title="Election night", category=politics)
    indexed(title="Election of the club board")
    response = client.get("/search/", {"q": "election", "category": "politics"})
    assert titles(response) == [hit.title]


def test_author_filter(indexed, client):
    author = AuthorFactory(slug="ani", name="Ani Hovhannisyan")
    hit = indexed(title="Election night", authors=[author, AuthorFactory()])
    indexed(title="Election recap")
    response = client.get("/search/", {"q": "election", "author": "ani"})
    assert titles(response) == [hit.title]
    assert "By Ani Hovhannisyan" in html(response)


def test_date_range_filter_includes_both_days(indexed, client):
    def at(day):
        return timezone.make_aware(timezone.datetime(2025, 3, day, 12))

    first = indexed(title="Protest day one", publish_at=at(1))
    last = indexed(title="Protest day three", publish_at=at(3))
    indexed(title="Protest day five", publish_at=at(5))
    response = client.get("/search/", {"q": "protest", "from": "2025-03-01", "to": "2025-03-03"})
    assert sorted(titles(response)) == sorted([first.title, last.title])


def test_dates_the_wrong_way_round_are_swapped_with_a_note(indexed, client):
    hit = indexed(title="Protest", publish_at=timezone.make_aware(timezone.datetime(2025, 3, 2)))
    response = client.get("/search/", {"q": "protest", "from": "2025-03-03", "to": "2025-03-01"})
    assert titles(response) == [hit.title]
    assert "wrong way round" in html(response)


@pytest.mark.parametrize(
    ("params", "note"),
    [
        ({"category": "no-such-section"}, "There is no section"),
        ({"author": "nobody"}, "There is no author"),
        ({"from": "2025-13-01"}, "is not a date"),
        ({"to": "2025-02-30"}, "is not a date"),
        ({"from": "yesterday"}, "is not a date"),
        ({"to": "9999-12-31"}, "is not a date"),
        ({"from": "20250301"}, "is not a date"),
        ({"category": "sec\x00tion"}, "There is no section"),
    ],
)
def test_malformed_filters_are_ignored_with_a_visible_note(indexed, client, params, note):
    hit = indexed(title="Election night")
    response = client.get("/search/", {"q": "election", **params})
    assert response.status_code == 200
    assert titles(response) == [hit.title]
    assert note in html(response)


def test_filters_alone_list_newest_first(indexed, client):
    politics = CategoryFactory(slug="politics")
    old = indexed(category=politics, publish_at=timezone.now() - 2 * DAY)
    new = indexed(category=politics, publish_at=timezone.now() - DAY)
    indexed()
    response = client.get("/search/", {"category": "politics"})
    assert titles(response) == [new.title, old.title]


def test_empty_search_asks_for_words(db, client):
    ArticleFactory()
    response = client.get("/search/", {"q": "   "})
    assert titles(response) == []
    assert "Type a name, a place or an event" in html(response)


def test_pages_keep_the_query_and_every_filter(indexed, client, settings):
    settings.ARTICLES_PER_PAGE = 2
    politics = CategoryFactory(slug="politics")
    author = AuthorFactory(slug="ani")
    for n in range(5):
        indexed(
            title=f"Election update {n}",
            category=politics,
            authors=[author],
            publish_at=timezone.make_aware(timezone.datetime(2025, 3, 1 + n, 12)),
        )
    params = {
        "q": "election",
        "category": "politics",
        "author": "ani",
        "from": "2025-03-01",
        "to": "2025-03-31",
    }
    page = html(client.get("/search/", params))
    link = re.search(r'rel="next" href="\?([^"]+)"', page).group(1).replace("&amp;", "&")
    assert link == ("q=election&category=politics&author=ani&from=2025-03-01&to=2025-03-31&page=2")
    second = client.get("/search/?" + link)
    assert len(second.context["articles"]) == 2
    assert second.context["page_obj"].number == 2


# -- snippets ------------------------------------------------------------------


def test_highlight_escapes_text_and_marks_words_in_any_case():
    assert highlight.highlight("Tom & <b>JERRY</b> jerry", ["jerry"]) == (
        "Tom &amp; &lt;b&gt;<mark>JERRY</mark>&lt;/b&gt; <mark>jerry</mark>"
    )
    assert highlight.highlight("<i>x</i>", []) == "&lt;i&gt;x&lt;/i&gt;"


def test_snippet_highlights_the_searched_word(indexed, client):
    indexed(
        title="Talks",
        dek="Negotiators met in the corridor.",
        body="<p>Negotiators met in the corridor on Monday.</p>",
    )
    page = html(client.get("/search/", {"q": "corridor"}))
    assert "<mark>corridor</mark>" in page


def test_snippet_and_title_escape_html_around_marks(indexed, client):
    indexed(
        title="<b>Corridor</b> & more",
        dek="<script>alert(1)</script> corridor",
        body="<p>Nothing here.</p>",
    )
    page = html(client.get("/search/", {"q": "corridor"}))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>corridor</mark>" in page
    assert "&lt;b&gt;<mark>Corridor</mark>&lt;/b&gt; &amp; more" in page


@postgres_only
def test_snippet_comes_from_the_body_where_the_words_are(indexed, client):
    indexed(
        title="Long read",
        dek="A summary that does not say it.",
        body="<p>Opening lines.</p>"
        + "<p>Filler text goes on.</p>" * 40
        + "<p>Then the <strong>ceasefire</strong> &amp; the talks collapsed.</p>",
    )
    snippet = str(client.get("/search/", {"q": "ceasefire"}).context["articles"][0].snippet)
    assert "<mark>ceasefire</mark>" in snippet
    assert "&amp; the talks" in snippet
    assert "<strong>" not in snippet and "Opening lines" not in snippet


@postgres_only
def test_snippet_falls_back_to_the_dek(indexed, client):
    indexed(title="Ceasefire holds", dek="Calm on the line.", body="<p>Nothing else.</p>")
    snippet = str(client.get("/search/", {"q": "ceasefire"}).context["articles"][0].snippet)
    assert snippet == "Calm on the line."


# -- bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "",
        "x" * 10_000,
        ("word " * 3000).strip(),
        "\x00",
        "corridor\x00",
        "' OR 1=1 --",
        "'; DROP TABLE articles_article; --",
        '"unbalanced',
        "\"\"\"'''",
        "a & b | !c <-> d:*",
        "(((",
        "-",
        "or",
        "the",
        "the of and",
        "Արցախ Москва Lachin",
        "%_\\",
        "🙂",
        "\u202e\u200b",
    ],
)
def test_bad_queries_answer_sanely(indexed, client, q):
    indexed(title="Lachin corridor reopened", body="<p>The corridor: traffic resumed.</p>")
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert "<h1" in html(response)


def test_long_query_is_cut_with_a_note_and_still_searches(indexed, client):
    hit = indexed(title="Lachin corridor reopened")
    response = client.get("/search/", {"q": "lachin " + "corridor " * 2000})
    assert titles(response) == [hit.title]
    assert len(response.context["query"]) <= query.MAX_QUERY_LENGTH
    assert "only its first 200 characters" in html(response)


def test_nul_bytes_in_the_query_separate_words(indexed, client):
    hit = indexed(title="Lachin corridor reopened")
    response = client.get("/search/", {"q": "\x00lachin\x00corridor\x00"})
    assert titles(response) == [hit.title]
    assert response.context["query"] == "lachin corridor"


def test_stop_words_alone_do_not_fail(indexed, client):
    indexed(title="The corridor")
    response = client.get("/search/", {"q": "the"})
    assert response.status_code == 200


def test_bad_page_number_is_not_found_not_an_error(indexed, client):
    indexed(title="Election")
    assert client.get("/search/", {"q": "election", "page": "x"}).status_code == 404
    assert client.get("/search/", {"q": "election", "page": "99"}).status_code == 404


# -- query budget --------------------------------------------------------------


@pytest.fixture
def many(indexed):
    authors = [AuthorFactory() for _ in range(4)]
    politics = CategoryFactory(slug="politics")
    for n in range(30):
        indexed(
            title=f"Election report {n}",
            category=politics,
            authors=authors[: 1 + n % 4],
            tags=[f"tag-{n % 7}", "vote"],
            body="<p>The election was close.</p>",
        )
    return authors


@pytest.mark.parametrize(
    "params",
    [
        {"q": "election"},
        {
            "q": "election",
            "category": "politics",
            "author": "x",
            "from": "2000-01-01",
            "to": "2100-01-01",
        },
        {"q": "electoin"},
        {"q": "zzyzx"},
        {"q": ""},
    ],
)
def test_search_page_queries_are_constant(many, client, django_assert_max_num_queries, params):
    # The steady state: the list of upcoming publications is read once per change
    # of schedule (caching.schedule), not by every search.
    schedule.upcoming()
    with django_assert_max_num_queries(12):
        assert client.get("/search/", params).status_code == 200


# -- the index -----------------------------------------------------------------


@postgres_only
def test_vector_follows_edits_after_commit(indexed, client, django_capture_on_commit_callbacks):
    article = indexed(title="Original headline")
    article = Article.objects.get(pk=article.pk)
    article.title = "Rewritten headline"
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
    assert titles(client.get("/search/", {"q": "rewritten"})) == [article.title]
    assert titles(client.get("/search/", {"q": "original"})) == []


@postgres_only
def test_vector_follows_bylines_and_tags(indexed, client, django_capture_on_commit_callbacks):
    article = indexed(title="Story", tags=[])
    author = AuthorFactory(name="Zabel Yesayan")
    with django_capture_on_commit_callbacks(execute=True):
        ArticleAuthor.objects.create(article=article, author=author, order=5)
        article.tags.add("Shushi")
    assert titles(client.get("/search/", {"q": "Yesayan"})) == ["Story"]
    assert titles(client.get("/search/", {"q": "Shushi"})) == ["Story"]
    with django_capture_on_commit_callbacks(execute=True):
        ArticleAuthor.objects.filter(author=author).delete()
        article.tags.clear()
    assert titles(client.get("/search/", {"q": "Yesayan"})) == []
    assert titles(client.get("/search/", {"q": "Shushi"})) == []


@postgres_only
def test_vector_follows_a_renamed_author_and_section(
    indexed, client, django_capture_on_commit_callbacks
):
    author = AuthorFactory(name="Old Name")
    article = indexed(title="Story", authors=[author])
    with django_capture_on_commit_callbacks(execute=True):
        author.name = "Vahan Teryan"
        author.save()
        article.category.name = "Culture"
        article.category.save()
    assert titles(client.get("/search/", {"q": "Teryan"})) == ["Story"]
    assert titles(client.get("/search/", {"q": "Culture"})) == ["Story"]


@postgres_only
def test_saving_only_workflow_fields_does_not_refresh(indexed, django_capture_on_commit_callbacks):
    article = indexed(title="Story")
    with django_capture_on_commit_callbacks() as callbacks:
        article.save(update_fields=["status", "version"])
    assert not any("_refresh_and_bump" in repr(callback) for callback in callbacks)


@postgres_only
def test_rebuild_command_fills_missing_vectors(indexed, client, capsys):
    hit = indexed(title="Imported story", body="<p>Zanzibar</p>")
    Article.objects.update(search_vector=None)
    assert titles(client.get("/search/", {"q": "zanzibar"})) == []
    call_command("rebuild_search_index", "--missing", "--batch-size", "1")
    assert "Indexed 1 articles" in capsys.readouterr().out
    assert titles(client.get("/search/", {"q": "zanzibar"})) == [hit.title]


def test_rebuild_command_explains_itself_without_postgresql(db, capsys):
    if connection.vendor == "postgresql":
        pytest.skip("covered by test_rebuild_command_fills_missing_vectors on PostgreSQL")
    call_command("rebuild_search_index")
    assert "Nothing to do" in capsys.readouterr().out


def test_rebuild_command_refuses_a_bad_batch_size(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 1"):
        call_command("rebuild_search_index", "--batch-size", "0")


@postgres_only
def test_search_uses_the_gin_index(indexed):
    indexed(title="Election")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        matching = Article.objects.filter(search_vector=query._tsquery("election"))
        sql, params = matching.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "article_search_vector_gin" in plan


# -- the article admin ----------------------------------------------------------


def admin_titles(client, term):
    from django.urls import reverse

    response = client.get(reverse("admin:articles_article_changelist"), {"q": term})
    assert response.status_code == 200
    return sorted(article.title for article in response.context["cl"].result_list)


def test_admin_search_finds_any_status_by_body_tag_and_byline(indexed, client):
    from tests.articles.test_admin_support import login

    login(client, "Editor")
    draft = indexed(title="Draft piece", draft=True, body="<p>About Zvartnots airport.</p>")
    tagged = indexed(title="Tagged piece", tags=["Zvartnots"])
    by = indexed(title="Bylined piece", authors=[AuthorFactory(name="Zvartnots Press")])
    indexed(title="Other piece")
    assert admin_titles(client, "zvartnots") == sorted([draft.title, tagged.title, by.title])


def test_admin_search_finds_a_pasted_slug(indexed, client):
    from tests.articles.test_admin_support import login

    login(client, "Editor")
    article = indexed(title="Budget passes", slug="budget-passes-2025")
    indexed(title="Other")
    assert admin_titles(client, "budget-passes-2025") == [article.title]


@postgres_only
def test_admin_search_tolerates_a_misspelt_title(indexed, client):
    from tests.articles.test_admin_support import login

    login(client, "Editor")
    article = indexed(title="Pashinyan meets Aliyev")
    indexed(title="Weather")
    assert admin_titles(client, "Pashinian") == [article.title]


@pytest.mark.parametrize("term", ["\x00", "x" * 10_000, "' OR 1=1 --", '"', "the"])
def test_admin_search_survives_bad_input(indexed, client, term):
    from tests.articles.test_admin_support import login

    login(client, "Editor")
    indexed(title="Story")
    admin_titles(client, term)
