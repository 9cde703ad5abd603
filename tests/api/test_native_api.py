"""The project's own API (/api/v1/): shapes, public content only, schema, queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openapi_spec_validator import validate

from articles.models import Article
from images.models import Rendition
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    CorrectionFactory,
    ImageFactory,
)


def test_a_story_shows_bylines_section_tags_picture_renditions_and_corrections(db, client):
    image = ImageFactory()
    Rendition.objects.create(
        image=image, ratio="16:9", width=640, height=360, format="webp", file="r/a.webp", focal=""
    )
    author = AuthorFactory(name="Ani Hakobyan")
    story = ArticleFactory(featured_image=image, authors=[author], tags=["Yerevan"])
    CorrectionFactory(article=story, text="An earlier version misspelt a name.")
    body = client.get(f"/api/v1/stories/{story.pk}/").json()
    assert body["title"] == story.title
    assert body["section"]["slug"] == story.category.slug
    assert [b["name"] for b in body["bylines"]] == ["Ani Hakobyan"]
    assert [t["name"] for t in body["tags"]] == ["Yerevan"]
    assert body["image"]["renditions"] == [
        {
            "ratio": "16:9",
            "width": 640,
            "height": 360,
            "format": "webp",
            "url": "http://testserver/media/r/a.webp",
        }
    ]
    assert [c["text"] for c in body["corrections"]] == ["An earlier version misspelt a name."]


def test_only_live_stories(db, client):
    live = ArticleFactory()
    draft = ArticleFactory(draft=True)
    scheduled = ArticleFactory(scheduled=True)
    listed = client.get("/api/v1/stories/").json()
    assert [s["id"] for s in listed["results"]] == [live.pk]
    for hidden in (draft, scheduled):
        assert client.get(f"/api/v1/stories/{hidden.pk}/").status_code == 404
    assert client.get(f"/api/v1/stories/{10**30}/").status_code == 404


def test_stories_filter_by_section_tag_and_author(db, client):
    section, author = CategoryFactory(), AuthorFactory()
    a = ArticleFactory(category=section, tags=["x"])
    b = ArticleFactory(authors=[author], tags=["x"])
    ArticleFactory()

    def listed(query):
        return [s["id"] for s in client.get(f"/api/v1/stories/?{query}").json()["results"]]

    assert listed(f"section={section.slug}") == [a.pk]
    assert listed(f"author={author.slug}") == [b.pk]
    assert sorted(listed("tag=x")) == sorted([a.pk, b.pk])


def test_an_edit_purges_the_cached_story(db, client):
    story = ArticleFactory()
    url = f"/api/v1/stories/{story.pk}/"
    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(url)["X-Cache"] == "hit"
    story = Article.objects.get(pk=story.pk)
    story.title = "Changed"
    story.save()
    response = client.get(url)
    assert (response["X-Cache"], response.json()["title"]) == ("miss", "Changed")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_schema_is_valid_openapi(db, client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert set(schema["paths"]) >= {
        "/api/v1/stories/",
        "/api/v1/stories/{id}/",
        "/api/v1/sections/",
        "/api/v1/tags/",
        "/api/v1/authors/",
        "/api/v1/images/{id}/",
    }
    # Only the project's own API is described (not /wp-json/).
    assert not [path for path in schema["paths"] if not path.startswith("/api/v1/")]


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("route", ["stories", "sections", "tags", "authors"])
def test_queries_do_not_grow_with_the_page(db, client, route):
    for n in range(10):
        story = ArticleFactory(
            authors=[AuthorFactory(), AuthorFactory()],
            tags=[f"t{n}", "all"],
            featured_image=ImageFactory() if n >= 5 else None,
        )
        CorrectionFactory(article=story)
    client.get("/api/v1/stories/?page_size=1")
    small = count_queries(client, f"/api/v1/{route}/?page_size=2")
    large = count_queries(client, f"/api/v1/{route}/?page_size=10")
    assert small == large
    assert large <= 8


def test_a_bad_filter_value_is_a_clear_error(db, client):
    response = client.get("/api/v1/stories/?section=a%00b")
    assert response.status_code == 400
    assert "section" in response.json()
