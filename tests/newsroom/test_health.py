"""/healthz: ok/failing to anyone; the components and their details to staff or
the bearer of HEALTH_TOKEN only."""

import time

import pytest
from django.test import override_settings

from tests.factories import StaffUserFactory

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
TOKEN = "a-long-random-monitoring-token-0123456789"


@pytest.fixture
def monitor(client, settings):
    """The test client as a monitor that holds HEALTH_TOKEN."""
    settings.HEALTH_TOKEN = TOKEN
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"
    return client


def test_the_public_answer_is_only_ok(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_public_answer_to_a_failure_names_no_backend(db, client, monkeypatch):
    from newsroom import health

    def broken():
        raise RuntimeError("connection to server at 10.1.2.3 refused")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "failing"}
    assert b"10.1.2.3" not in response.content


@pytest.mark.parametrize("header", ["Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_a_wrong_token_gets_the_public_answer(db, client, settings, header):
    settings.HEALTH_TOKEN = TOKEN
    assert client.get("/healthz", HTTP_AUTHORIZATION=header).json() == {"status": "ok"}


def test_no_token_is_accepted_while_none_is_configured(db, client, settings):
    settings.HEALTH_TOKEN = ""
    assert client.get("/healthz", HTTP_AUTHORIZATION="Bearer ").json() == {"status": "ok"}


def test_staff_see_the_details(db, client):
    client.force_login(StaffUserFactory(role="Contributor"))
    assert set(client.get("/healthz").json()["components"]) == {
        "database",
        "cache",
        "broker",
        "publishing",
        "backup",
    }


def test_healthz_reports_each_component_ok(db, monitor):
    client = monitor
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["components"]) == {"database", "cache", "broker", "publishing", "backup"}
    assert all(c["status"] == "ok" for c in body["components"].values())
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.fixture
def redis_down():
    """Cache and broker pointed at a Redis that is not there (undone before other teardown)."""
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": CLOSED_PORT_REDIS,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        },
        CELERY_TASK_ALWAYS_EAGER=False,
        CELERY_BROKER_URL=CLOSED_PORT_REDIS,
    ):
        yield


def test_healthz_names_cache_and_broker_as_failing_when_redis_is_down(db, monitor, redis_down):
    client = monitor
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker", "cache"]
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["cache"]["detail"]
    # The probes share one deadline: a dead Redis never hangs the health check.
    assert elapsed < 1.0


def test_healthz_reports_database_failure(db, monitor, monkeypatch):
    client = monitor
    from newsroom import health

    def broken():
        raise RuntimeError("connection refused")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert "connection refused" in response.json()["components"]["database"]["detail"]


@pytest.mark.redis
def test_healthz_with_real_redis_reports_redis_cache_and_broker(db, monitor, settings):
    client = monitor
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    components = response.json()["components"]
    assert components["cache"]["detail"] == "RedisCache"
    assert components["broker"]["detail"] == "redis"


def test_healthz_refuses_post(db, client):
    assert client.post("/healthz").status_code == 405
