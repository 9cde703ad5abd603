"""make run (tasks in-process, no beat): due go-live side effects run in the request cycle."""

import pytest
from django.urls import reverse

from articles import catchup
from articles.models import Article
from tests.articles.test_admin_support import login
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"
WARNING = "is the Celery worker running?"


@pytest.fixture(autouse=True)
def fresh_clock():
    catchup.reset()
    yield
    catchup.reset()


def overdue_story():
    # Live for an hour (the factory's default), its side effects never run.
    article = ArticleFactory(title="Came due unattended")
    Article.objects.filter(pk=article.pk).update(went_live_at=None)
    return article


def test_in_process_mode_runs_the_due_side_effects_before_the_list(client, settings):
    settings.ARTICLE_INPROCESS_SWEEP_INTERVAL = 30
    login(client, "Editor")
    article = overdue_story()
    assert Article.objects.side_effects_overdue().filter(pk=article.pk).exists()
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert WARNING not in page
    article.refresh_from_db()
    assert article.went_live_at is not None


def test_the_sweep_runs_at_most_once_per_interval(settings):
    settings.ARTICLE_INPROCESS_SWEEP_INTERVAL = 30
    assert catchup.sweep_if_due(now=1000.0) is not None
    assert catchup.sweep_if_due(now=1010.0) is None
    assert catchup.sweep_if_due(now=1031.0) is not None


def test_off_where_a_worker_and_beat_do_it(client, settings):
    settings.ARTICLE_INPROCESS_SWEEP_INTERVAL = 0
    login(client, "Editor")
    overdue_story()
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert WARNING in page  # legitimately shown: nothing ran the side effects


def test_the_warning_sits_above_the_title_not_over_the_list_tools(client, settings):
    settings.ARTICLE_INPROCESS_SWEEP_INTERVAL = 0
    login(client, "Editor")
    overdue_story()
    page = client.get(reverse(CHANGELIST)).content.decode()
    # Django's list tools ("Add article") float beside the title inside #content;
    # the warning comes before #content, with the messages.
    assert page.index(WARNING) < page.index('id="content"') < page.index('class="object-tools"')


def test_off_the_middleware_leaves_the_stack(settings):
    from django.core.exceptions import MiddlewareNotUsed

    settings.ARTICLE_INPROCESS_SWEEP_INTERVAL = 0
    with pytest.raises(MiddlewareNotUsed):
        catchup.DueWorkMiddleware(lambda request: None)
    settings.ARTICLE_INPROCESS_SWEEP_INTERVAL = 30
    assert catchup.DueWorkMiddleware(lambda request: None) is not None
