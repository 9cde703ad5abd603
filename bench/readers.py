"""Readers' benchmark: the read beacon against the bare Django view, and a digest to
50,000 subscribers through a real worker into a local SMTP sink.

    DATABASE_URL=postgres://... REDIS_URL=redis://... make bench-readers

1. The beacon: gunicorn serves the site with production settings (as in bench/pages.py,
   the per-address limit READERSHIP_RATE_PER_MINUTE raised, since wrk is one address) and the floor
   (bench/floor_settings.py, a bare Django view); wrk POSTs `id=<story>` to /_read/ as
   site.js does, and GETs the floor, in three alternated rounds; the median round is
   reported. Target: the beacon at ≥ 50 % of the floor's req/s.
2. The digest: BENCH_SUBSCRIBERS (50,000) active subscribers are made once in the
   database; a real `celery worker` (solo pool, one process) sends today's digest
   through Django's SMTP backend to an aiosmtpd sink in another process. Reported:
   the time from planning to the last delivery, messages per second, and the worker's
   peak resident memory (VmHWM).

Prints the figures and writes JSON to bench/results/. Environment: BENCH_DURATION (5),
BENCH_THREADS (2), BENCH_CONNECTIONS (16), BENCH_SUBSCRIBERS (50000),
NEWSLETTER_BATCH_SIZE (200).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

from bench import pages

PROJECT_DIR = Path(__file__).resolve().parent.parent
ROUNDS = 3
READER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def beacon(load):
    """(beacon run, floor run) measured by wrk."""
    from articles.models import Article
    from categories.models import Category

    category, _ = Category.objects.get_or_create(slug="bench-readers", defaults={"name": "Bench"})
    story = Article.objects.filter(slug="bench-readers-story").first() or Article.objects.create(
        title="Bench readers story",
        slug="bench-readers-story",
        category=category,
        status=Article.Status.PUBLISHED,
        publish_at=datetime.now().astimezone(),
    )
    site_port, floor_port = pages.free_port(), pages.free_port()
    # wrk is one address: the per-address limit is raised (its counting still runs).
    pages.SERVER_ENV["READERSHIP_RATE_PER_MINUTE"] = "1000000000"
    site = pages.start_gunicorn("newsroom.wsgi", site_port, pages.SETTINGS_MODULE, "/robots.txt")
    floor = pages.start_gunicorn("bench.floor_wsgi", floor_port, pages.FLOOR_SETTINGS_MODULE, "/")
    script = Path(tempfile.mkdtemp()) / "beacon.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        f'wrk.body = "id={story.pk}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["User-Agent"] = "{READER_AGENT}"\n'
    )
    floor_url, beacon_url = (
        f"http://127.0.0.1:{floor_port}/",
        f"http://127.0.0.1:{site_port}/_read/",
    )
    try:
        pages.wrk(floor_url, **{**load, "duration": 1})  # warm-up
        _wrk_script(beacon_url, script, {**load, "duration": 1})
        # Alternated rounds: on a shared machine a ratio of two runs far apart means little.
        rounds = []
        for _ in range(ROUNDS):
            floor_run = pages.wrk(floor_url, **load)
            beacon_run = _wrk_script(beacon_url, script, load)
            rounds.append((beacon_run["rps"] / floor_run["rps"], beacon_run, floor_run))
        rounds.sort(key=lambda r: r[0])
        _, beacon_run, floor_run = rounds[len(rounds) // 2]  # the median round
        beacon_run["ratios"] = [round(r[0], 3) for r in rounds]
    finally:
        pages.stop_server(site)
        pages.stop_server(floor)
        shutil.rmtree(script.parent, ignore_errors=True)
    return beacon_run, floor_run


def _wrk_script(url, script, load):
    command = [
        "wrk",
        f"-t{load['threads']}",
        f"-c{load['connections']}",
        f"-d{load['duration']}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": pages._ms(percentiles["50"]),
        "p99_ms": pages._ms(percentiles["99"]),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def subscribers(count):
    from newsletters.models import Subscriber

    have = Subscriber.objects.filter(email__endswith="@bench.invalid").count()
    batch = []
    for n in range(have, count):
        batch.append(Subscriber(email=f"reader{n}@bench.invalid", status=Subscriber.Status.ACTIVE))
        if len(batch) == 5000:
            Subscriber.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Subscriber.objects.bulk_create(batch, ignore_conflicts=True)
    Subscriber.objects.filter(email__endswith="@bench.invalid").update(
        status=Subscriber.Status.ACTIVE
    )
    return Subscriber.objects.filter(status=Subscriber.Status.ACTIVE).count()


def peak_rss_mb(pid):
    text = Path(f"/proc/{pid}/status").read_text()
    return round(int(re.search(r"^VmHWM:\s+(\d+) kB", text, re.M).group(1)) / 1024, 1)


def digest(count):
    """Seconds, messages and the worker's peak memory for one digest to `count` subscribers."""
    from django.conf import settings

    from newsletters import services
    from newsletters.models import Delivery, Edition
    from tests.workers import start_worker, stop_worker

    active = subscribers(count)
    Edition.objects.filter(key__startswith="daily:").delete()  # a rerun plans today's again
    sink_port = pages.free_port()
    sink = subprocess.Popen(  # noqa: S603 - fixed command
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            f"127.0.0.1:{sink_port}",
        ],
        cwd=PROJECT_DIR,
    )
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{sink_port}"
    settings.SIDE_EFFECTS_QUEUE = queue
    worker = start_worker(queue)
    try:
        started = time.monotonic()
        edition = services.plan_digest(Edition.Kind.DAILY)
        if edition is None:
            pages.fail("no story to send: the digest planned nothing")
        planned = time.monotonic() - started
        while Edition.objects.get(pk=edition.pk).status != Edition.Status.DONE:
            if worker.poll() is not None:
                pages.fail("the worker died during the digest (see /tmp/celery-*.log)")
            time.sleep(0.5)
        seconds = time.monotonic() - started
        memory = peak_rss_mb(worker.pid)
    finally:
        stop_worker(worker)
        sink.terminate()
        sink.wait()
    sent = Delivery.objects.filter(edition=edition, status=Delivery.Status.SENT).count()
    return {
        "subscribers": active,
        "sent": sent,
        "seconds": round(seconds, 1),
        "planning_seconds": round(planned, 1),
        "messages_per_second": round(sent / seconds, 1),
        "worker_peak_rss_mb": memory,
        "batch_size": settings.NEWSLETTER_BATCH_SIZE,
    }


