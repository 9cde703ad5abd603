"""SearchForm (the /search/ page's input) and SearchPage (a page of results)."""

from datetime import date

import pytest
from django.http import QueryDict

from articles.search import SearchForm, SearchPage
from tests.articles.test_search import indexed, titles  # noqa: F401 -- the fixture
from tests.factories import AuthorFactory, CategoryFactory


def form(query_string, categories=()):
    search_form = SearchForm(QueryDict(query_string), categories=list(categories))
    search_form.is_valid()
    return search_form


@pytest.mark.parametrize(
    ("count", "number", "pages", "has_previous", "has_next"),
    [
        (0, 1, 1, False, False),
        (5, 1, 2, False, True),
        (6, 2, 2, True, False),
        (7, 2, 3, True, True),
    ],
)
def test_search_page_numbers(count, number, pages, has_previous, has_next):
    page = SearchPage([], number=number, per_page=3, count=count)
    assert (page.num_pages, page.has_previous, page.has_next) == (pages, has_previous, has_next)
    assert (page.previous_page_number, page.next_page_number) == (number - 1, number + 1)


def test_form_reads_every_field(db):
    politics = CategoryFactory.build(slug="politics")
    author = AuthorFactory(slug="ani")
    search_form = form(
        "q=+lachin++corridor&category=politics&author=ani&from=2025-03-01&to=2025-03-31&page=2",
        [politics],
    )
    assert search_form.is_valid()
    assert search_form.cleaned_data["q"] == "lachin corridor"
    assert search_form.cleaned_data["page"] == 2
    assert search_form.filters == {
        "category": politics,
        "author": author,
        "date_from": date(2025, 3, 1),
        "date_to": date(2025, 3, 31),
    }
    assert search_form.notes == []


def test_form_drops_what_it_does_not_understand_with_notes_in_field_order(db):
    search_form = form("q=" + "word " * 100 + "&category=x&author=y&from=2025-02-30&to=soon")
    assert search_form.filters == dict.fromkeys(("category", "author", "date_from", "date_to"))
    notes = search_form.notes
    assert [note.split(" ")[0] for note in notes] == [
        "Your",
        "There",
        "There",
        "“2025-02-30”",
        "“soon”",
    ]
    assert "the “from” date" in notes[3] and "the “to” date" in notes[4]
    assert not search_form.has_error("page")


def test_form_swaps_dates_the_wrong_way_round(db):
    search_form = form("from=2025-03-31&to=2025-03-01")
    assert search_form.filters["date_from"] == date(2025, 3, 1)
    assert search_form.notes == ["The dates were the wrong way round: they were swapped."]


@pytest.mark.parametrize(
    ("page", "number"), [("", 1), ("1", 1), (" 3 ", 3), ("last", "last"), ("0", None), ("x", None)]
)
def test_form_page_numbers(db, page, number):
    search_form = form(f"q=a&page={page}")
    if number is None:
        assert search_form.has_error("page")
    else:
        assert search_form.cleaned_data["page"] == number


def test_last_page_is_the_last(indexed, client, settings):  # noqa: F811
    settings.ARTICLES_PER_PAGE = 2
    for n in range(5):
        indexed(title=f"Election update {n}")
    response = client.get("/search/", {"q": "election", "page": "last"})
    assert response.context["page_obj"].number == 3
    assert len(titles(response)) == 1
