"""Cloudflare and Fastly purges against local fakes of their APIs (tests/caching/fakes.py).

The real backends are configured through EDGE_PURGE_BACKENDS exactly as the
settings module builds it, and talk HTTP to 127.0.0.1 only.
"""

import json
import logging
import os
import socket
import subprocess
import sys
import time
from unittest import mock

import httpx
import pytest
from celery.exceptions import Retry
from django.core.exceptions import ImproperlyConfigured

from caching import edge, purges, tasks
from caching.edge import EdgePurgeError
from caching.edge.cloudflare import CloudflareBackend
from caching.edge.fastly import FastlyBackend
from newsroom.celery import app as celery_app
from tests.conftest import PROJECT_DIR

from .fakes import FakeCloudflare, FakeFastly

CF_TOKEN = "cf-test-token-0123456789"
CF_ZONE = "023e105f4ecef8ad9ca31a8372d0c353"
FASTLY_TOKEN = "fastly-test-token-0123456789"
FASTLY_SERVICE = "SU1Z0isxPaozGVKXdv0eY"
TIMEOUT = 1.0


def article_keys(count):
    return [f"article:{n}" for n in range(count)]


def cloudflare_options(fake, **overrides):
    return {
        "BACKEND": "caching.edge.cloudflare.CloudflareBackend",
        "API_TOKEN": CF_TOKEN,
        "ZONE_ID": CF_ZONE,
        "API_URL": fake.api_url,
        "TIMEOUT": TIMEOUT,
        **overrides,
    }


def fastly_options(fake, **overrides):
    return {
        "BACKEND": "caching.edge.fastly.FastlyBackend",
        "API_TOKEN": FASTLY_TOKEN,
        "SERVICE_ID": FASTLY_SERVICE,
        "API_URL": fake.api_url,
        "SOFT": False,
        "TIMEOUT": TIMEOUT,
        **overrides,
    }


@pytest.fixture
def cloudflare():
    fake = FakeCloudflare(CF_TOKEN, CF_ZONE).start()
    yield fake
    fake.stop()


@pytest.fixture
def fastly():
    fake = FakeFastly(FASTLY_TOKEN, FASTLY_SERVICE).start()
    yield fake
    fake.stop()


@pytest.fixture
def configure(settings):
    """configure(name=options, ...): EDGE_PURGE_BACKENDS set, the backends built from it."""
    built = []

    def configure(**backends):
        settings.EDGE_PURGE_BACKENDS = backends
        configured = edge.configured()
        built.extend(configured.values())
        return configured

    yield configure
    for backend in built:
        backend.close()


@pytest.fixture
def edges(configure, cloudflare, fastly):
    return configure(cloudflare=cloudflare_options(cloudflare), fastly=fastly_options(fastly))


@pytest.fixture
def purge_task():
    """The task object itself (tasks.purge_edge is Celery's lazy proxy)."""
    return tasks.purge_edge._get_current_object()


