"""The replica router's decisions, the pinning cookie, the retry and the 503 page.

The real thing (a streaming replica stopped, paused, lagging) is in tests/cluster/.
"""

import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory

from articles.models import Article
from newsroom import db_router
from newsroom.db_router import PIN_COOKIE, ReplicaReadMiddleware, ReplicaRouter


@pytest.fixture
def replicas(settings, monkeypatch):
    """Two replicas, healthy unless a test says otherwise (`lags[alias] = seconds`)."""
    settings.REPLICA_DATABASES = ["replica1", "replica2"]
    settings.REPLICA_MAX_LAG = 5.0
    settings.REPLICA_CHECK_SECONDS = 1.0
    lags = {"replica1": 0.0, "replica2": 0.0}

    def measure(alias):
        if lags[alias] is None:
            raise OperationalError(f"{alias} refused the connection")
        return lags[alias]

    monkeypatch.setattr(db_router, "measure_lag", measure)
    db_router.forget_health()
    yield lags
    db_router.forget_health()


def read_db_during(request):
    """The database the router picks for a read made while `request` is served."""
    seen = {}

    def view(request):
        seen["db"] = ReplicaRouter().db_for_read(Article)
        return HttpResponse("ok")

    response = ReplicaReadMiddleware(view)(request)
    return seen["db"], response


def test_a_readers_page_reads_a_replica(replicas):
    db, response = read_db_during(RequestFactory().get("/"))
    assert db in {"replica1", "replica2"}
    assert PIN_COOKIE not in response.cookies


def test_replicas_are_chosen_at_random(replicas):
    picked = {read_db_during(RequestFactory().get("/"))[0] for _ in range(60)}
    assert picked == {"replica1", "replica2"}


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"path": "/admin/articles/article/"},
        {"path": "/", "HTTP_COOKIE": f"{PIN_COOKIE}=1"},
        {"path": "/", "HTTP_COOKIE": "sessionid=abc"},
    ],
    ids=["admin", "pinned-after-a-write", "signed-in"],
)
def test_admin_pinned_and_signed_in_requests_read_the_primary(replicas, request_kwargs):
    path = request_kwargs.pop("path")
    db, _ = read_db_during(RequestFactory().get(path, **request_kwargs))
    assert db == "default"


def test_a_post_reads_the_primary_and_pins_the_client(replicas, settings):
    db, response = read_db_during(RequestFactory().post("/search/"))
    assert db == "default"
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.REPLICA_PIN_SECONDS


def test_without_replicas_a_post_sets_no_pinning_cookie(settings):
    settings.REPLICA_DATABASES = []
    _, response = read_db_during(RequestFactory().post("/newsletter/"))
    assert PIN_COOKIE not in response.cookies


def test_a_write_that_needs_no_pin_sets_no_cookie(replicas):
    request = RequestFactory().post("/_read/")
    request.pin_primary = False  # as the read counter's beacon says
    _, response = read_db_during(request)
    assert PIN_COOKIE not in response.cookies


def test_a_write_during_a_get_pins_the_rest_of_the_request_and_the_client(replicas):
    seen = []

    def view(request):
        router = ReplicaRouter()
        seen.append(router.db_for_read(Article))
        assert router.db_for_write(Article) == "default"
        seen.append(router.db_for_read(Article))
        return HttpResponse("ok")

    response = ReplicaReadMiddleware(view)(RequestFactory().get("/"))
    assert seen[0].startswith("replica") and seen[1] == "default"
    assert PIN_COOKIE in response.cookies


def test_reads_outside_a_request_use_the_primary(replicas):
    # Celery tasks, management commands, the shell.
    assert ReplicaRouter().db_for_read(Article) == "default"


def test_reads_inside_a_transaction_use_the_primary(replicas, transactional_db):
    def view(request):
        from django.db import transaction

        with transaction.atomic():
            return HttpResponse(ReplicaRouter().db_for_read(Article))

    response = ReplicaReadMiddleware(view)(RequestFactory().get("/"))
    assert response.content == b"default"


def test_a_lagging_replica_is_left_out(replicas):
    replicas["replica1"] = 4.5  # + the 1 s check interval > REPLICA_MAX_LAG
    picked = {read_db_during(RequestFactory().get("/"))[0] for _ in range(30)}
    assert picked == {"replica2"}


def test_with_every_replica_down_or_behind_reads_go_to_the_primary(replicas):
    replicas["replica1"] = None
    replicas["replica2"] = 60.0
    assert read_db_during(RequestFactory().get("/"))[0] == "default"


