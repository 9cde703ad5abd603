"""Editions (issue 22, the foundation): Article.language and translation groups,
services.translate, the article page's links between translations, and the
admin's edition column, filter and "Translate".

Tests run as a one-edition site (pyproject's EDITIONS=en); `two_editions` makes
the site English and Armenian, as the default settings do."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import html as lxml_html

from articles import cache_keys, services
from articles.models import Article
from caching import schedule
from tests.caching.support import warm
from tests.factories import ArticleFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def editor(db):
    return StaffUserFactory(role="Editor")


def translated(source, user, *, live=True, title="Լաչինի միջանցքը բացվեց"):
    """`source`'s Armenian translation, written and (by default) published."""
    draft = services.translate(source, "hy", user=user)
    draft.title = title
    draft.slug = ""  # made from the Armenian title
    services.save_article(draft, user=user, base_version=draft.version)
    if live:
        draft = services.publish(draft, user=user)
    return Article.objects.get(pk=draft.pk)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return lxml_html.fromstring(response.content)


def hreflangs(doc):
    return {
        link.get("hreflang"): link.get("href")
        for link in doc.xpath('//head/link[@rel="alternate"][@hreflang]')
    }


def news_article(doc):
    for script in doc.xpath('//script[@type="application/ld+json"]'):
        data = json.loads(script.text)
        if data.get("@type") == "NewsArticle":
            return data
    raise AssertionError("no NewsArticle JSON-LD")


def absolute(story):
    return f"http://testserver{story.get_absolute_url()}"


# -- settings -------------------------------------------------------------------


def settings_of(**env):
    """LANGUAGES and LANGUAGE_CODE as newsroom.settings reads them from `env`."""
    clean = {k: v for k, v in os.environ.items() if k not in ("EDITIONS", "LANGUAGE_CODE")}
    script = (
        "import json; from newsroom import settings as s; "
        "print(json.dumps([s.LANGUAGES, s.LANGUAGE_CODE]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env={**clean, **env}, capture_output=True, check=True
    )
    return json.loads(out.stdout)


def test_editions_default_to_english_and_armenian_and_follow_the_environment():
    assert settings_of() == [[["en", "English"], ["hy", "Armenian"]], "en"]
    assert settings_of(EDITIONS="hy,en") == [[["hy", "Armenian"], ["en", "English"]], "hy"]
    assert settings_of(EDITIONS="en") == [[["en", "English"]], "en"]


# -- model --------------------------------------------------------------------------


def test_a_story_is_in_the_default_edition_and_one_per_language_per_group(two_editions):
    two_editions.LANGUAGE_CODE = "hy"
    story = ArticleFactory()
    assert story.language == "hy"
    # Stories in no group never collide.
    assert ArticleFactory(language="hy").translation_group is None
    story.translation_group = "6f1c2b1e-0000-4000-8000-000000000001"
    story.save()
    ArticleFactory(language="en", translation_group=story.translation_group)
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(language="hy", translation_group=story.translation_group)


# -- services.translate -----------------------------------------------------------


def test_translate_opens_a_linked_draft_owned_by_the_translator(two_editions, editor):
    source = ArticleFactory(title="Lachin corridor reopened", tags=["lachin"])
    writer = StaffUserFactory(role="Contributor")
    draft = services.translate(source, "hy", user=writer)
    source.refresh_from_db()
    assert source.translation_group is not None
    assert draft.translation_group == source.translation_group
    assert (draft.language, draft.status, draft.created_by) == ("hy", "draft", writer)
    assert (draft.title, draft.body, draft.category_id) == (
        source.title,
        source.body,
        source.category_id,
    )
    assert draft.slug == f"{source.slug}-hy"
    assert list(draft.tags.names()) == ["lachin"]
    assert not draft.bylines.exists()  # the translation's bylines are its own
    assert draft.events.get().action == "created"


def test_translate_refuses_a_second_translation_and_bad_editions(two_editions, editor):
    source = ArticleFactory(title="Lachin corridor reopened")
    first = services.translate(source, "hy", user=editor)
    with pytest.raises(services.TranslationExists) as refused:
        services.translate(source, "hy", user=editor)
    assert refused.value.existing == first
    assert "already has a translation in Armenian" in refused.value.messages[0]
    # From the translation back into English: the source is that.
    with pytest.raises(services.TranslationExists):
        services.translate(first, "en", user=editor)
    with pytest.raises(ValidationError, match="in the English edition already"):
        services.translate(source, "en", user=editor)
    with pytest.raises(ValidationError, match="not an edition of this site"):
        services.translate(source, "ru", user=editor)
    assert Article.objects.count() == 2


