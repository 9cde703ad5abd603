"""A small newsroom for the backup tests: every story state, revisions, corrections,
library images with renditions, sharing records, newsletter subscribers and an edition
sent to them, read counts, a banner; and ways to compare two copies."""

import hashlib
import re
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from articles import services
from articles.models import Article
from images import renditions
from newsletters.models import Delivery, Edition, Subscriber
from readership.models import DailyViews
from sharing.models import ShareChannel, ShareDelivery
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BreakingNewsFactory,
    CategoryFactory,
    ImageFactory,
    StaffUserFactory,
)

# Parts of a page that differ between two renderings of the same data.
MASKS = [
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'), b"csrf"),
    (re.compile(rb'nonce="[^"]*"'), b'nonce=""'),
    (re.compile(rb"\b\d+ (?:second|minute|hour|day|week|month|year)s? ago\b"), b"some time ago"),
]


def build_site():
    """Stories in every state with their history; returns the live ones."""
    editor = StaffUserFactory(role="Editor", username="drill-editor")
    world = CategoryFactory(name="World", slug="world")
    culture = CategoryFactory(name="Culture", slug="culture")
    authors = [AuthorFactory(name="Ani Hovhannisyan"), AuthorFactory(name="Tigran Petrosyan")]
    images = [ImageFactory(file__color=c) for c in ("navy", "olive")]
    for image in images:
        renditions.generate(image)
    day = timezone.now() - timedelta(days=40)
    live = []
    for n in range(8):
        article = ArticleFactory(
            draft=True,
            title=f"Drill story {n}: the council votes",
            body=f"<p>Paragraph one of story {n}.</p><p>Paragraph two.</p>",
            category=world if n % 2 else culture,
            authors=[authors[n % 2]],
            tags=["elections", f"topic-{n % 3}"],
            featured_image=images[n % 2] if n < 4 else None,
        )
        article.title = f"Drill story {n}: the council voted"
        article = services.save_article(article, user=editor, comment="Headline tense")
        live.append(services.publish(article, when=day + timedelta(days=n * 5), user=editor))
    services.add_correction(live[1], "An earlier version gave the wrong date.", user=editor)
    services.add_correction(live[2], "Updated with the final count.", user=editor)
    ArticleFactory(draft=True, title="Drill draft", category=world)
    services.submit_for_review(ArticleFactory(draft=True, title="Drill in review"), user=None)
    services.schedule(
        ArticleFactory(draft=True, title="Drill scheduled"), timezone.now() + timedelta(days=2)
    )
    services.unpublish(ArticleFactory(title="Drill unpublished", category=culture))
    channel = ShareChannel.objects.create(
        name="Drill webhook",
        kind=ShareChannel.Kind.WEBHOOK,
        base_url="https://hooks.example.com/newsroom",
        secret_env="DRILL_WEBHOOK_SECRET",
        enabled=False,
    )
    for article in live[:3]:
        ShareDelivery.objects.create(
            article=article,
            channel=channel,
            publication=article.publish_at,
            status=ShareDelivery.Status.SENT,
            external_id=f"post-{article.pk}",
            external_url=f"https://social.example.com/post-{article.pk}",
        )
    subscribers = [
        Subscriber.objects.create(
            email=f"reader{n}@example.com",
            status=Subscriber.Status.ACTIVE if n < 3 else Subscriber.Status.PENDING,
            weekly=n % 2 == 0,
            consent_source="/newsletter/",
        )
        for n in range(4)
    ]
    subscribers[0].sections.add(world)
    edition = Edition.objects.create(
        kind=Edition.Kind.DAILY,
        key="daily:drill",
        subject="Drill daily digest",
        article_ids=[article.pk for article in live[:3]],
        status=Edition.Status.DONE,
    )
    for subscriber in subscribers[:3]:
        Delivery.objects.create(
            edition=edition, subscriber=subscriber, status=Delivery.Status.SENT, sent_at=day
        )
    DailyViews.objects.create(article=live[0], day=day.date(), views=42)
    BreakingNewsFactory(text="Drill: polls close at eight")
    assert Article.objects.live().count() == len(live)
    return live


def media_checksums(root):
    """{relative path: sha256} of every file under `root`."""
    root = Path(root)
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def masked(body):
    for pattern, replacement in MASKS:
        body = pattern.sub(replacement, body)
    return body
