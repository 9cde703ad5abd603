"""`seed_demo` on a site with an Armenian edition: Armenian translations of English demo
stories, linked in their groups, live, in their sections; none on a one-language site."""

import functools
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from articles.models import Article
from newsroom.demo import images, seedfile, translations

SEED = seedfile.load()

_article_image = functools.lru_cache(maxsize=None)(images.article_image)
_portrait = functools.lru_cache(maxsize=None)(images.portrait)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _draw_each_picture_once(monkeypatch):
    monkeypatch.setattr(images, "article_image", _article_image)
    monkeypatch.setattr(images, "portrait", _portrait)


def seed_demo():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


ARMENIAN = re.compile(r"[\u0531-\u0587]")


def test_the_armenian_edition_has_translations_of_english_demo_stories(two_editions):
    seed_demo()
    armenian = list(
        Article.objects.filter(language="hy", translation_group__isnull=False)
        .select_related("featured_image", "category")
        .prefetch_related("tags", "bylines")
    )
    assert 3 <= len(armenian) <= 5
    assert len(armenian) == len(translations.TRANSLATIONS)
    sources = {slugify(t["source"], allow_unicode=True) for t in translations.TRANSLATIONS}
    assert slugify(SEED.title, allow_unicode=True) in sources  # the seed article's subject
    for story in armenian:
        source = Article.objects.get(translation_group=story.translation_group, language="en")
        assert source.slug in sources
        assert story.is_live and source.is_live
        assert story.publish_at == source.publish_at + translations.TRANSLATION_DELAY
        assert story.category_id == source.category_id
        assert [b.author_id for b in story.bylines.all()] == [
            b.author_id for b in source.bylines.all()
        ]
        assert story.featured_image_id == source.featured_image_id
        assert ARMENIAN.search(story.featured_image_caption)
        # Written in Armenian: headline, excerpt, several paragraphs, tags.
        for text in (story.title, story.dek, story.dateline, story.slug):
            assert ARMENIAN.search(text), text
        paragraphs = re.findall(r"<p>(.*?)</p>", story.body)
        assert len(paragraphs) >= 4
        assert all(ARMENIAN.search(p) and not re.search(r"[A-Za-z]{4}", p) for p in paragraphs)
        assert all(ARMENIAN.search(tag.name) for tag in story.tags.all())
        assert story.tags.exists()
    seed_translation = Article.objects.get(
        translation_group=Article.objects.get(
            slug=slugify(SEED.title, allow_unicode=True)
        ).translation_group,
        language="hy",
    )
    assert "Բաքվում" in seed_translation.title and seed_translation.is_featured
    # The Armenian story written for the demo stands in the Armenian edition.
    assert Article.objects.get(title="Երևանում բացվեց նոր գրադարան").language == "hy"


def test_armenian_demo_stories_answer_to_readers(two_editions, client):
    seed_demo()
    for story in Article.objects.filter(language="hy"):
        response = client.get(story.get_absolute_url())
        assert response.status_code == 200
        assert story.title in response.content.decode()


def test_a_second_run_changes_nothing(two_editions):
    seed_demo()
    before = list(Article.objects.order_by("pk").values_list("pk", "version", "translation_group"))
    with CaptureQueriesContext(connection) as queries:
        output = seed_demo()
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert len(writes) == 1 and "widgets_breakingnews" in writes[0]
    assert "0 created, 0 updated" in output
    after = list(Article.objects.order_by("pk").values_list("pk", "version", "translation_group"))
    assert after == before


def test_a_one_language_site_gets_no_armenian_stories():
    output = seed_demo()
    assert not Article.objects.exclude(language="en").exists()
    assert not Article.objects.filter(translation_group__isnull=False).exists()
    assert "27 articles (27 created" in output
