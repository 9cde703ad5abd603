"""Failures survived by the several-machine topology (tests/cluster/topology.py).

Each test breaks one thing while bounded traffic runs (a few client threads with a
pause between requests), checks what readers and editors got, and records its
figures (printed at the end of `make cluster`, saved to
test-artifacts/cluster-figures.json). Waits poll with generous deadlines; nothing
asserts on a fixed sleep.
"""

import re
import threading
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from django.db import connections
from django.utils import timezone

from articles import services as article_services
from articles.models import Article
from sharing.models import ShareChannel, ShareDelivery
from tests.factories import ArticleFactory, StaffUserFactory
from tests.sharing.conftest import MASTODON_TOKEN, WEBHOOK_SECRET
from tests.sharing.fakes import FakeMastodon, FakeNetwork, FakeWebhook

from . import topology
from .conftest import skip_reason

pytestmark = [
    pytest.mark.cluster,
    # The test process sends tasks to the cluster's workers instead of running them.
    pytest.mark.worker,
    pytest.mark.skipif(bool(skip_reason()), reason=skip_reason() or ""),
]

EDGE = topology.EDGE_URL
PASSWORD = "correct horse battery staple"
Status = ShareDelivery.Status


def wait_for(predicate, what, timeout=90, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


class Load:
    """`clients` threads requesting `urls` (a function of the request's number) in a
    loop, `pause` seconds apart, until the block ends; every answer is recorded."""

    def __init__(self, url, clients=4, pause=0.05, headers=None):
        self.url = url
        self.clients = clients
        self.pause = pause
        self.headers = headers or {}
        self.results = []  # (seconds since start, status or error text)
        self.latencies = []  # (seconds since start, seconds to answer)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._count = 0

    def _run(self):
        with httpx.Client(timeout=15, headers=self.headers) as client:
            while not self._stop.is_set():
                with self._lock:
                    self._count += 1
                    number = self._count
                started = time.monotonic()
                try:
                    outcome = client.get(self.url(number)).status_code
                except httpx.HTTPError as exc:
                    outcome = f"{type(exc).__name__}: {exc}"
                with self._lock:
                    self.results.append((started - self.began, outcome))
                    self.latencies.append((started - self.began, time.monotonic() - started))
                time.sleep(self.pause)

    def __enter__(self):
        self.began = time.monotonic()
        self.threads = [threading.Thread(target=self._run) for _ in range(self.clients)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def now(self):
        return time.monotonic() - self.began

    def failures(self):
        return [r for r in self.results if r[1] != 200]

    def since(self, moment):
        return [r for r in self.results if r[0] >= moment]


def replica_reads(cluster):
    """Rows the replica has handed out to queries (its own statistics)."""
    return int(
        cluster.sql(
            "db2", "SELECT tup_fetched FROM pg_stat_database WHERE datname = current_database()"
        )
    )


def on_replica(cluster, article):
    query = f"SELECT count(*) FROM articles_article WHERE id = {int(article.pk)}"  # noqa: S608
    return cluster.sql("db2", query) == "1"


def uncached_search(number):
    # A new query each time: no cache can answer it, so the page is read from a database.
    return f"{EDGE}/search/?q=story{number}x{uuid.uuid4().hex[:6]}"


def title_in(html):
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return match.group(1).strip() if match else ""


def editor_session():
    """An editor signed in to the admin through Varnish, as a browser would be."""
    user = StaffUserFactory(role="Editor", username=f"editor-{uuid.uuid4().hex[:6]}")
    client = httpx.Client(base_url=EDGE, timeout=15, follow_redirects=False)
    page = client.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/admin/login/?next=/admin/",
        data={"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{EDGE}/admin/login/"},
    )
    assert response.status_code == 302, response.text[:500]
    assert "sessionid" in client.cookies
    return user, client


# -- one web host killed under load -------------------------------------------------


def test_a_web_host_killed_under_load_loses_no_request(cluster, figures):
    article = ArticleFactory()
    # A cookie Varnish does not share pages for: every request reaches a web host.
    url = f"{EDGE}{article.get_absolute_url()}"
    with Load(lambda n: url, headers={"Cookie": "sessionid=not-signed-in"}) as load:
        wait_for(lambda: len(load.results) >= 40, "traffic on both hosts")
        killed_at = load.now()
        cluster.kill_host("web1")
        wait_for(lambda: len(load.since(killed_at + 3)) >= 40, "traffic after the kill")
    after = load.since(killed_at)
    figures.update(
        requests=len(load.results),
        after_kill=len(after),
        failed=len(load.failures()),
        slowest_answer_after_kill_s=round(
            max(d for t, d in load.latencies if t >= killed_at - 1), 2
        ),
    )
    assert not load.failures(), load.failures()[:5]
    assert not cluster.running("web1")


# -- a worker host killed in the middle of sharing ----------------------------------


def posts_of(network, article):
    """What `network` received about `article` (the sweep may share other live stories
    of the run while the test's channels are on)."""
    address = article.get_absolute_url()
    return [post for post in network.posts if address in str(post)]


def channel(kind, base_url, secret):
    # Named anew for each test: the cluster's database is kept for the whole run.
    made = ShareChannel(name=f"{kind} {uuid.uuid4().hex[:8]}", kind=kind, base_url=base_url)
    made.set_secret(secret)
    made.full_clean()
    made.save()
    return made


@pytest.fixture
def fake_networks(monkeypatch):
    # Where the worker namespaces reach this machine.
    monkeypatch.setattr(FakeNetwork, "bind_host", f"{topology.NET}.1")
    mastodon = FakeMastodon(MASTODON_TOKEN).start()
    webhook = FakeWebhook(WEBHOOK_SECRET).start()
    ShareChannel.objects.update(enabled=False)
    channels = [
        channel(ShareChannel.Kind.MASTODON, mastodon.url, MASTODON_TOKEN),
        channel(ShareChannel.Kind.WEBHOOK, webhook.url, WEBHOOK_SECRET),
    ]
    yield mastodon, webhook, channels
    mastodon.stop()
    webhook.stop()
    ShareChannel.objects.filter(pk__in=[c.pk for c in channels]).update(enabled=False)


def test_a_worker_host_killed_mid_share_posts_each_share_exactly_once(
    cluster, fake_networks, figures
):
    mastodon, webhook, (to_mastodon, to_webhook) = fake_networks
    mastodon.hold()  # the post is made, the answer never reaches the worker
    article = ArticleFactory(draft=True)
    article_services.publish(article)
    assert mastodon.arrived.wait(timeout=90), "no worker posted"
    # The webhook (a network that cannot tell a repeat) is done first: one cut off
    # mid-request is never sent again blindly but left "unknown" for an editor.
    wait_for(
        lambda: ShareDelivery.objects.filter(
            article=article, channel=to_webhook, status=Status.SENT
        ).exists(),
        "the webhook's post",
    )
    poster = next(
        h for h in ("work1", "work2") if topology.addr(h) == mastodon.requests[0]["client"]
    )
    killed = time.monotonic()
    cluster.kill_host(poster)
    mastodon.release()

    def both_sent():
        return ShareDelivery.objects.filter(article=article, status=Status.SENT).count() == 2

    # The survivor's beat sweep finds the cut-off delivery and tries it again with the
    # same Idempotency-Key.
    wait_for(both_sent, "both deliveries recorded as sent", timeout=120)
    figures.update(
        killed=poster,
        recovered_after_s=round(time.monotonic() - killed, 1),
        mastodon_posts=len(posts_of(mastodon, article)),
        mastodon_requests=len(mastodon.requests),
        webhook_posts=len(posts_of(webhook, article)),
    )
    assert len(posts_of(mastodon, article)) == 1
    assert len(posts_of(webhook, article)) == 1
    assert ShareDelivery.objects.get(article=article, channel=to_mastodon).attempts >= 2


# -- the replica stopped, then back ----------------------------------------------------


def test_the_replica_stopped_pages_answer_from_the_primary_and_reads_return(cluster, figures):
    ArticleFactory.create_batch(3)
    with Load(uncached_search) as load:
        before = replica_reads(cluster)
        wait_for(lambda: replica_reads(cluster) > before + 20, "readers' queries on the replica")
        stopped_at = load.now()
        cluster.stop_postgres("db2")
        wait_for(lambda: len(load.since(stopped_at + 2)) >= 40, "traffic without the replica")
        restarted_at = load.now()
        cluster.start_postgres("db2", topology.REPLICA_PORT)
        back = replica_reads(cluster)
        wait_for(
            lambda: replica_reads(cluster) > back + 20, "reads back on the replica", timeout=60
        )
        returned_after = load.now() - restarted_at
    during = [r for r in load.results if stopped_at <= r[0] < restarted_at]
    figures.update(
        requests=len(load.results),
        while_stopped=len(during),
        failed=len(load.failures()),
        reads_back_on_replica_after_s=round(returned_after, 1),
    )
    assert not load.failures(), load.failures()[:5]


# -- replication lag injected ------------------------------------------------------------


def test_with_replay_paused_editors_see_their_save_and_readers_nothing_too_old(cluster, figures):
    article = ArticleFactory(title="Before the correction")
    url = article.get_absolute_url()
    user, editor = editor_session()
    wait_for(
        lambda: on_replica(cluster, article),
        "the article on the replica",
    )
    reader = httpx.Client(base_url=EDGE, timeout=15)
    assert title_in(reader.get(url).text) == "Before the correction"
    cluster.sql("db2", "SELECT pg_wal_replay_pause()")

    article.refresh_from_db()
    article.title = "After the correction"
    article_services.save_article(article, user=user, base_version=article.version)
    saved = time.monotonic()

    # The editor, at once.
    seen_by_editor = title_in(editor.get(url).text)
    # Readers, for a while: an old page only within REPLICA_MAX_LAG of the save.
    stale_ages, reads = [], 0
    while time.monotonic() - saved < topology.REPLICA_MAX_LAG + 6:
        title = title_in(reader.get(url).text)
        reads += 1
        if title == "Before the correction":
            stale_ages.append(time.monotonic() - saved)
        else:
            assert title == "After the correction", title
        time.sleep(0.1)
    lag = cluster.sql(
        "db2", "SELECT EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
    )
    figures.update(
        editor_saw_own_save=seen_by_editor == "After the correction",
        reader_requests=reads,
        stale_pages=len(stale_ages),
        oldest_stale_page_s=round(max(stale_ages), 2) if stale_ages else 0,
        replica_lag_at_end_s=round(float(lag or 0), 1),
        replica_max_lag_s=topology.REPLICA_MAX_LAG,
    )
    assert seen_by_editor == "After the correction"
    # The second purge comes REPLICA_MAX_LAG after the save, run by a worker: allow
    # the worker a moment to take it.
    bound = topology.REPLICA_MAX_LAG + 1.5
    assert not stale_ages or max(stale_ages) <= bound, stale_ages
    assert float(lag) > topology.REPLICA_MAX_LAG  # the replica really was behind


# -- Redis restarted -----------------------------------------------------------------------


def test_redis_restarted_pages_answer_caching_resumes_and_no_task_is_lost(
    cluster, fake_networks, figures
):
    mastodon, webhook, _ = fake_networks
    article = ArticleFactory()
    # Straight to a web host, so the page cache in Redis is what answers.
    direct = f"http://{topology.addr('web2')}:{topology.WEB_PORT}{article.get_absolute_url()}"
    headers = {"Host": topology.addr("edge")}
    probe = httpx.Client(timeout=15, headers=headers)
    wait_for(lambda: probe.get(direct).headers.get("X-Cache") == "hit", "a cached page")

    scheduled = ArticleFactory(draft=True)
    article_services.schedule(scheduled, timezone.now() + timedelta(seconds=3))
    with Load(lambda n: direct, headers=headers) as load:
        wait_for(lambda: len(load.results) >= 20, "traffic")
        stopped_at = load.now()
        cluster.stop_redis()
        wait_for(lambda: len(load.since(stopped_at)) >= 40, "traffic without Redis")
        cluster.start_redis()
        restarted_at = load.now()
        # A page never cached before is stored again (not only the copies the
        # append-only file brought back).
        fresh = ArticleFactory()
        fresh_url = f"http://{topology.addr('web2')}:{topology.WEB_PORT}{fresh.get_absolute_url()}"
        wait_for(lambda: probe.get(fresh_url).headers.get("X-Cache") == "hit", "caching again", 60)
        cached_again_after = load.now() - restarted_at
    during = [r for r in load.results if stopped_at <= r[0] < restarted_at]

    def shared():
        return ShareDelivery.objects.filter(article=scheduled, status=Status.SENT).count() == 2

    wait_for(shared, "the scheduled story's shares", timeout=120)
    scheduled.refresh_from_db()
    figures.update(
        requests=len(load.results),
        while_redis_down=len(during),
        failed=len(load.failures()),
        cached_again_after_s=round(cached_again_after, 1),
        scheduled_posts=len(posts_of(mastodon, scheduled)) + len(posts_of(webhook, scheduled)),
        workers_restarted=sum(
            cluster.log(h).count("Unrecoverable error") for h in ("work1", "work2")
        ),
    )
    assert not load.failures(), load.failures()[:5]
    assert len(posts_of(mastodon, scheduled)) == 1
    assert len(posts_of(webhook, scheduled)) == 1
    assert scheduled.went_live_at is not None


# -- the primary restarted ------------------------------------------------------------------


def test_the_primary_restarted_admin_writes_get_a_clear_page_public_pages_answer(cluster, figures):
    article = ArticleFactory()
    url = f"{EDGE}{article.get_absolute_url()}"
    user, editor = editor_session()
    form = editor.get("/admin/articles/article/add/")
    assert form.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    reader = httpx.Client(timeout=15)
    wait_for(lambda: reader.get(url).headers.get("X-Cache") == "HIT", "the page in Varnish")
    wait_for(
        lambda: on_replica(cluster, article),
        "the article on the replica",
    )

    admin_answers = []
    with (
        Load(lambda n: url, clients=2) as cached,
        Load(uncached_search, clients=2) as uncached,
    ):
        wait_for(lambda: len(uncached.results) >= 10, "traffic")
        stopped_at = uncached.now()
        cluster.stop_postgres("db1")
        for _ in range(3):
            response = editor.post(
                "/admin/articles/article/add/",
                data={"csrfmiddlewaretoken": token, "title": "Written while the primary is down"},
                headers={"Referer": f"{EDGE}/admin/articles/article/add/"},
            )
            admin_answers.append((response.status_code, "nothing was saved" in response.text))
        wait_for(lambda: len(uncached.since(stopped_at + 1)) >= 20, "traffic without the primary")
        cluster.start_postgres("db1", topology.PRIMARY_PORT)
        restarted_at = uncached.now()
        wait_for(lambda: editor.get("/admin/").status_code == 200, "the admin back", 60)
        admin_back_after = uncached.now() - restarted_at
    # This process's own connection did not survive the restart either.
    connections.close_all()
    public = cached.results + uncached.results
    failed = cached.failures() + uncached.failures()
    figures.update(
        admin_writes_while_down=[status for status, _ in admin_answers],
        public_requests=len(public),
        public_failed=len(failed),
        admin_back_after_s=round(admin_back_after, 1),
    )
    assert admin_answers and all(a == (503, True) for a in admin_answers), admin_answers
    assert not failed, failed[:5]
    assert not Article.objects.filter(title="Written while the primary is down").exists()


# -- the beat host killed -------------------------------------------------------------------


def sending_beat(cluster):
    """The beat whose log shows the latest sent task: the one holding redbeat's lock."""
    latest = {}
    for name in ("beat", "work2-beat"):
        sent = re.findall(
            r"\[([\d:, -]+): INFO/MainProcess\] Scheduler: Sending", cluster.log(name)
        )
        latest[name] = sent[-1] if sent else ""
    return max(latest, key=latest.get)


def test_the_beat_host_killed_the_standby_takes_over_the_sweep(cluster, figures):
    # Two beats run (the beat host, and a standby on work2); redbeat's lock lets one send.
    active = sending_beat(cluster)
    standby = "work2-beat" if active == "beat" else "beat"
    host = {"beat": "beat", "work2-beat": "work2"}[active]
    locks_before = cluster.log(standby).count("beat: Acquired lock")
    killed = time.monotonic()
    cluster.kill_host(host)
    wait_for(
        lambda: cluster.log(standby).count("beat: Acquired lock") > locks_before,
        "the standby's lock",
        60,
    )
    took_over_after = time.monotonic() - killed
    # Live, but its go-live side effects never queued: only a sweep can run them.
    missed = ArticleFactory(publish_at=timezone.now() - timedelta(seconds=30))
    assert missed.went_live_at is None

    def swept():
        missed.refresh_from_db()
        return missed.went_live_at is not None

    wait_for(swept, "a sweep sent by the standby", timeout=60)
    figures.update(
        killed=host,
        standby_took_over_after_s=round(took_over_after, 1),
        sweep_ran_after_s=round(time.monotonic() - killed, 1),
        lock_timeout_s=int(topology.SITE_ENV["BEAT_LOCK_TIMEOUT"]),
    )
