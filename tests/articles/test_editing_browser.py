"""An editor's day in Chromium: an edit conflict merged, the section box, the trash, and
the editing area styled like the public page. Screenshots go to test-artifacts/."""

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article
from tests.conftest import BROWSER_PASSWORD
from tests.factories import ArticleFactory, CategoryFactory, StaffUserFactory

pytestmark = pytest.mark.browser

SET_BODY = "(html) => document.querySelector('.ck-editor__editable').ckeditorInstance.setData(html)"


def sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", BROWSER_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def open_editor(page, live_server, article):
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    page.locator(".ck-editor__editable").wait_for()


@pytest.fixture
def two_tabs(admin_login, live_server, browser):
    """Tab A (the Editor "desk") and tab B (a second Editor), each signed in."""
    StaffUserFactory(role="Editor", username="desk2", password=BROWSER_PASSWORD)
    tabs = []
    for username in ("desk", "desk2"):
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        sign_in(page, live_server, username)
        tabs.append(page)
    yield tabs
    for page in tabs:
        page.context.close()


@pytest.fixture
def story(transactional_db):
    article = ArticleFactory(
        draft=True, title="Old headline", dek="Old excerpt", body="<p>Old body text.</p>"
    )
    # The version both tabs open has a revision: the base of the three-way merge.
    return services.save_article(article, base_version=article.version)


def chosen(page, field):
    return page.eval_on_selector(
        f"fieldset[data-field={field}]",
        "(set) => set.querySelector('input[type=radio]:checked')?.value ?? null",
    )


def test_a_refused_save_is_merged_keeping_both_changes(two_tabs, live_server, story, artifacts_dir):
    tab_a, tab_b = two_tabs
    try:
        open_editor(tab_a, live_server, story)
        open_editor(tab_b, live_server, story)
        tab_a.fill("#id_dek", "Their new excerpt")
        tab_a.click("input[name=_continue]")
        tab_a.wait_for_selector(".messagelist .success")

        tab_b.fill("#id_title", "My new headline")
        tab_b.evaluate(SET_BODY, "<p>My new body text, written in tab B.</p>")
        tab_b.click("input[name=_continue]")
        tab_b.wait_for_selector("#merge-form")
        assert "saved this article" in tab_b.inner_text(".messagelist")
        assert chosen(tab_b, "title") == "yours"
        assert chosen(tab_b, "body") == "yours"
        assert chosen(tab_b, "dek") == "theirs"
        tab_b.screenshot(path=str(artifacts_dir / "merge-view.png"), full_page=True)
        tab_b.click("input[name=_merge]")
        tab_b.wait_for_selector(".messagelist .success")

        story.refresh_from_db()
        assert story.title == "My new headline"
        assert "written in tab B" in story.body
        assert story.dek == "Their new excerpt"

        # The merge in the revisions, compared as text.
        tab_b.goto(live_server.url + reverse("admin:articles_article_revisions", args=[story.pk]))
        tab_b.click("#content-main input[type=submit]")
        tab_b.wait_for_selector("#revision-compare")
        assert tab_b.locator("#revision-compare ins", has_text="written in tab B").count() == 1
        no_sideways = "document.documentElement.scrollWidth <= window.innerWidth"
        assert tab_b.evaluate(no_sideways)
        tab_b.screenshot(path=str(artifacts_dir / "revision-compare.png"), full_page=True)
    except Exception:
        tab_b.screenshot(path=str(artifacts_dir / "merge-failure.png"), full_page=True)
        raise


def test_both_changed_the_headline_and_the_editors_choice_wins(
    two_tabs, live_server, story, artifacts_dir
):
    tab_a, tab_b = two_tabs
    try:
        open_editor(tab_a, live_server, story)
        open_editor(tab_b, live_server, story)
        tab_a.fill("#id_title", "Their headline")
        tab_a.click("input[name=_continue]")
        tab_a.wait_for_selector(".messagelist .success")
        tab_b.fill("#id_title", "My headline")
        tab_b.click("input[name=_continue]")
        tab_b.wait_for_selector("#merge-form")
        assert chosen(tab_b, "title") is None  # both changed it: asked
        tab_b.click("input[name=_merge]")
        tab_b.wait_for_selector(".errornote")
        assert Article.objects.get(pk=story.pk).title == "Their headline"
        tab_b.check("fieldset[data-field=title] input[value=yours]")
        tab_b.click("input[name=_merge]")
        tab_b.wait_for_selector(".messagelist .success")
        assert Article.objects.get(pk=story.pk).title == "My headline"
    except Exception:
        tab_b.screenshot(path=str(artifacts_dir / "merge-choice-failure.png"), full_page=True)
        raise


