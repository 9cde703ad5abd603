"""Workflow services: version checks, audit trail, revisions, locks, autosave, signals."""

from unittest.mock import patch

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from reversion.models import Version

from articles import services
from articles.models import Article, ArticleEvent
from articles.signals import article_changed
from tests.factories import ArticleFactory, AuthorFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return StaffUserFactory(role="Editor", first_name="Ada", last_name="Desk")


@pytest.fixture
def contributor():
    return StaffUserFactory(role="Contributor")


def test_save_from_a_stale_version_is_refused_and_names_who_saved(editor):
    article = ArticleFactory(draft=True)
    services.save_article(article, user=editor, base_version=1)
    stale = Article.objects.get(pk=article.pk)
    stale.title = "My version"
    with pytest.raises(services.StaleArticle) as refused:
        services.save_article(stale, user=StaffUserFactory(role="Editor"), base_version=1)
    assert "Ada Desk" in refused.value.message
    assert Article.objects.get(pk=article.pk).title != "My version"


def test_save_raises_the_version_and_records_who(editor):
    article = ArticleFactory(draft=True)
    services.save_article(article, user=editor, base_version=article.version)
    article.refresh_from_db()
    assert article.version == 2
    assert article.last_edited_by == editor


def test_save_keeps_status_whatever_the_object_says(editor):
    article = ArticleFactory(draft=True)
    article.status = Article.Status.PUBLISHED
    services.save_article(article, user=editor, base_version=1)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_save_sends_article_changed_on_commit(editor, django_capture_on_commit_callbacks):
    article = ArticleFactory(draft=True)
    received = []
    article_changed.connect(
        lambda **kw: received.append(kw["reason"]), weak=False, dispatch_uid="test-save"
    )
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.save_article(article, user=editor, base_version=1)
        assert received == []
        for callback in callbacks:
            callback()
        assert "edited" in received
    finally:
        article_changed.disconnect(dispatch_uid="test-save")


def test_save_keeps_a_revision_per_save(editor):
    article = ArticleFactory(draft=True)
    services.save_article(article, user=editor, base_version=1)
    article.title = "Second"
    services.save_article(article, user=editor, base_version=2)
    assert Version.objects.get_for_object(article).count() == 2


def test_contributor_cannot_save_someone_elses_article(contributor):
    article = ArticleFactory(draft=True)
    with pytest.raises(PermissionDenied):
        services.save_article(article, user=contributor, base_version=1)


def test_publish_by_a_user_without_the_right_is_refused(contributor):
    article = ArticleFactory(draft=True)
    with pytest.raises(PermissionDenied):
        services.publish(article, user=contributor)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_publish_keeps_enqueueing_go_live_on_commit(editor, django_capture_on_commit_callbacks):
    article = ArticleFactory(draft=True)
    with (
        patch("articles.tasks.go_live.apply_async") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.publish(article, user=editor)
    enqueue.assert_called_once()


def test_publish_and_schedule_are_in_the_audit_trail(editor):
    article = ArticleFactory(draft=True)
    services.publish(article, user=editor)
    services.unpublish(article, user=editor)
    services.schedule(article, timezone.now() + timezone.timedelta(days=1), user=editor)
    actions = list(article.events.order_by("id").values_list("action", flat=True))
    assert actions == ["published", "unpublished", "scheduled"]
    assert all(e.user == editor for e in article.events.all())


def test_cancel_schedule_returns_the_article_to_draft(editor):
    article = ArticleFactory(scheduled=True)
    services.cancel_schedule(article, user=editor)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT and article.publish_at is None
    assert article.events.filter(action=ArticleEvent.Action.SCHEDULE_CANCELLED).exists()


def test_restore_revision_brings_back_text_and_bylines(editor):
    first_author, second_author = AuthorFactory(), AuthorFactory()
    article = ArticleFactory(draft=True, title="Original", authors=[first_author])
    services.save_article(article, user=editor, base_version=1)
    original = Version.objects.get_for_object(article).first()

    article.title = "Rewritten"
    article.body = "<p>New text</p>"

    def swap_byline():
        article.bylines.all().delete()
        article.bylines.create(author=second_author)

    services.save_article(article, user=editor, base_version=2, save_relations=swap_byline)
    services.restore_revision(article, original, user=editor)
    article.refresh_from_db()
    assert article.title == "Original"
    assert article.ordered_authors == [first_author]
    assert article.events.filter(action=ArticleEvent.Action.RESTORED, user=editor).exists()
    assert Version.objects.get_for_object(article).count() == 3


def test_restore_of_another_articles_revision_is_refused(editor):
    article, other = ArticleFactory(draft=True), ArticleFactory(draft=True)
    services.save_article(other, user=editor, base_version=1)
    with pytest.raises(ValueError):
        services.restore_revision(
            article, Version.objects.get_for_object(other).first(), user=editor
        )


def test_add_correction_is_audited_and_requires_the_right(editor, contributor):
    article = ArticleFactory()
    services.add_correction(article, "A name was misspelled.", user=editor)
    assert article.events.filter(action=ArticleEvent.Action.CORRECTED).exists()
    with pytest.raises(PermissionDenied):
        services.add_correction(article, "Nope", user=contributor)


def test_lock_is_held_by_the_first_and_shown_to_the_second(editor):
    article = ArticleFactory(draft=True)
    other = StaffUserFactory(role="Author")
    services.hold_lock(article, editor)
    lock = services.hold_lock(article, other)
    assert lock.user == editor


def test_a_lapsed_lock_goes_to_the_next_person(editor, settings):
    settings.ARTICLE_LOCK_TIMEOUT = 0
    article = ArticleFactory(draft=True)
    other = StaffUserFactory(role="Author")
    services.hold_lock(article, editor)
    assert services.hold_lock(article, other).user == other


def test_only_editors_take_over_a_live_lock(editor):
    article = ArticleFactory(draft=True)
    author = StaffUserFactory(role="Author")
    services.hold_lock(article, author)
    with pytest.raises(PermissionDenied):
        services.hold_lock(article, StaffUserFactory(role="Contributor"), take_over=True)
    assert services.hold_lock(article, editor, take_over=True).user == editor
    assert article.events.filter(action=ArticleEvent.Action.LOCK_TAKEN, user=editor).exists()


def test_autosave_overwrites_one_slot_and_does_not_add_revisions(editor):
    article = ArticleFactory(draft=True)
    for n in range(5):
        services.autosave(editor, article, title=f"Try {n}", body="<p>x</p>", base_version=1)
    assert article.drafts.count() == 1
    assert services.autosaved_draft(editor, article).title == "Try 4"
    assert Version.objects.get_for_object(article).count() == 0


def test_autosave_sanitises_the_body(editor):
    article = ArticleFactory(draft=True)
    draft = services.autosave(editor, article, body="<p>x<script>alert(1)</script></p>")
    assert "<script" not in draft.body


def test_a_successful_save_clears_the_users_autosave(editor):
    article = ArticleFactory(draft=True)
    services.autosave(editor, article, title="Draft", base_version=1)
    services.save_article(article, user=editor, base_version=1)
    assert services.autosaved_draft(editor, article) is None
