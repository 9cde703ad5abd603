import time_machine
from django.utils import timezone

from articles.models import Article
from articles.querysets import live_sql
from tests.factories import ArticleFactory


def test_live_includes_published_articles_whose_time_has_come(db):
    article = ArticleFactory()
    assert list(Article.objects.live()) == [article]


def test_live_excludes_drafts_reviews_and_unpublished(db):
    ArticleFactory(draft=True)
    ArticleFactory(review=True)
    ArticleFactory(unpublished=True)
    assert not Article.objects.live().exists()


def test_live_excludes_scheduled_until_their_time_then_includes_them(db):
    article = ArticleFactory(scheduled=True)
    assert not Article.objects.live().exists()
    assert list(Article.objects.scheduled()) == [article]
    with time_machine.travel(article.publish_at + timezone.timedelta(seconds=1)):
        assert list(Article.objects.live()) == [article]


def test_side_effects_overdue_lists_live_articles_never_taken_live(db):
    done = ArticleFactory(publish_at=timezone.now() - timezone.timedelta(minutes=10))
    Article.objects.filter(pk=done.pk).update(went_live_at=timezone.now())
    overdue = ArticleFactory(publish_at=timezone.now() - timezone.timedelta(minutes=10))
    ArticleFactory(publish_at=timezone.now() - timezone.timedelta(seconds=30))  # in grace
    assert list(Article.objects.side_effects_overdue()) == [overdue]


def test_latest_first_breaks_ties_by_id(db):
    when = timezone.now() - timezone.timedelta(hours=1)
    first, second = ArticleFactory(publish_at=when), ArticleFactory(publish_at=when)
    assert list(Article.objects.live().latest_first()) == [second, first]


def test_the_sql_live_rule_selects_what_live_selects(db):
    now = timezone.now()
    stories = [
        ArticleFactory(publish_at=now - timezone.timedelta(hours=1)),
        ArticleFactory(publish_at=now - timezone.timedelta(seconds=1)),
        ArticleFactory(scheduled=True),
        ArticleFactory(draft=True),
        ArticleFactory(publish_at=now - timezone.timedelta(days=3)),
    ]
    Article.objects.filter(pk=stories[4].pk).update(status=Article.Status.UNPUBLISHED)
    for exclude in (None, stories[0].pk):
        where, params = live_sql("a", exclude=exclude)
        table = Article._meta.db_table
        raw = Article.objects.raw(f"SELECT a.id FROM {table} a WHERE {where}", params)  # noqa: S608
        expected = Article.objects.live()
        if exclude is not None:
            expected = expected.exclude(pk=exclude)
        assert {row.pk for row in raw} == set(expected.values_list("pk", flat=True))
        assert {row.pk for row in raw} <= {stories[0].pk, stories[1].pk}


def test_is_live_agrees_with_live(db):
    live = ArticleFactory()
    scheduled = ArticleFactory(scheduled=True)
    draft = ArticleFactory(draft=True)
    in_query = set(Article.objects.live().values_list("pk", flat=True))
    for story in (live, scheduled, draft):
        assert story.is_live == (story.pk in in_query)