@pytest.fixture
def retries_inline(settings):
    """apply() runs the task's retries at once, in-process, instead of raising Retry."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the task retries as on a worker
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Purging by key -----------------------------------------------------------------


def test_cloudflare_purges_keys_as_cache_tags_at_most_100_per_call(edges, cloudflare):
    keys = article_keys(250)

    edges["cloudflare"].purge_keys(keys + keys[:10])

    assert [len(post["tags"]) for post in cloudflare.posts] == [100, 100, 50]
    assert cloudflare.tags == keys  # each once, in order
    for request in cloudflare.requests:
        assert request["method"] == "POST"
        assert request["path"] == f"/client/v4/zones/{CF_ZONE}/purge_cache"
        assert request["headers"]["authorization"] == f"Bearer {CF_TOKEN}"
        assert request["headers"]["content-type"] == "application/json"
        assert set(json.loads(request["body"])) == {"tags"}


def test_fastly_purges_surrogate_keys_at_most_256_per_request(edges, fastly):
    keys = article_keys(600)

    edges["fastly"].purge_keys(keys + ["home", "home"])

    assert [len(post["keys"]) for post in fastly.posts] == [256, 256, 89]
    assert fastly.keys == [*keys, "home"]
    for request in fastly.requests:
        assert request["path"] == f"/service/{FASTLY_SERVICE}/purge"
        assert request["headers"]["fastly-key"] == FASTLY_TOKEN
        assert "fastly-soft-purge" not in request["headers"]
    assert fastly.requests[0]["headers"]["surrogate-key"] == " ".join(keys[:256])


def test_fastly_soft_purge_marks_stale_but_purge_all_is_never_soft(configure, fastly):
    backend = configure(fastly=fastly_options(fastly, SOFT=True))["fastly"]

    backend.purge_keys(["article:1", "section:3"])
    backend.purge_all()

    assert fastly.posts == [
        {"keys": ["article:1", "section:3"], "soft": True},
        {"purge_all": True, "soft": False},
    ]
    assert fastly.requests[0]["headers"]["fastly-soft-purge"] == "1"
    assert fastly.requests[1]["path"] == f"/service/{FASTLY_SERVICE}/purge_all"


def test_no_keys_no_request(edges, cloudflare, fastly):
    edges["cloudflare"].purge_keys([])
    edges["fastly"].purge_keys(["", None])

    assert cloudflare.requests == [] and fastly.requests == []


def test_purge_all_purges_everything_on_both(edges, cloudflare, fastly):
    assert purges.purge_all() is True

    assert cloudflare.posts == [{"purge_everything": True}]
    assert fastly.everything == 1 and fastly.keys == []


def test_keys_the_apis_cannot_take_are_left_out(edges, cloudflare, fastly, caplog):
    bad = ["has space", "x" * 1025, "caf\u00e9"]

    edges["cloudflare"].purge_keys(["home", *bad])
    edges["fastly"].purge_keys(["home", "has space", "caf\u00e9"])

    assert cloudflare.tags == ["home"] and fastly.keys == ["home"]
    assert "cannot be cache-tags" in caplog.text and "cannot be surrogate keys" in caplog.text


# The fakes hold the real APIs' caps, and going over them is an error -------------


def test_fakes_refuse_more_items_per_request_than_the_apis_take(cloudflare, fastly):
    with httpx.Client(headers={"Authorization": f"Bearer {CF_TOKEN}"}) as client:
        url = f"{cloudflare.api_url}/zones/{CF_ZONE}/purge_cache"
        too_many_tags = client.post(url, json={"tags": article_keys(101)})
        too_many_files = client.post(url, json={"files": [f"https://x/{n}" for n in range(31)]})
        no_kind = client.post(url, json={"everything": True})
    assert too_many_tags.status_code == 400
    assert too_many_tags.json()["success"] is False
    assert "at most 100" in too_many_tags.json()["errors"][0]["message"]
    assert too_many_files.status_code == 400 and "at most 30" in too_many_files.text
    assert no_kind.status_code == 400 and no_kind.json()["errors"][0]["code"] == 1012

    response = httpx.post(
        f"{fastly.api_url}/service/{FASTLY_SERVICE}/purge",
        headers={"Fastly-Key": FASTLY_TOKEN, "Surrogate-Key": " ".join(article_keys(257))},
    )
    assert response.status_code == 400 and "up to 256 surrogate keys" in response.text
    assert cloudflare.posts == [] and fastly.posts == []


def test_a_batch_over_the_cap_fails_with_the_apis_message(edges, cloudflare, fastly):
    edges["cloudflare"].tags_per_request = 150
    edges["fastly"].keys_per_request = 300

    with pytest.raises(EdgePurgeError, match=r"HTTP 400.*\[1012\].*at most 100 are allowed"):
        edges["cloudflare"].purge_keys(article_keys(150))
    with pytest.raises(EdgePurgeError, match="HTTP 400.*only supports up to 256 surrogate keys"):
        edges["fastly"].purge_keys(article_keys(300))


# Failures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (lambda fake: fake.fail(), r"HTTP 500\): \[10001\] Internal Server Error"),
        (
            lambda fake: fake.rate_limit(retry_after=30),
            r"HTTP 429\): \[971\] Please wait .*; Retry-After: 30s",
        ),
        # Cloudflare answers some refusals with HTTP 200 and success: false.
        (
            lambda fake: fake.refuse(1100, "Tag exceeds maximum length of 1024 characters"),
            r"HTTP 200\): \[1100\] Tag exceeds maximum length .*; \[1016\] One or more cache",
        ),
    ],
    ids=["500", "429", "200-success-false"],
)
def test_cloudflare_errors_raise_with_its_codes_and_messages(edges, cloudflare, script, expected):
    script(cloudflare)

    with pytest.raises(EdgePurgeError, match=expected):
        edges["cloudflare"].purge_keys(article_keys(250))

    assert len(cloudflare.requests) == 1  # the first failed call stops the rest
    edges["cloudflare"].purge_keys(["home"])  # and the next purge goes through
    assert cloudflare.tags == ["home"]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (lambda fake: fake.fail(), r"HTTP 500\): Internal Server Error; purge failed"),
        (
            lambda fake: fake.rate_limit(retry_after=7),
            r"HTTP 429\): Too many requests; Rate limit exceeded; Retry-After: 7s",
        ),
    ],
    ids=["500", "429"],
)
def test_fastly_errors_raise_with_its_message(edges, fastly, script, expected):
    script(fastly)

    with pytest.raises(EdgePurgeError, match=expected):
        edges["fastly"].purge_keys(article_keys(600))

    assert len(fastly.requests) == 1
    edges["fastly"].purge_keys(["home"])
    assert fastly.keys == ["home"]


def test_wrong_credentials_or_ids_are_errors(configure, cloudflare, fastly):
    wrong_token = configure(
        cloudflare=cloudflare_options(cloudflare, API_TOKEN="revoked"),
        fastly=fastly_options(fastly, API_TOKEN="revoked"),
    )
    with pytest.raises(EdgePurgeError, match=r"HTTP 403\): \[10000\] Authentication error"):
        wrong_token["cloudflare"].purge_keys(["home"])
    with pytest.raises(EdgePurgeError, match="HTTP 401.*Provided credentials are missing"):
        wrong_token["fastly"].purge_keys(["home"])

    wrong_ids = configure(
        cloudflare=cloudflare_options(cloudflare, ZONE_ID="0" * 32),
        fastly=fastly_options(fastly, SERVICE_ID="nosuchservice"),
    )
    with pytest.raises(EdgePurgeError, match=r"\[7003\] Could not route to /zones/0+/purge_cache"):
        wrong_ids["cloudflare"].purge_all()
    with pytest.raises(EdgePurgeError, match="HTTP 404.*Cannot find service 'nosuchservice'"):
        wrong_ids["fastly"].purge_all()

    assert cloudflare.posts == [] and fastly.posts == []


def test_a_hanging_api_costs_one_timeout_per_purge(configure, cloudflare, fastly):
    backends = configure(
        cloudflare=cloudflare_options(cloudflare, TIMEOUT=0.3),
        fastly=fastly_options(fastly, TIMEOUT=0.3),
    )
    cloudflare.hang()
    fastly.hang()

    for name in ("cloudflare", "fastly"):
        started = time.monotonic()
        with pytest.raises(EdgePurgeError, match=rf"{name} purge timed out after 0.3s"):
            backends[name].purge_keys(article_keys(600))  # several batches: one wait
        assert 0.25 < time.monotonic() - started < 1.0
    assert len(cloudflare.requests) == 1 and len(fastly.requests) == 1


def test_an_unreachable_api_is_an_error(configure):
    url = f"http://127.0.0.1:{free_port()}"
    backends = configure(
        cloudflare={
            "BACKEND": "caching.edge.cloudflare.CloudflareBackend",
            "API_TOKEN": "t",
            "ZONE_ID": "z",
            "API_URL": url,
            "TIMEOUT": 0.5,
        },
        fastly={
            "BACKEND": "caching.edge.fastly.FastlyBackend",
            "API_TOKEN": "t",
            "SERVICE_ID": "s",
            "API_URL": url,
            "TIMEOUT": 0.5,
        },
    )
    with pytest.raises(EdgePurgeError, match="cloudflare purge request failed: ConnectError"):
        backends["cloudflare"].purge_keys(["home"])
    with pytest.raises(EdgePurgeError, match="fastly purge request failed: ConnectError"):
        backends["fastly"].purge_all()


@pytest.mark.parametrize(
    ("make", "missing"),
    [
        (lambda: CloudflareBackend(api_token="", zone_id="z"), "CLOUDFLARE_API_TOKEN"),
        (lambda: CloudflareBackend(api_token="t", zone_id=""), "CLOUDFLARE_ZONE_ID"),
        (lambda: FastlyBackend(api_token="", service_id="s"), "FASTLY_API_TOKEN"),
        (lambda: FastlyBackend(api_token="t", service_id=""), "FASTLY_SERVICE_ID"),
    ],
)
def test_missing_credentials_refuse_to_start(make, missing):
    with pytest.raises(ImproperlyConfigured, match=missing):
        make()


FASTLY_WITHOUT_TOKEN = {
    "fastly": {
        "BACKEND": "caching.edge.fastly.FastlyBackend",
        "API_TOKEN": "",
        "SERVICE_ID": "",
        "API_URL": "https://api.fastly.com",
        "TIMEOUT": 2.0,
    },
}


def test_missing_credentials_in_settings_fail_when_the_backends_are_built(settings):
    settings.EDGE_PURGE_BACKENDS = FASTLY_WITHOUT_TOKEN

    with pytest.raises(ImproperlyConfigured, match="FASTLY_API_TOKEN"):
        edge.configured()


def test_a_misconfigured_edge_does_not_raise_into_the_save(
    db, settings, django_capture_on_commit_callbacks
):
    settings.EDGE_PURGE_BACKENDS = FASTLY_WITHOUT_TOKEN

    with django_capture_on_commit_callbacks(execute=True):
        purges.purge(["article:12"])


# caching.purges and caching.tasks --------------------------------------------------


def test_send_to_edge_purges_the_healthy_backend_and_queues_the_failed_one(
    edges, cloudflare, fastly, purge_task, settings, caplog
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker and workers, as in production
    keys = article_keys(120)
    cloudflare.fail()

    with mock.patch.object(purge_task, "apply_async") as queued:
        purges.send_to_edge(keys)

    assert fastly.keys == keys
    assert cloudflare.posts == []
    queued.assert_called_once_with(
        (keys, ["cloudflare"]), countdown=settings.EDGE_PURGE_RETRY_DELAY
    )
    assert "edge purge through cloudflare failed" in caplog.text
    assert "[10001] Internal Server Error" in caplog.text


def test_send_to_edge_queues_nothing_when_every_backend_confirms(
    edges, cloudflare, fastly, purge_task
):
    with mock.patch.object(purge_task, "apply_async") as queued:
        purges.send_to_edge(["article:1", "home"])

    queued.assert_not_called()
    assert cloudflare.tags == ["article:1", "home"] and fastly.keys == ["article:1", "home"]


def test_keys_of_a_transaction_reach_each_edge_once_after_commit(
    db, edges, cloudflare, fastly, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        purges.purge(["article:12", "home"])
        purges.purge(["article:12", "tag:7"])
        assert cloudflare.requests == [] and fastly.requests == []  # not before commit

    assert cloudflare.posts == [{"tags": ["article:12", "home", "tag:7"]}]
    assert fastly.posts == [{"keys": ["article:12", "home", "tag:7"], "soft": False}]


def test_task_on_a_worker_retries_the_failed_backend_only(edges, cloudflare, fastly, settings):
    # What a worker does with the Retry that apply() propagates here (eager
    # propagation): the task is sent again for the backends that failed.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    keys = article_keys(3)
    cloudflare.fail()

    with pytest.raises(Retry) as retry:
        tasks.purge_edge.apply(args=(keys, None))

    assert tuple(retry.value.sig.args) == (keys, ["cloudflare"])
    assert isinstance(retry.value.exc, EdgePurgeError)
    assert fastly.keys == keys and cloudflare.posts == []


def test_task_retries_until_the_api_recovers(
    edges, cloudflare, fastly, settings, retries_inline, caplog
):
    keys = article_keys(3)
    cloudflare.fail(times=2)

    result = tasks.purge_edge.apply(args=(keys, None))

    assert result.successful()
    assert len(cloudflare.requests) == 3 and cloudflare.tags == keys
    assert len(fastly.requests) == 1 and fastly.keys == keys  # confirmed once, not retried
    attempts = [r.getMessage() for r in caplog.records if "failed (attempt" in r.getMessage()]
    assert [m.split("(attempt ")[1][0] for m in attempts] == ["1", "2"]
    assert "gave up" not in caplog.text


def test_task_retries_only_the_named_backend(edges, cloudflare, fastly, retries_inline):
    cloudflare.rate_limit(retry_after=1)

    tasks.purge_edge.apply(args=(["home"], ["cloudflare"]))

    assert len(cloudflare.requests) == 2 and cloudflare.tags == ["home"]
    assert fastly.requests == []


def test_task_gives_up_after_max_retries(edges, cloudflare, purge_task, retries_inline, caplog):
    cloudflare.fail(times=50)

    result = tasks.purge_edge.apply(args=(["home"], ["cloudflare"]))

    assert len(cloudflare.requests) == 1 + purge_task.max_retries == 9
    assert cloudflare.posts == []
    assert "edge purge of ['home'] through ['cloudflare'] gave up" in caplog.text
    # The purge was lost, yet the task ends as a success.
    assert result.successful()


def test_task_run_eagerly_tries_once_then_gives_up(edges, cloudflare, caplog):
    # The test settings run tasks in-process (CELERY_TASK_ALWAYS_EAGER), as dev does
    # without Redis: a failed purge is tried once more, never retried later.
    cloudflare.fail(times=5)

    with caplog.at_level(logging.WARNING, logger="caching"):
        result = tasks.purge_edge.apply(args=(["home"], ["cloudflare"]))

    assert result.successful()
    assert len(cloudflare.requests) == 1
    assert "gave up" in caplog.text


def test_send_to_edge_without_a_broker_logs_the_failure_without_a_second_timeout(
    edges, cloudflare, fastly, purge_task, caplog
):
    cloudflare.fail(times=2)

    with mock.patch.object(purge_task, "apply_async") as queued:
        purges.send_to_edge(["home"])

    queued.assert_not_called()
    assert len(cloudflare.requests) == 1 and cloudflare.posts == []
    assert len(fastly.requests) == 1
    assert "no worker to retry it" in caplog.text


def test_task_retries_back_off(edges, cloudflare, settings, purge_task, retries_inline):
    cloudflare.fail(times=3)
    delays = []
    retry = purge_task.retry

    def spy(*args, **kwargs):
        try:
            return retry(*args, **kwargs)
        except Retry as exc:
            delays.append(exc.when)
            raise

    with mock.patch.object(purge_task, "retry", spy):
        tasks.purge_edge.apply(args=(["home"], ["cloudflare"]))

    assert len(delays) == 3
    assert delays[0] <= 2 * settings.EDGE_PURGE_RETRY_DELAY
    assert max(delays) <= tasks.RETRY_BACKOFF_MAX
    assert delays == sorted(delays) and delays[0] < delays[-1]


# Settings: environment variables to EDGE_PURGE_BACKENDS ------------------------------


def run_python(code, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EDGE_PURGE", "CLOUDFLARE_", "FASTLY_"))
    }
    base.update(env, DJANGO_SETTINGS_MODULE="newsroom.settings")
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRINT_BACKENDS = (
    "import json; from django.conf import settings; print(json.dumps(settings.EDGE_PURGE_BACKENDS))"
)


def test_settings_map_the_environment_to_both_backends(configure):
    result = run_python(
        PRINT_BACKENDS,
        EDGE_PURGE="cloudflare,fastly",
        EDGE_PURGE_TIMEOUT="0.5",
        CLOUDFLARE_API_TOKEN="cf-env-token",
        CLOUDFLARE_ZONE_ID="cf-env-zone",
        CLOUDFLARE_API_URL="http://127.0.0.1:9/client/v4",
        FASTLY_API_TOKEN="fastly-env-token",
        FASTLY_SERVICE_ID="fastly-env-service",
        FASTLY_API_URL="http://127.0.0.1:9",
        FASTLY_SOFT_PURGE="true",
    )
    assert result.returncode == 0, result.stderr
    backends = json.loads(result.stdout)
    assert backends == {
        "cloudflare": {
            "BACKEND": "caching.edge.cloudflare.CloudflareBackend",
            "API_TOKEN": "cf-env-token",
            "ZONE_ID": "cf-env-zone",
            "API_URL": "http://127.0.0.1:9/client/v4",
            "TIMEOUT": 0.5,
        },
        "fastly": {
            "BACKEND": "caching.edge.fastly.FastlyBackend",
            "API_TOKEN": "fastly-env-token",
            "SERVICE_ID": "fastly-env-service",
            "API_URL": "http://127.0.0.1:9",
            "SOFT": True,
            "TIMEOUT": 0.5,
        },
    }
    # Those options are what the backends take (names lower-cased).
    built = configure(**backends)
    assert (
        built["cloudflare"].endpoint == "http://127.0.0.1:9/client/v4/zones/cf-env-zone/purge_cache"
    )
    assert built["cloudflare"].client.headers["Authorization"] == "Bearer cf-env-token"
    assert built["cloudflare"].timeout == 0.5
    assert built["fastly"].purge_url == "http://127.0.0.1:9/service/fastly-env-service/purge"
    assert built["fastly"].client.headers["Fastly-Key"] == "fastly-env-token"
    assert built["fastly"].soft is True and built["fastly"].timeout == 0.5


def test_settings_default_to_no_edge_and_to_the_real_api_addresses():
    assert json.loads(run_python(PRINT_BACKENDS).stdout) == {}

    result = run_python(
        PRINT_BACKENDS,
        EDGE_PURGE="cloudflare,fastly",
        CLOUDFLARE_API_TOKEN="t",
        CLOUDFLARE_ZONE_ID="z",
        FASTLY_API_TOKEN="t",
        FASTLY_SERVICE_ID="s",
    )
    assert result.returncode == 0, result.stderr
    backends = json.loads(result.stdout)
    assert backends["cloudflare"]["API_URL"] == "https://api.cloudflare.com/client/v4"
    assert backends["fastly"]["API_URL"] == "https://api.fastly.com"
    assert backends["fastly"]["SOFT"] is False
    assert backends["cloudflare"]["TIMEOUT"] == backends["fastly"]["TIMEOUT"] == 2.0


def test_settings_refuse_an_unknown_edge_name():
    result = run_python(PRINT_BACKENDS, EDGE_PURGE="cloudflare,bogus")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "EDGE_PURGE names ['bogus']: use any of varnish, cloudflare, fastly" in result.stderr
