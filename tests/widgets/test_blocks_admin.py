"""Editors set the page blocks in the admin; banners say truly whether they show."""

from datetime import timedelta

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone

from caching import schedule
from tests.articles.test_admin_support import login
from tests.factories import ArticleFactory, BreakingNewsFactory, CategoryFactory
from widgets import selectors
from widgets.models import WidgetSettings
from widgets.templatetags.widgets import render_recent_posts

pytestmark = pytest.mark.django_db


def settings_url():
    return reverse("admin:widgets_widgetsettings_changelist")


def save_settings(client, **values):
    response = client.get(settings_url(), follow=True)
    assert response.status_code == 200
    data = {
        "recent_posts_count": 6,
        "home_latest_count": 10,
        "home_block_size": 4,
        **values,
    }
    return client.post(response.redirect_chain[-1][0], data)


def test_an_editor_sets_the_recent_posts_count_and_the_sidebar_follows(client):
    login(client, "Editor")
    ArticleFactory.create_batch(5)
    assert render_recent_posts().count("<li") == 5  # the default (6) lists all five
    response = save_settings(client, recent_posts_count=2)
    assert response.status_code == 302
    assert render_recent_posts().count("<li") == 2


def test_the_home_page_follows_the_editors_numbers_and_is_purged(client):
    editor_client = client
    login(editor_client, "Editor")
    section = CategoryFactory(show_on_home=True, name="Community")
    for n in range(6):
        ArticleFactory(category=section, publish_at=timezone.now() - timedelta(hours=n + 1))
    from django.test import Client

    reader = Client()
    first = reader.get("/")
    latest_before = len(first.context["latest"]) if first.context else None
    assert latest_before == 5
    save_settings(editor_client, home_latest_count=2, home_block_size=1)
    page = reader.get("/")
    assert page.context is not None, "the cached home page was not purged"
    assert len(page.context["latest"]) == 2
    assert [len(cards) for _, cards in page.context["category_blocks"]] == [1]


def test_settings_are_read_from_the_cache_once_warm(django_assert_num_queries):
    selectors.widget_settings()
    with django_assert_num_queries(0):
        assert selectors.widget_settings()["recent_posts_count"] == 6


def test_the_home_page_stays_within_its_query_budget_with_settings(
    client, django_assert_max_num_queries
):
    WidgetSettings.objects.create(recent_posts_count=3, home_latest_count=4, home_block_size=2)
    ArticleFactory.create_batch(8, category=CategoryFactory(show_on_home=True))
    schedule.upcoming()
    selectors.widget_settings()
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200


def test_the_settings_are_one_row_that_cannot_be_deleted(client):
    login(client, "Editor")
    save_settings(client, recent_posts_count=3)
    save_settings(client, recent_posts_count=4)
    assert WidgetSettings.objects.count() == 1
    assert WidgetSettings.objects.get().recent_posts_count == 4
    response = client.post(
        reverse("admin:widgets_widgetsettings_delete", args=[WidgetSettings.SINGLETON_PK]),
        {"post": "yes"},
    )
    assert response.status_code == 403
    assert WidgetSettings.objects.count() == 1


def test_a_count_out_of_range_is_a_form_error_and_keeps_the_old_value(client):
    login(client, "Editor")
    save_settings(client, recent_posts_count=3)
    response = save_settings(client, recent_posts_count=500)
    assert response.status_code == 200
    assert "less than or equal to 20" in response.content.decode()
    assert WidgetSettings.objects.get().recent_posts_count == 3


# -- the banner -----------------------------------------------------------------


def test_only_the_banner_actually_shown_says_showing_now(client):
    login(client, "Editor")
    older = BreakingNewsFactory(text="Older banner", starts_at=timezone.now() - timedelta(hours=2))
    newer = BreakingNewsFactory(text="Newer banner", starts_at=timezone.now() - timedelta(hours=1))
    BreakingNewsFactory(text="Switched off", is_active=False)
    assert selectors.current_breaking_news() == newer
    doc = lxml.html.fromstring(client.get(reverse("admin:widgets_breakingnews_changelist")).content)
    showing = {
        row.xpath(".//th")[0].text_content().strip(): bool(
            row.xpath(".//td[contains(@class, 'field-is_showing')]//img[@alt='True']")
        )
        for row in doc.xpath("//table[@id='result_list']/tbody/tr")
    }
    assert showing == {"Newer banner": True, "Older banner": False, "Switched off": False}
    assert older.is_active


def test_a_new_banner_expires_in_six_hours_by_default(client, settings):
    settings.BREAKING_NEWS_DEFAULT_HOURS = 6
    login(client, "Editor")
    response = client.get(reverse("admin:widgets_breakingnews_add"))
    form = response.context["adminform"].form
    expires = form.initial["expires_at"]
    assert timedelta(hours=5, minutes=59) < expires - timezone.now() <= timedelta(hours=6)
    page = response.content.decode()
    label = lxml.html.fromstring(page).xpath("//div[contains(@class, 'field-expires_at')]//label")
    assert "required" in label[0].get("class"), lxml.html.tostring(label[0])
    assert "Required." in page
