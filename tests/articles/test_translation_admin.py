"""Translating in the admin: the source story beside a translation's editor, the
independence of translations, a clear answer to two translators racing, and the
list of live stories missing a translation (with its count on the desk)."""

from datetime import timedelta
from unittest.mock import patch

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html
from reversion.models import Version

from articles import services, translations
from articles.models import Article
from tests.articles.test_admin_support import form_data
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

MISSING = "admin:articles_article_missing_translations"


@pytest.fixture
def editor(db):
    return StaffUserFactory(role="Editor")


def change_url(story):
    return reverse("admin:articles_article_change", args=[story.pk])


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return lxml_html.fromstring(response.content.decode())


def source_panel(doc):
    found = doc.xpath('//details[@id="translation-source"]')
    return found[0] if found else None


def lachin_story():
    return ArticleFactory(
        title="Lachin corridor reopened",
        dek="Traffic resumed on Tuesday morning.",
        body="<p>The road to Stepanakert reopened.</p><p>Trucks with flour crossed first.</p>",
        dateline="STEPANAKERT",
        category=CategoryFactory(name="Artsakh", slug="artsakh"),
        authors=[AuthorFactory(name="Nare Mkrtchyan")],
        tags=["Lachin corridor", "Artsakh"],
    )


# -- the source beside the editor ------------------------------------------------------


def test_a_translation_shows_its_source_beside_the_editor(two_editions, client, editor):
    source = lachin_story()
    draft = services.translate(source, "hy", user=editor)
    client.force_login(editor)
    doc = page(client, change_url(draft))
    panel = source_panel(doc)
    assert panel is not None
    # Beside the editor: the panel and the form are the two columns of one layout.
    (layout,) = doc.xpath('//div[@class="translation-layout"]')
    assert layout.xpath("./details[@id='translation-source']")
    assert layout.xpath("./div[@class='translation-layout__editor']//form[@id='article_form']")
    assert panel.get("open") is not None
    text = " ".join(panel.text_content().split())
    assert "Source: English edition" in text
    assert panel.xpath(".//h2")[0].text_content() == "Lachin corridor reopened"
    assert "Traffic resumed on Tuesday morning." in text
    assert [
        p.text_content() for p in panel.xpath('.//div[contains(@class, "article-content")]/p')
    ] == [
        "The road to Stepanakert reopened.",
        "Trucks with flour crossed first.",
    ]
    facts = dict(
        zip(
            [dt.text_content() for dt in panel.xpath(".//dt")],
            [dd.text_content() for dd in panel.xpath(".//dd")],
            strict=True,
        )
    )
    assert facts == {
        "Bylines": "Nare Mkrtchyan",
        "Section": "Artsakh",
        "Tags": "Lachin corridor, Artsakh",
        "Dateline": "STEPANAKERT",
    }
    assert panel.xpath('.//a[@class="translation-source__open"]/@href') == [change_url(source)]
    assert panel.xpath('./div[@lang="en"]')
    assert not panel.xpath('.//*[contains(@class, "translation-source__changed")]')
    # No inline script: the admin's CSP allows none; the panel's script is a file.
    assert not doc.xpath("//script[not(@src) and not(@type='application/json')]")
    assert doc.xpath('//script[contains(@src, "newsroom-admin/translation.js")]')


def test_the_original_and_an_untranslated_story_show_no_source(two_editions, client, editor):
    source = lachin_story()
    alone = ArticleFactory()
    services.translate(source, "hy", user=editor)
    client.force_login(editor)
    assert source_panel(page(client, change_url(source))) is None
    assert source_panel(page(client, change_url(alone))) is None


def test_the_source_is_the_groups_original_whatever_its_edition(settings, editor):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian"), ("ru", "Russian")]
    settings.LANGUAGE_CODE = "en"
    armenian = ArticleFactory(language="hy", title="Հայերեն բնագիր")
    english = services.translate(armenian, "en", user=editor)
    russian = services.translate(english, "ru", user=editor)
    assert translations.source_for(english).article == armenian
    assert translations.source_for(russian).article == armenian
    assert translations.source_for(armenian) is None


def test_the_source_panel_says_when_the_source_changed_later(two_editions, client, editor):
    source = lachin_story()
    draft = services.translate(source, "hy", user=editor)
    # Publishing the source (or scheduling it) changes no text to translate.
    source = services.unpublish(source, user=editor)
    source = services.publish(source, user=editor)
    client.force_login(editor)
    assert not source_panel(page(client, change_url(draft))).xpath(
        './/*[contains(@class, "translation-source__changed")]'
    )
    source.title = "Lachin corridor reopened to all traffic"
    services.save_article(source, user=editor, base_version=source.version)
    panel = source_panel(page(client, change_url(draft)))
    (note,) = panel.xpath('.//*[contains(@class, "translation-source__changed")]')
    text = " ".join(note.text_content().split())
    assert "The source changed after this translation was started: edited" in text
    assert editor.get_full_name() in text
    assert note.xpath(".//a/@href") == [
        reverse("admin:articles_article_revisions", args=[source.pk])
    ]
    assert panel.xpath(".//h2")[0].text_content() == "Lachin corridor reopened to all traffic"


