import time

import pytest
from django.test import override_settings

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_healthz_reports_each_component_ok(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["components"]) == {"database", "cache", "broker", "publishing"}
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


def test_healthz_names_cache_and_broker_as_failing_when_redis_is_down(db, client, redis_down):
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


def test_healthz_reports_database_failure(db, client, monkeypatch):
    from newsroom import health

    def broken():
        raise RuntimeError("connection refused")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert "connection refused" in response.json()["components"]["database"]["detail"]


@pytest.mark.redis
def test_healthz_with_real_redis_reports_redis_cache_and_broker(db, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    components = response.json()["components"]
    assert components["cache"]["detail"] == "RedisCache"
    assert components["broker"]["detail"] == "redis"


def test_healthz_refuses_post(db, client):
    assert client.post("/healthz").status_code == 405
