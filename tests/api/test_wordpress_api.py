"""The WordPress-compatible API: public content only, old ids, filters, errors, caching."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from api.ids import NATIVE_ID_OFFSET
from articles.models import Article
from authors.models import Author
from categories.models import Category
from images.models import Image
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, ImageFactory
from wordpress.models import ImportedItem

POSTS = "/wp-json/wp/v2/posts"


def imported(obj, kind, wp_id, site="https://old.example"):
    return ImportedItem.objects.create(
        site=site,
        kind=kind,
        wp_id=wp_id,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
    )


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()]


# -- public content only ------------------------------------------------------------


def test_only_live_stories_are_listed_or_found(db, client):
    live = ArticleFactory()
    hidden = [
        ArticleFactory(draft=True),
        ArticleFactory(review=True),
        ArticleFactory(scheduled=True),
        ArticleFactory(unpublished=True),
    ]
    assert ids(client.get(POSTS)) == [NATIVE_ID_OFFSET + live.pk]
    for story in hidden:
        response = client.get(f"{POSTS}/{NATIVE_ID_OFFSET + story.pk}")
        assert response.status_code == 404
        assert response.json() == {
            "code": "rest_post_invalid_id",
            "message": "Invalid post ID.",
            "data": {"status": 404},
        }
        assert ids(client.get(f"{POSTS}?slug={story.slug}")) == []
    assert client.get(f"{POSTS}?status=draft").json()["code"] == "rest_invalid_param"


def test_edit_context_is_refused(db, client):
    response = client.get(f"{POSTS}?context=edit")
    assert response.status_code == 401
    assert response.json()["code"] == "rest_forbidden_context"


def test_users_are_only_bylines_of_live_stories(db, client):
    shown = AuthorFactory()
    ArticleFactory(authors=[shown])
    ArticleFactory(draft=True, authors=[AuthorFactory()])
    AuthorFactory()
    assert ids(client.get("/wp-json/wp/v2/users")) == [NATIVE_ID_OFFSET + shown.pk]


def test_media_are_only_pictures_of_live_stories(db, client):
    shown = ImageFactory()
    ArticleFactory(featured_image=shown)
    ArticleFactory(draft=True, featured_image=ImageFactory())
    assert ids(client.get("/wp-json/wp/v2/media")) == [NATIVE_ID_OFFSET + shown.pk]


# -- ids ------------------------------------------------------------------------------


def test_imported_things_keep_their_wordpress_ids(db, client):
    section, author, image = CategoryFactory(), AuthorFactory(), ImageFactory()
    story = ArticleFactory(category=section, authors=[author], featured_image=image, tags=["t"])
    imported(story, "post", 4321)
    imported(section, "term", 7)
    imported(Tag.objects.get(name="t"), "term", 8)
    imported(author, "author", 3)
    imported(image, "attachment", 4000)
    post = client.get(f"{POSTS}/4321").json()
    assert (post["id"], post["categories"], post["tags"]) == (4321, [7], [8])
    assert (post["author"], post["featured_media"]) == (3, 4000)
    assert post["guid"]["rendered"] == "http://testserver/?p=4321"
    assert ids(client.get(f"{POSTS}?categories=7&tags=8&author=3")) == [4321]
    assert client.get("/wp-json/wp/v2/categories/7").json()["id"] == 7
    assert client.get("/wp-json/wp/v2/tags/8").json()["id"] == 8
    assert client.get("/wp-json/wp/v2/users/3").json()["id"] == 3
    assert client.get("/wp-json/wp/v2/media/4000").json()["id"] == 4000
    # Only by its WordPress id: never under a second one.
    assert client.get(f"{POSTS}/{NATIVE_ID_OFFSET + story.pk}").status_code == 404


def test_an_imported_and_a_native_story_never_share_an_id(db, client):
    native = ArticleFactory()
    old = ArticleFactory()
    # The WordPress id of the imported story is the native story's own pk.
    imported(old, "post", native.pk)
    listed = ids(client.get(POSTS))
    assert sorted(listed) == sorted([native.pk, NATIVE_ID_OFFSET + native.pk])
    assert client.get(f"{POSTS}/{native.pk}").json()["slug"] == old.slug
    assert client.get(f"{POSTS}/{NATIVE_ID_OFFSET + native.pk}").json()["slug"] == native.slug


def test_one_wordpress_id_from_two_sites_names_one_story(db, client):
    first, second = ArticleFactory(), ArticleFactory()
    imported(first, "post", 55, site="https://one.example")
    imported(second, "post", 55, site="https://two.example")
    assert sorted(ids(client.get(POSTS))) == [55, NATIVE_ID_OFFSET + second.pk]
    assert client.get(f"{POSTS}/55").json()["slug"] == first.slug
    assert client.get(f"{POSTS}/{NATIVE_ID_OFFSET + second.pk}").json()["slug"] == second.slug


def test_an_id_too_large_for_the_database_is_not_found(db, client):
    assert client.get(f"{POSTS}/{10**30}").status_code == 404
    assert ids(client.get(f"{POSTS}?include={10**30}")) == []


# -- parameters --------------------------------------------------------------------------


@pytest.fixture
def stories(db):
    now = timezone.now()
    a, b = CategoryFactory(), CategoryFactory()
    alice, bob = AuthorFactory(), AuthorFactory()
    return [
        ArticleFactory(
            title=f"Title {n} {'harbour' if n == 2 else ''}",
            category=a if n % 2 else b,
            authors=[alice if n < 3 else bob],
            tags=["even"] if n % 2 == 0 else ["odd"],
            publish_at=now - timezone.timedelta(days=n + 1),
        )
        for n in range(6)
    ]


def pid(obj):
    return NATIVE_ID_OFFSET + obj.pk


def test_filters(stories, client):
    s = stories
    even = Tag.objects.get(name="even")
    assert ids(client.get(f"{POSTS}?categories={pid(s[1].category)}")) == [
        pid(s[1]),
        pid(s[3]),
        pid(s[5]),
    ]
    assert ids(client.get(f"{POSTS}?categories_exclude={pid(s[1].category)}")) == [
        pid(s[0]),
        pid(s[2]),
        pid(s[4]),
    ]
    assert ids(client.get(f"{POSTS}?tags={pid(even)}")) == [pid(s[0]), pid(s[2]), pid(s[4])]
    assert ids(client.get(f"{POSTS}?tags_exclude={pid(even)}")) == [pid(s[1]), pid(s[3]), pid(s[5])]
    alice = s[0].bylines.get().author
    assert ids(client.get(f"{POSTS}?author={pid(alice)}")) == [pid(s[0]), pid(s[1]), pid(s[2])]
    assert ids(client.get(f"{POSTS}?author_exclude={pid(alice)}")) == [
        pid(s[3]),
        pid(s[4]),
        pid(s[5]),
    ]
    assert ids(client.get(f"{POSTS}?slug={s[4].slug},{s[5].slug}")) == [pid(s[4]), pid(s[5])]
    assert ids(client.get(f"{POSTS}?include={pid(s[5])},{pid(s[0])}")) == [pid(s[0]), pid(s[5])]
    assert ids(client.get(f"{POSTS}?include={pid(s[5])},{pid(s[0])}&orderby=include")) == [
        pid(s[5]),
        pid(s[0]),
    ]
    assert ids(client.get(f"{POSTS}?exclude={pid(s[0])}&per_page=2")) == [pid(s[1]), pid(s[2])]
    assert ids(client.get(f"{POSTS}?search=harbour")) == [pid(s[2])]
    after = timezone.localtime(s[2].publish_at).replace(tzinfo=None).isoformat()
    assert ids(client.get(f"{POSTS}?after={after}")) == [pid(s[0]), pid(s[1])]
    assert ids(client.get(f"{POSTS}?before={after}")) == [pid(s[3]), pid(s[4]), pid(s[5])]
    assert ids(client.get(f"{POSTS}?order=asc&per_page=2")) == [pid(s[5]), pid(s[4])]
    assert ids(client.get(f"{POSTS}?orderby=title&order=asc&per_page=1")) == [pid(s[0])]
    assert ids(client.get(f"{POSTS}?offset=4")) == [pid(s[4]), pid(s[5])]


def test_lists_in_brackets_and_the_rest_route_form_are_the_same_request(stories, client):
    s = stories
    plain = client.get(f"{POSTS}?include={pid(s[0])},{pid(s[1])}&_fields=id")
    brackets = client.get(f"{POSTS}?include[]={pid(s[0])}&include[]={pid(s[1])}&_fields=id")
    routed = client.get(f"/?rest_route=/wp/v2/posts&include={pid(s[0])},{pid(s[1])}&_fields=id")
    assert (
        plain.json() == brackets.json() == routed.json() == [{"id": pid(s[0])}, {"id": pid(s[1])}]
    )
    assert routed["X-Cache"] == "hit"  # one cached answer for all three spellings


def test_bad_parameters_are_named_with_wordpress_s_messages(db, client):
    response = client.get(f"{POSTS}?per_page=abc&order=sideways&after=yesterday&categories=x")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rest_invalid_param"
    assert body["message"] == "Invalid parameter(s): per_page, after, order, categories"
    assert body["data"]["params"] == {
        "per_page": "per_page is not of type integer.",
        "after": "Invalid date.",
        "order": "order is not one of asc and desc.",
        "categories": "categories[0] is not of type integer.",
    }
    assert body["data"]["details"]["order"]["code"] == "rest_not_in_enum"
    response = client.get(f"{POSTS}?orderby=relevance")
    assert response.json()["code"] == "rest_no_search_term_defined"


def test_fields_keeps_only_what_is_asked(stories, client):
    body = client.get(f"{POSTS}?per_page=1&_fields=id,title.rendered,_links").json()
    assert list(body[0]) == ["id", "title", "_links"]
    assert list(body[0]["title"]) == ["rendered"]
    body = client.get(f"{POSTS}?per_page=1&_fields=id&_embed").json()
    assert body == [{"id": pid(stories[0])}]


def test_terms_count_live_stories_and_filter_by_post(stories, client):
    body = client.get("/wp-json/wp/v2/categories?orderby=count&order=desc").json()
    assert [c["count"] for c in body] == [3, 3]
    ArticleFactory(draft=True, category=stories[0].category)
    tags = client.get(f"/wp-json/wp/v2/tags?post={pid(stories[0])}").json()
    assert [t["name"] for t in tags] == ["even"]
    assert tags[0]["count"] == 3


# -- headers, caching, throttling ---------------------------------------------------------


def test_answers_allow_any_origin_and_expose_the_paging_headers(stories, client):
    response = client.get(POSTS, HTTP_ORIGIN="https://app.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "X-WP-Total" in response["Access-Control-Expose-Headers"]
    preflight = client.options(POSTS, HTTP_ORIGIN="https://app.example")
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"


def test_answers_are_cached_until_a_story_they_show_changes(stories, client):
    url = f"{POSTS}?per_page=2"
    first = client.get(url)
    assert first["X-Cache"] == "miss"
    assert f"article:{stories[0].pk}" in first["Surrogate-Key"].split()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    story = Article.objects.get(pk=stories[0].pk)
    story.title = "A new headline"
    story.save()
    fresh = client.get(url)
    assert fresh["X-Cache"] == "miss"
    assert fresh.json()[0]["title"]["rendered"] == "A new headline"


def test_a_story_going_live_purges_the_lists(stories, client):
    first = client.get(POSTS)
    assert client.get(POSTS)["X-Cache"] == "hit"
    scheduled = ArticleFactory(draft=True)
    scheduled.status = Article.Status.PUBLISHED
    scheduled.publish_at = timezone.now() - timezone.timedelta(minutes=1)
    scheduled.save()
    after = client.get(POSTS)
    assert after["X-Cache"] == "miss"
    assert ids(after)[0] == pid(scheduled)
    assert len(ids(after)) == len(first.json()) + 1


def test_only_renderings_are_throttled(stories, client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "render": "2/60"}
    assert client.get(POSTS).status_code == 200
    assert client.get(f"{POSTS}?per_page=3").status_code == 200
    for _ in range(3):
        assert client.get(POSTS).status_code == 200  # cached: not counted
    assert client.get(f"{POSTS}?per_page=4").status_code == 429


# -- query counts ---------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response["X-Cache"] == "miss"
    return len(queries)


@pytest.mark.parametrize(
    "route",
    [
        "posts?_embed",
        "posts?categories={cat}&tags={tag}&author={author}&_embed",
        "categories",
        "tags",
        "users",
        "media",
        "search?search=Story",
    ],
)
def test_queries_do_not_grow_with_the_page(db, client, route):
    section, author = CategoryFactory(), AuthorFactory()
    for n in range(12):
        story = ArticleFactory(
            category=CategoryFactory() if n % 3 else section,
            authors=[author, AuthorFactory()],
            tags=[f"tag-{n}", "common"],
            featured_image=ImageFactory() if n >= 6 else None,  # on every page
        )
        imported(story, "post", 100 + n) if n % 2 else None
    common = Tag.objects.get(name="common")
    route = route.format(cat=pid(section), tag=pid(common), author=pid(author))
    url = f"/wp-json/wp/v2/{route}{'&' if '?' in route else '?'}"
    client.get("/wp-json/wp/v2/posts?per_page=1")  # the schedule is read once
    small = count_queries(client, f"{url}per_page=2")
    large = count_queries(client, f"{url}per_page=12")
    assert small == large
    assert large <= 12


def test_single_post_with_embed_queries_are_bounded(db, client, django_assert_max_num_queries):
    story = ArticleFactory(tags=["a", "b"], featured_image=ImageFactory())
    client.get("/wp-json/wp/v2/posts?per_page=1")
    with django_assert_max_num_queries(9):
        response = client.get(f"{POSTS}/{pid(story)}?_embed")
    assert set(response.json()["_embedded"]) == {"author", "wp:featuredmedia", "wp:term"}


# -- errors ---------------------------------------------------------------------------------


def test_unknown_routes_answer_rest_no_route(db, client):
    response = client.get("/wp-json/wp/v2/pages")
    assert response.status_code == 404
    assert response.json()["code"] == "rest_no_route"
    assert client.get("/wp-json/wp/v2/users/5").json()["code"] == "rest_user_invalid_id"
    assert client.get("/wp-json/wp/v2/categories/5").json()["code"] == "rest_term_invalid"


def test_models_have_no_unexpected_ids(db):
    # The mapping covers exactly the models the routes show.
    from api.ids import KIND

    assert set(KIND) == {Article, Category, Tag, Author, Image}


def test_embed_context_keeps_the_fields_wordpress_embeds(stories, client):
    body = client.get(f"{POSTS}?per_page=1&context=embed").json()
    assert list(body[0]) == [
        "id",
        "date",
        "slug",
        "type",
        "link",
        "title",
        "excerpt",
        "author",
        "featured_media",
        "_links",
    ]


def test_embed_may_name_the_relations_it_wants(db, client):
    ArticleFactory(tags=["a"], featured_image=ImageFactory())
    body = client.get(f"{POSTS}?_embed=author,wp:term").json()
    assert set(body[0]["_embedded"]) == {"author", "wp:term"}
    assert set(client.get(f"{POSTS}?_embed=1").json()[0]["_embedded"]) == {
        "author",
        "wp:featuredmedia",
        "wp:term",
    }


@pytest.mark.parametrize(
    "query",
    ["offset=-5", "search=a%00b", "slug=a%00", "page=99999999999999999999", "include=-1,0"],
)
def test_odd_values_get_an_answer_not_an_error(db, client, query):
    ArticleFactory()
    response = client.get(f"{POSTS}?{query}")
    assert response.status_code in (200, 400)
    assert response["Content-Type"] == "application/json"