def test_a_one_language_site_shows_no_source_panel(client, editor, settings):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    source = lachin_story()
    draft = services.translate(source, "hy", user=editor)
    settings.LANGUAGES = [("en", "English")]
    client.force_login(editor)
    doc = page(client, change_url(draft))
    assert source_panel(doc) is None
    assert not doc.xpath('//div[@class="translation-layout"]')


# -- translations are stories of their own ----------------------------------------------


def test_publishing_unpublishing_and_trashing_one_leaves_the_other(two_editions, editor):
    source = lachin_story()
    draft = services.translate(source, "hy", user=editor)
    services.publish(draft, user=editor)
    source.refresh_from_db()
    assert source.status == "published" and source.version == 1
    services.unpublish(Article.objects.get(pk=source.pk), user=editor)
    draft.refresh_from_db()
    assert draft.is_live
    services.trash(Article.objects.get(pk=draft.pk), user=editor)
    source.refresh_from_db()
    assert (source.status, source.trashed_at) == ("unpublished", None)


def test_a_contributor_translates_but_may_not_publish(two_editions, editor):
    source = lachin_story()
    contributor = StaffUserFactory(role="Contributor")
    draft = services.translate(source, "hy", user=contributor)
    assert draft.created_by == contributor
    draft.title = "Լաչինի միջանցքը բացվեց"
    draft = services.save_article(draft, user=contributor, base_version=draft.version)
    with pytest.raises(PermissionDenied):
        services.publish(draft, user=contributor)
    services.submit_for_review(draft, user=contributor)
    assert Article.objects.get(pk=draft.pk).status == "review"
    services.publish(Article.objects.get(pk=draft.pk), user=editor)
    assert Article.objects.get(pk=draft.pk).is_live


def test_a_contributor_translates_in_the_admin_without_a_publish_button(two_editions, client):
    source = lachin_story()
    contributor = StaffUserFactory(role="Contributor")
    client.force_login(contributor)
    doc = page(client, change_url(source))
    (action,) = doc.xpath('//form[@class="article-translate-form"]/@action')
    response = client.post(action)
    draft = Article.objects.get(language="hy")
    assert response["Location"] == change_url(draft)
    assert draft.created_by == contributor
    doc = page(client, change_url(draft))
    assert source_panel(doc) is not None
    assert not doc.xpath('//input[@name="_publish"]')
    # Refused on the server too, not only by a missing button.
    data = form_data(client, change_url(draft))
    data["title"] = "Լաչինի միջանցքը բացվեց"
    data["_publish"] = "Save and publish"
    response = client.post(change_url(draft), data)
    assert response.status_code == 200  # the form again, with the refusal
    assert "You may not publish, schedule or unpublish this article." in (response.content.decode())
    assert Article.objects.get(pk=draft.pk).status == "draft"
    del data["_publish"]
    data["_submit_review"] = "Submit for review"
    # A translation starts with no bylines: the admin asks before it goes out.
    data["publish_without_byline"] = "on"
    client.post(change_url(draft), data)
    draft = Article.objects.get(pk=draft.pk)
    assert (draft.title, draft.status) == ("Լաչինի միջանցքը բացվեց", "review")


def test_translations_keep_revisions_and_bylines_of_their_own(two_editions, editor):
    source = lachin_story()
    draft = services.translate(source, "hy", user=editor)
    draft.title = "Լաչինի միջանցքը բացվեց"
    services.save_article(draft, user=editor, base_version=draft.version)

    def revisions_of(story):
        return [version.field_dict for version in Version.objects.get_for_object(story)]

    assert [v["title"] for v in revisions_of(draft)] == [
        "Լաչինի միջանցքը բացվեց",
        "Lachin corridor reopened",
    ]
    assert revisions_of(source) == []  # the factory's row has no revision; translating adds none
    assert not draft.bylines.exists()
    assert source.bylines.count() == 1


def test_two_translators_racing_get_a_clear_answer_not_an_error(two_editions, client, editor):
    source = lachin_story()
    theirs = services.translate(source, "hy", user=StaffUserFactory(role="Editor"))
    client.force_login(editor)
    action = reverse("admin:articles_article_translate", args=[source.pk, "hy"])
    real = services._translation_in
    checks = []

    def saved_after_the_check(group, language):
        # The other translator's story is committed between the check and the insert:
        # the insert runs into the constraint.
        checks.append(language)
        return None if len(checks) == 1 else real(group, language)

    with patch.object(services, "_translation_in", saved_after_the_check):
        response = client.post(action, follow=True)
    assert checks == ["hy", "hy"]
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == change_url(theirs)
    assert "already has a translation in Armenian" in response.content.decode()
    assert Article.objects.filter(language="hy").count() == 1


# -- missing translations ------------------------------------------------------------------