def test_translate_is_checked_like_writing_a_story(two_editions):
    source = ArticleFactory()
    reader = StaffUserFactory()  # staff, but no right to write
    with pytest.raises(PermissionDenied):
        services.translate(source, "hy", user=reader)
    assert Article.objects.count() == 1
    assert Article.objects.get().translation_group is None


# -- the article page -------------------------------------------------------------------


def test_translations_link_each_other_both_ways(two_editions, client, editor):
    source = ArticleFactory(title="Lachin corridor reopened")
    armenian = translated(source, editor)
    source.refresh_from_db()
    expected = {"en": absolute(source), "hy": absolute(armenian), "x-default": absolute(source)}
    for story, locale, alternate in [(source, "en_US", "hy"), (armenian, "hy", "en_US")]:
        doc = page(client, story.get_absolute_url())
        assert hreflangs(doc) == expected
        assert doc.xpath('//meta[@property="og:locale"]/@content') == [locale]
        assert doc.xpath('//meta[@property="og:locale:alternate"]/@content') == [alternate]
        switcher = doc.xpath('//nav[@class="editions"]')[0]
        assert switcher.xpath(".//span[@aria-current]/@lang") == [story.language]
        other = switcher.xpath(".//a")[0]
        assert other.get("href") == (armenian if story is source else source).get_absolute_url()
        assert other.text_content() == ("Հայերեն" if story is source else "English")
    english_ld = news_article(page(client, source.get_absolute_url()))
    armenian_ld = news_article(page(client, armenian.get_absolute_url()))
    assert english_ld["inLanguage"] == "en-us"
    assert [t["url"] for t in english_ld["workTranslation"]] == [absolute(armenian)]
    assert english_ld["workTranslation"][0]["inLanguage"] == "hy"
    assert "translationOfWork" not in english_ld
    assert armenian_ld["inLanguage"] == "hy"
    assert armenian_ld["translationOfWork"]["url"] == absolute(source)
    assert "workTranslation" not in armenian_ld


def test_a_draft_translation_is_not_linked(two_editions, client, editor):
    source = ArticleFactory()
    translated(source, editor, live=False)
    doc = page(client, source.get_absolute_url())
    assert hreflangs(doc) == {}
    assert not doc.xpath('//nav[@class="editions"]')
    assert not doc.xpath('//meta[@property="og:locale:alternate"]')
    assert "workTranslation" not in news_article(doc)


def test_a_one_language_site_shows_no_alternates_and_no_switcher(two_editions, client, editor):
    source = ArticleFactory()
    armenian = translated(source, editor)
    two_editions.LANGUAGES = [("en", "English")]
    for story in (source, armenian):
        response = client.get(story.get_absolute_url())
        doc = lxml_html.fromstring(response.content)
        assert hreflangs(doc) == {}
        assert not doc.xpath('//nav[@class="editions"]')
        assert not doc.xpath('//meta[@property="og:locale:alternate"]')
        data = news_article(doc)
        assert "workTranslation" not in data and "translationOfWork" not in data
        assert "hreflang" not in response.content.decode()


def test_the_article_page_reads_translations_in_one_fixed_query(settings, client, editor):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian"), ("ru", "Russian")]
    settings.LANGUAGE_CODE = "en"
    single, one, two = ArticleFactory(), ArticleFactory(), ArticleFactory()
    translated(one, editor, title="Առաջին")
    translated(two, editor, title="Երկրորդ")
    services.publish(services.translate(two, "ru", user=editor), user=editor)

    def queries(story):
        """Queries of the first rendering of the story's page, with the schedule read
        as in the steady state."""
        schedule.upcoming()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(story.get_absolute_url()).status_code == 200
        return len(captured)

    queries(ArticleFactory())  # what every page reads once (navigation, widgets)
    alone, with_one, with_two = queries(single), queries(one), queries(two)
    assert with_one == alone + 1
    assert with_two == with_one
    assert with_two <= 10  # the article page's budget (test_views)
    assert set(hreflangs(page(client, two.get_absolute_url()))) == {"en", "hy", "ru", "x-default"}