def test_typing_commun_and_enter_picks_community(admin_login, live_server, browser, artifacts_dir):
    CategoryFactory(name="Diaspora", order=1, description="The Armenian community abroad")
    community = CategoryFactory(name="Community", order=9)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        admin_login(page)
        page.goto(live_server.url + reverse("admin:articles_article_add"))
        page.click(".field-category .select2-selection")
        with page.expect_response(lambda r: "autocomplete" in r.url and "term=Commun" in r.url):
            page.fill(".select2-search__field", "Commun")
        # Both match ("community" is in Diaspora's description); Community comes first.
        page.wait_for_selector(".select2-results__option:has-text('Diaspora')")
        page.keyboard.press("Enter")
        # The choice is visible in the form before saving.
        assert (
            page.inner_text(".field-category .select2-selection__rendered")
            .strip("×\n ")
            .endswith("Community")
        )
        assert page.input_value("#id_category") == str(community.pk)
    except Exception:
        page.screenshot(path=str(artifacts_dir / "section-box-failure.png"), full_page=True)
        raise


def test_delete_goes_to_the_trash_and_is_restored(
    admin_login, live_server, browser, artifacts_dir, settings
):
    settings.ARTICLE_INPROCESS_SWEEP_INTERVAL = 0  # a stopped worker: the warning shows
    overdue = ArticleFactory(title="Live, side effects overdue")
    Article.objects.filter(pk=overdue.pk).update(went_live_at=None)
    draft = ArticleFactory(draft=True, title="Draft to bin")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        admin_login(page)
        page.goto(live_server.url + reverse("admin:articles_article_changelist"))
        warning = page.locator(".article-overdue").bounding_box()
        add = page.locator(".object-tools .addlink").bounding_box()
        # The warning does not cover "Add article" (nor any of the list's tools).
        assert (
            warning["y"] + warning["height"] <= add["y"] or add["y"] + add["height"] <= warning["y"]
        )
        page.click(".object-tools .addlink", trial=True)

        page.goto(live_server.url + reverse("admin:articles_article_change", args=[draft.pk]))
        page.click("a.deletelink")
        page.click("input[name=_trash]")
        page.wait_for_selector(".messagelist .success")
        assert page.locator("#result_list", has_text="Draft to bin").count() == 0
        page.click(".article-trash-link")
        page.locator("#trash-list", has_text="Draft to bin").wait_for()
        page.click("#trash-list input[value=Restore]")
        page.wait_for_selector("#article_form")
        draft.refresh_from_db()
        assert draft.trashed_at is None and draft.status == Article.Status.DRAFT
    except Exception:
        page.screenshot(path=str(artifacts_dir / "trash-failure.png"), full_page=True)
        raise


STYLE = """(el) => { const s = getComputedStyle(el);
  return [s.fontSize, s.fontWeight, s.fontFamily, s.lineHeight]; }"""


def test_the_editor_styles_a_heading_as_the_public_page_does(
    admin_login, live_server, browser, artifacts_dir
):
    article = ArticleFactory(
        body="<h2>Background</h2><p>Text.</p><blockquote><p>Quoted.</p></blockquote>",
        publish_at=timezone.now() - timezone.timedelta(hours=1),
    )
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        admin_login(page)
        open_editor(page, live_server, article)
        page.locator(".ck-editor__editable h2").wait_for()
        # The headline field is wide, not Django's 20 characters (about 260 px).
        assert page.eval_on_selector("#id_title", "(el) => el.offsetWidth") >= 500
        in_editor = page.eval_on_selector(".ck-editor__editable h2", STYLE)
        quote_editor = page.eval_on_selector(
            ".ck-editor__editable blockquote", "(el) => getComputedStyle(el).borderLeftWidth"
        )
        page.goto(live_server.url + article.get_absolute_url())
        on_site = page.eval_on_selector(".article__body h2", STYLE)
        quote_site = page.eval_on_selector(
            ".article__body blockquote", "(el) => getComputedStyle(el).borderLeftWidth"
        )
        assert in_editor == on_site
        assert in_editor[0] == "27px" and in_editor[1] == "700"  # not the admin's 13 px
        assert quote_editor == quote_site
    except Exception:
        page.screenshot(path=str(artifacts_dir / "editor-style-failure.png"), full_page=True)
        raise
