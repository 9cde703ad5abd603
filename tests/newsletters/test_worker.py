"""A real Celery worker killed mid-send: every subscriber gets the edition once, none twice."""

import time
import uuid
from collections import Counter

import pytest
from aiosmtpd.controller import Controller

from newsletters import services
from newsletters.models import Delivery, Edition, Subscriber
from newsletters.tasks import resume_editions
from tests.factories import ArticleFactory
from tests.workers import kill, start_worker, stop_worker

from .conftest import Inbox, free_port

SUBSCRIBERS = 40


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.mark.worker
def test_a_worker_killed_mid_send_is_resumed_without_sending_anyone_twice(
    transactional_db, settings, monkeypatch
):
    # Slow enough that the kill lands in the middle of the edition.
    inbox = Inbox(delay=0.15)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # Read by the worker processes from their environment.
    monkeypatch.setenv("EMAIL_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("NEWSLETTER_BATCH_SIZE", "5")
    settings.SIDE_EFFECTS_QUEUE = queue
    ArticleFactory(title="Worker story")
    for n in range(SUBSCRIBERS):
        Subscriber.objects.create(email=f"s{n}@example.org", status=Subscriber.Status.ACTIVE)
    worker = start_worker(queue)
    try:
        edition = services.plan_digest(Edition.Kind.DAILY)
        wait_for(lambda: len(inbox) >= 12, 90, "a dozen messages")
        kill(worker.pid)
        worker.wait()
        before = len(inbox)
        assert before < SUBSCRIBERS
        cut_off = Counter(Delivery.objects.filter(edition=edition).values_list("status", flat=True))
        assert cut_off[Delivery.Status.PENDING] + cut_off[Delivery.Status.CLAIMED] > 0

        worker = start_worker(queue)
        resume_editions.apply_async(kwargs={"stale_seconds": 0})
        wait_for(
            lambda: Edition.objects.get(pk=edition.pk).status == Edition.Status.DONE,
            120,
            "the edition to finish",
        )
    finally:
        stop_worker(worker)
        controller.stop()

    received = Counter(rcpt for rcpts, _ in inbox.messages for rcpt in rcpts)
    assert max(received.values()) == 1, "someone got the edition twice"
    statuses = Counter(Delivery.objects.filter(edition=edition).values_list("status", flat=True))
    # At most the one message in flight at the kill is "unknown"; everyone else got it once.
    assert statuses[Delivery.Status.UNKNOWN] <= 1
    assert statuses[Delivery.Status.SENT] + statuses[Delivery.Status.UNKNOWN] == SUBSCRIBERS
    for delivery in Delivery.objects.filter(edition=edition, status=Delivery.Status.SENT):
        assert received[delivery.subscriber.email] == 1
    assert len(received) >= SUBSCRIBERS - 1