def test_health_is_measured_again_after_the_check_interval(replicas):
    replicas["replica1"] = None
    assert db_router.check("replica1", now=100.0) == (False, None)
    replicas["replica1"] = 0.0
    assert db_router.check("replica1", now=100.5) == (False, None)  # still cached
    assert db_router.check("replica1", now=101.5) == (True, 0.0)


def test_a_replica_failing_mid_request_is_retried_on_the_primary(replicas):
    """The view raised on the replica: the page is read again from the primary."""
    calls = []
    request = RequestFactory().get("/")

    def view(request):
        chosen = ReplicaRouter().db_for_read(Article)
        calls.append(chosen)
        if chosen != "default":
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("from the primary")

    middleware = ReplicaReadMiddleware(lambda r: HttpResponse())

    def get_response(request):
        try:
            return view(request)
        except OperationalError as exc:
            return middleware.process_exception(request, exc)

    middleware.get_response = get_response
    from django.urls import ResolverMatch

    request.resolver_match = ResolverMatch(view, (), {})
    response = middleware(request)
    assert response.status_code == 200 and response.content == b"from the primary"
    assert calls[0].startswith("replica") and calls[1] == "default"
    assert db_router.check(calls[0])[0] is False  # left out until measured again


def test_the_primary_unreachable_answers_a_clear_503_page(admin_client, monkeypatch):
    """An admin write while the primary restarts: a page that says so, no traceback."""
    from django.contrib.admin import sites

    def down(*args, **kwargs):
        raise OperationalError("connection to server at 10.231.0.11 failed: Connection refused")

    # Looked up per request (the URLconf holds on to the views themselves).
    monkeypatch.setattr(sites.AdminSite, "each_context", down)
    response = admin_client.get("/admin/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"nothing was saved" in response.content
    assert b"Traceback" not in response.content and b"10.231" not in response.content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="measures PostgreSQL's WAL")
def test_lag_of_a_server_that_is_not_a_replica_is_zero(db):
    # The primary itself, asked as a replica would be: not in recovery, nothing to wait for.
    try:
        assert db_router.measure_lag("default") == 0.0
    finally:
        db_router.forget_health()


def test_a_database_error_raised_in_a_middleware_answers_503_too(admin_user, monkeypatch):
    """The session or user lookup fails before any view runs: still the 503 page."""
    from django.contrib.auth import middleware
    from django.test import Client

    def down(request):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr(middleware, "get_user", down)
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 503
    assert b"nothing was saved" in response.content


def test_any_other_error_is_still_the_500_page(client, monkeypatch):
    from django.contrib.auth import middleware
    from django.test import Client

    monkeypatch.setattr(middleware, "get_user", lambda request: 1 / 0)
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x"
    response = client.get("/admin/")
    assert response.status_code == 500


def test_the_liveness_probe_needs_no_database(client):
    # No db fixture: a query would fail this test.
    response = client.get("/healthz/live")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_a_reader_is_served_by_a_lagging_replica_when_the_primary_is_down(replicas):
    """Better an older page, never cached, than an error page."""
    from django.urls import ResolverMatch

    replicas["replica1"] = 60.0  # far behind: left out of ordinary reads
    replicas["replica2"] = None  # down
    calls = []

    def view(request):
        chosen = ReplicaRouter().db_for_read(Article)
        calls.append(chosen)
        if chosen == "default":
            raise OperationalError("the database system is starting up")
        return HttpResponse("older page")

    request = RequestFactory().get("/")
    request.resolver_match = ResolverMatch(view, (), {})
    middleware = ReplicaReadMiddleware(lambda r: HttpResponse())

    def get_response(request):
        try:
            return view(request)
        except OperationalError as exc:
            return middleware.process_exception(request, exc)

    middleware.get_response = get_response
    response = middleware(request)
    assert calls == ["default", "replica1"]
    assert response.content == b"older page"
    assert "no-store" in response["Cache-Control"]


def test_an_editor_is_not_served_by_a_lagging_replica(replicas, admin_user):
    from django.urls import ResolverMatch

    replicas["replica1"] = 60.0

    def view(request):
        raise OperationalError("the database system is starting up")

    request = RequestFactory().get("/admin/", HTTP_COOKIE="sessionid=abc")
    request.resolver_match = ResolverMatch(view, (), {})
    response = ReplicaReadMiddleware(lambda r: HttpResponse()).process_exception(
        request, OperationalError("down")
    )
    assert response.status_code == 503