def test_a_change_to_a_translation_purges_the_other_page(two_editions, client, editor, commit):
    source = ArticleFactory(title="Lachin corridor reopened")
    with commit():
        armenian = translated(source, editor)
    source.refresh_from_db()
    warm(client, source.get_absolute_url())
    with commit():
        armenian.title = "Լաչինի միջանցքը կրկին բաց է"
        services.save_article(armenian, user=editor, base_version=armenian.version)
    response = client.get(source.get_absolute_url())
    assert response.get("X-Cache") == "miss"
    assert "Լաչինի միջանցքը կրկին բաց է" in response.content.decode()
    # Unpublished: its link goes from the other page at once.
    warm(client, source.get_absolute_url())
    with commit():
        services.unpublish(Article.objects.get(pk=armenian.pk), user=editor)
    response = client.get(source.get_absolute_url())
    assert response.get("X-Cache") == "miss"
    assert "hreflang" not in response.content.decode()


def test_a_translation_going_live_purges_the_source_page(two_editions, client, editor, commit):
    source = ArticleFactory()
    with commit():
        draft = translated(source, editor, live=False)
    source.refresh_from_db()
    warm(client, source.get_absolute_url())
    with commit():
        services.publish(draft, user=editor)
    response = client.get(source.get_absolute_url())
    assert response.get("X-Cache") == "miss"
    assert hreflangs(lxml_html.fromstring(response.content))["hy"] == absolute(draft)


def test_a_scheduled_translation_ends_the_source_page_at_its_time(two_editions, editor):
    source = ArticleFactory()
    draft = translated(source, editor, live=False)
    when = timezone.now() + timedelta(hours=3)
    services.schedule(draft, when, user=editor)
    group = Article.objects.get(pk=source.pk).translation_group
    changes = dict(cache_keys.scheduled_changes())
    assert cache_keys.translations(group) in changes[when]


# -- the admin ----------------------------------------------------------------------


def test_admin_translate_opens_the_linked_draft(two_editions, client, editor):
    source = ArticleFactory(title="Lachin corridor reopened")
    client.force_login(editor)
    change = f"/admin/articles/article/{source.pk}/change/"
    doc = page(client, change)
    (form,) = doc.xpath('//form[@class="article-translate-form"]')
    assert form.xpath(".//button")[0].text_content() == "Translate into Armenian"
    action = form.get("action")
    assert client.get(action).status_code == 405
    response = client.post(action)
    draft = Article.objects.get(language="hy")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/articles/article/{draft.pk}/change/"
    assert draft.translation_group == Article.objects.get(pk=source.pk).translation_group
    # The second time it opens the one there is, with a warning.
    response = client.post(action, follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/articles/article/{draft.pk}/change/"
    assert "already has a translation in Armenian" in response.content.decode()
    assert Article.objects.count() == 2
    # Now the source links its translation instead of offering to translate.
    doc = page(client, change)
    assert not doc.xpath('//form[@class="article-translate-form"]')
    assert doc.xpath('//a[@class="article-edition-link"]/@href') == [
        f"/admin/articles/article/{draft.pk}/change/"
    ]


def test_admin_refuses_translating_to_those_who_may_not_write(two_editions, client):
    source = ArticleFactory()
    viewer = StaffUserFactory()
    viewer.user_permissions.add(
        *__import__(
            "django.contrib.auth.models", fromlist=["Permission"]
        ).Permission.objects.filter(codename="view_article")
    )
    client.force_login(viewer)
    assert not page(client, f"/admin/articles/article/{source.pk}/change/").xpath(
        '//form[@class="article-translate-form"]'
    )
    response = client.post(f"/admin/articles/article/{source.pk}/translate/hy/", follow=True)
    assert "You may not translate this article." in response.content.decode()
    assert Article.objects.count() == 1


def test_admin_list_has_an_edition_column_and_filter(two_editions, client, editor):
    ArticleFactory(title="English story")
    ArticleFactory(title="Հայերեն պատմություն", language="hy")
    client.force_login(editor)
    doc = page(client, "/admin/articles/article/")
    assert doc.xpath('//th[contains(@class, "column-edition")]')
    assert doc.xpath('//td[@class="field-edition"]/text()') == ["hy", "en"]
    filtered = client.get("/admin/articles/article/", {"language": "hy"}).content.decode()
    assert "Հայերեն պատմություն" in filtered and "English story" not in filtered


def test_admin_on_a_one_language_site_has_no_edition(client, editor):
    source = ArticleFactory(title="English story")
    client.force_login(editor)
    listing = page(client, "/admin/articles/article/")
    assert not listing.xpath('//th[contains(@class, "column-edition")]')
    change = page(client, f"/admin/articles/article/{source.pk}/change/")
    assert not change.xpath('//form[@class="article-translate-form"]')
    assert not change.xpath('//*[@name="language"]')