def main():
    config = pages.configure()  # PostgreSQL, Redis, wrk; Django set up with bench.settings
    del config
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load = {
        "duration": int(os.environ.get("BENCH_DURATION", "5")),
        "threads": int(os.environ.get("BENCH_THREADS", "2")),
        "connections": int(os.environ.get("BENCH_CONNECTIONS", "16")),
    }
    beacon_run, floor_run = beacon(load)
    ratio = beacon_run["rps"] / floor_run["rps"]
    print(f"load average before the runs: {pages.load_average()}")
    print(
        f"beacon  {beacon_run['rps']:>9.0f} req/s  p50 {beacon_run['p50_ms']:.2f} ms  "
        f"p99 {beacon_run['p99_ms']:.2f} ms  non-2xx {beacon_run['errors']}"
    )
    print(
        f"floor   {floor_run['rps']:>9.0f} req/s  p50 {floor_run['p50_ms']:.2f} ms  "
        f"p99 {floor_run['p99_ms']:.2f} ms"
    )
    print(
        f"beacon at {ratio:.0%} of the bare Django view in the median of {ROUNDS} alternated "
        f"rounds ({', '.join(f'{r:.0%}' for r in beacon_run['ratios'])}; target ≥ 50 %)"
    )
    count = int(os.environ.get("BENCH_SUBSCRIBERS", "50000"))
    result = digest(count)
    print(
        f"digest: {result['sent']} of {result['subscribers']} sent in {result['seconds']} s "
        f"({result['messages_per_second']} messages/s, planning {result['planning_seconds']} s); "
        f"worker peak memory {result['worker_peak_rss_mb']} MB"
    )
    results_dir = Path(os.environ.get("BENCH_RESULTS_DIR", PROJECT_DIR / "bench" / "results"))
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    path = results_dir / f"readers-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "load_average": pages.load_average(),
                "beacon": beacon_run,
                "floor": floor_run,
                "beacon_of_floor": ratio,
                "digest": result,
            },
            indent=2,
        )
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
