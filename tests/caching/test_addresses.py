"""Addresses worked out once per process (caching.addresses): fixed addresses reversed
once, and what each path resolved to remembered, per URLconf and language."""

import pytest
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils import translation

from caching import addresses
from tests.factories import ArticleFactory, CategoryFactory


@pytest.fixture
def project_resolver():
    """The RememberingResolver around the project's URLconf, emptied."""
    (resolver,) = get_resolver().url_patterns
    assert isinstance(resolver, addresses.RememberingResolver)
    resolver._resolved.clear()
    return resolver


def test_a_path_is_resolved_once_and_each_request_gets_its_own_match(project_resolver):
    first = resolve("/2026/11/a-story/")
    remembered = dict(project_resolver._resolved)
    second = resolve("/2026/11/a-story/")
    assert first.url_name == second.url_name == "detail"
    assert first.kwargs == second.kwargs == {"year": "2026", "month": "11", "slug": "a-story"}
    # The second answer came from memory, as a match of its own.
    assert project_resolver._resolved == remembered
    assert first is not second and first.kwargs is not second.kwargs
    second.kwargs["slug"] = "changed"
    assert resolve("/2026/11/a-story/").kwargs["slug"] == "a-story"


def test_paths_that_do_not_resolve_are_not_remembered(project_resolver):
    with pytest.raises(Resolver404):
        resolve("/no/such/address/at/all/")
    assert not project_resolver._resolved


def test_the_memory_is_bounded(project_resolver, monkeypatch):
    monkeypatch.setattr(addresses.RememberingResolver, "LIMIT", 3)
    for n in range(7):
        resolve(f"/2026/11/story-{n}/")
    assert 1 <= len(project_resolver._resolved) <= 3
    assert resolve("/2026/11/story-0/").kwargs["slug"] == "story-0"


def test_the_language_is_part_of_what_is_remembered(project_resolver, settings):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    with translation.override("hy"):
        assert resolve("/hy/2026/11/a-story/").url_name == "detail"
    with translation.override("en"):
        assert resolve("/2026/11/a-story/").url_name == "detail"
    languages = {language for _, language, _ in project_resolver._resolved}
    assert languages == {"en", "hy"}


def test_a_change_of_settings_forgets_what_was_resolved(project_resolver, settings):
    resolve("/2026/11/a-story/")
    assert project_resolver._resolved
    settings.APPEND_SLASH = False
    assert not project_resolver._resolved


def test_fixed_addresses_follow_the_language(settings):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    assert addresses.reverse_once("articles:search") == reverse("articles:search") == "/search/"
    with translation.override("hy"):
        assert addresses.reverse_once("articles:search") == "/hy/search/"
    assert addresses.reverse_once("articles:search") == "/search/"


def test_a_story_page_is_served_through_the_remembered_match(db, client, project_resolver):
    story = ArticleFactory(title="Remembered addresses")
    for _ in range(2):
        response = client.get(story.get_absolute_url())
        assert response.status_code == 200
        assert response.resolver_match.url_name == "detail"
    assert any(key[0].endswith(f"{story.slug}/") for key in project_resolver._resolved)


def test_a_sections_address_is_worked_out_once_and_follows_its_slug(db, settings):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    section = CategoryFactory(name="Artsakh", slug="artsakh")
    assert section.get_absolute_url() == reverse("categories:detail", kwargs={"slug": "artsakh"})
    with translation.override("hy"):
        assert section.get_absolute_url() == "/hy/category/artsakh/"
    section.slug = "artsakh-news"
    assert section.get_absolute_url() == "/category/artsakh-news/"
    assert addresses.reverse_once("categories:detail", slug="artsakh") == "/category/artsakh/"
