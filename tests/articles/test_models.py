import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from articles.models import Article, ArticleRedirect
from tests.factories import ArticleFactory, CategoryFactory


def test_armenian_title_gives_a_working_unicode_slug(db, client):
    article = ArticleFactory(title="Երևանում բացվեց նոր գրադարան")
    # NFKC spells the ligature "և" as "եւ", as Armenian orthography allows.
    assert article.slug == "երեւանում-բացվեց-նոր-գրադարան"
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Երևանում բացվեց նոր գրադարան" in response.content.decode()


def test_duplicate_titles_get_suffixed_slugs(db):
    slugs = [ArticleFactory(title="Same headline").slug for _ in range(3)]
    assert slugs == ["same-headline", "same-headline-2", "same-headline-3"]


def test_title_without_letters_still_gets_a_slug(db):
    assert ArticleFactory(title="!!!").slug == "article"


def test_body_is_sanitised_on_save(db):
    article = ArticleFactory(
        body='<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">x</a></p>'
    )
    article.refresh_from_db()
    assert "<script" not in article.body
    assert "onclick" not in article.body
    assert "javascript:" not in article.body
    assert article.body.startswith("<p>Hi")


def test_published_article_needs_a_publication_time(db):
    with pytest.raises(IntegrityError):
        ArticleFactory(status=Article.Status.PUBLISHED, publish_at=None)


def test_address_uses_local_year_and_month(db, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    # 03:00 UTC on 1 May is still 30 April in Los Angeles.
    when = timezone.datetime(2024, 5, 1, 3, 0, tzinfo=datetime.UTC)
    article = ArticleFactory(title="Late night", publish_at=when)
    assert article.get_absolute_url() == "/2024/04/late-night/"


def test_changing_slug_of_published_article_keeps_old_address(db):
    article = ArticleFactory(title="First headline")
    old_path = article.get_absolute_url()
    article = Article.objects.get(pk=article.pk)
    article.slug = "better-headline"
    article.save()
    assert ArticleRedirect.objects.get(old_path=old_path).article == article


def test_changing_back_to_an_old_address_removes_its_redirect(db):
    article = ArticleFactory(title="First headline")
    article = Article.objects.get(pk=article.pk)
    article.slug = "second"
    article.save()
    article = Article.objects.get(pk=article.pk)
    article.slug = "first-headline"
    article.save()
    assert list(ArticleRedirect.objects.values_list("old_path", flat=True)) == [
        f"/{article.local_publish_at:%Y/%m}/second/"
    ]


def test_excerpt_falls_back_to_the_start_of_the_body(db):
    article = ArticleFactory(dek="", body="<p>" + "word " * 100 + "</p>")
    assert article.excerpt.endswith("…")
    assert len(article.excerpt) <= 201


def test_modified_at_follows_corrections_after_publication(db):
    article = ArticleFactory()
    assert article.modified_at == article.publish_at
    article.content_updated_at = article.publish_at + timezone.timedelta(hours=3)
    assert article.modified_at == article.content_updated_at


def test_category_cannot_be_its_own_ancestor(db):
    from django.core.exceptions import ValidationError

    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    parent.parent = child
    with pytest.raises(ValidationError):
        parent.full_clean()