def test_missing_translations_lists_live_stories_without_one(two_editions, client, editor):
    artsakh, world = CategoryFactory(name="Artsakh"), CategoryFactory(name="World")
    now = timezone.now()
    older = ArticleFactory(
        title="Older story", category=artsakh, publish_at=now - timedelta(days=2)
    )
    newer = ArticleFactory(title="Newer story", category=world, publish_at=now - timedelta(hours=1))
    armenian = ArticleFactory(title="Հայերեն լուր", language="hy", category=artsakh)
    translated = ArticleFactory(title="Translated story", category=artsakh)
    services.translate(translated, "hy", user=editor)  # a draft translation counts
    ArticleFactory(title="Draft story", draft=True)
    ArticleFactory(title="Scheduled story", scheduled=True)
    client.force_login(editor)

    def listed(**params):
        doc = page(client, reverse(MISSING), **params)
        return [
            (row.xpath("./td[1]/a")[0].text_content(), row.xpath("./td[5]//button/text()"))
            for row in doc.xpath('//table[@id="missing-translations"]/tbody/tr')
        ]

    assert listed() == [
        ("Հայերեն լուր", ["Translate into English"]),
        ("Newer story", ["Translate into Armenian"]),
        ("Older story", ["Translate into Armenian"]),
    ]
    assert listed(into="hy") == [
        ("Newer story", ["Translate into Armenian"]),
        ("Older story", ["Translate into Armenian"]),
    ]
    assert listed(into="en") == [("Հայերեն լուր", ["Translate into English"])]
    assert listed(language="hy") == [("Հայերեն լուր", ["Translate into English"])]
    assert [title for title, _ in listed(language="en")] == ["Newer story", "Older story"]
    assert listed(category=str(artsakh.pk)) == [
        ("Հայերեն լուր", ["Translate into English"]),
        ("Older story", ["Translate into Armenian"]),
    ]
    # The button translates; the story leaves the list.
    doc = page(client, reverse(MISSING), into="hy")
    action = doc.xpath("//tbody/tr[1]//form/@action")[0]
    assert action == reverse("admin:articles_article_translate", args=[newer.pk, "hy"])
    client.post(action)
    assert [title for title, _ in listed(into="hy")] == ["Older story"]
    assert armenian.pk and older.pk


def test_missing_translations_costs_the_same_queries_for_any_number_of_rows(
    two_editions, client, editor
):
    category = CategoryFactory()
    ArticleFactory.create_batch(2, category=category)
    client.force_login(editor)
    client.get(reverse(MISSING))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(MISSING)).status_code == 200
    ArticleFactory.create_batch(30, category=category)
    for story in ArticleFactory.create_batch(3, category=category, language="hy"):
        services.translate(story, "en", user=editor)
    with CaptureQueriesContext(connection) as many:
        doc = page(client, reverse(MISSING))
    assert len(doc.xpath('//table[@id="missing-translations"]/tbody/tr')) == 32
    assert len(many) == len(few)


def test_missing_translations_on_the_desk_only_when_multilingual(client, editor, settings):
    client.force_login(editor)
    ArticleFactory.create_batch(3)
    assert not page(client, reverse("admin:index")).xpath('//*[@id="desk-missing-translations"]')
    changelist = page(client, reverse("admin:articles_article_changelist"))
    assert not changelist.xpath('//a[@class="article-missing-translations-link"]')
    assert not changelist.xpath('//script[contains(@src, "translation.js")]')
    assert client.get(reverse(MISSING)).status_code == 404
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    settings.LANGUAGE_CODE = "en"
    (link,) = page(client, reverse("admin:index")).xpath('//*[@id="desk-missing-translations"]')
    assert link.text_content() == "Missing translations (3)"
    assert link.get("href") == reverse(MISSING)
    changelist = page(client, reverse("admin:articles_article_changelist"))
    assert changelist.xpath('//a[@class="article-missing-translations-link"]/@href') == [
        reverse(MISSING)
    ]


def test_missing_translations_are_for_staff_who_see_stories(two_editions, client):
    ArticleFactory()
    client.force_login(StaffUserFactory())  # staff without any right on stories
    assert client.get(reverse(MISSING)).status_code == 403


def test_missing_translations_pages_keep_their_filters(two_editions, client, editor, monkeypatch):
    from articles import admin_editions

    monkeypatch.setattr(admin_editions, "MISSING_PER_PAGE", 2)
    category = CategoryFactory()
    ArticleFactory.create_batch(3, category=category)
    ArticleFactory.create_batch(2)  # in other sections
    client.force_login(editor)
    doc = page(client, reverse(MISSING), into="hy", category=str(category.pk))
    assert len(doc.xpath("//tbody/tr")) == 2
    (older,) = doc.xpath('//p[@class="paginator"]/a/@href')
    assert older == f"?into=hy&category={category.pk}&page=2"
    doc = page(client, reverse(MISSING) + older)
    assert len(doc.xpath("//tbody/tr")) == 1
    # A value that is no edition or section filters nothing, and is no error.
    doc = page(client, reverse(MISSING), into="xx", category="nope")
    assert len(doc.xpath("//tbody/tr")) == 2
    assert doc.xpath('//p[@class="missing-translations__count"]')[0].text == "5 stories"
