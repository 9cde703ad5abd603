"""/healthz: the status of the database, the cache and the task broker.

Answers 200 when every component is fine and 503 otherwise. Anyone gets only
{"status": "ok"} or {"status": "failing"}; which components fail, and how (the
names of backends, error messages that may carry host names), only staff signed
in or a monitor sending `Authorization: Bearer <HEALTH_TOKEN>`. Cache and broker
are probed in threads under one deadline, so a Redis that is down or hanging
costs at most HEALTH_TIMEOUT, never a hung probe.
"""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from backups import status as backup_status

HEALTH_TIMEOUT = 0.8  # seconds, for the whole of the cache and broker probes

# Threads are reused between requests; a probe stuck on a dead socket holds
# one until its socket timeout, not forever.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def check_cache():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "1":
        return False, "a value written to the cache could not be read back"
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return True, backend


def check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "no broker: tasks run in-process"
    from newsroom.celery import app

    # The URL is read at call time, so a test (or a changed setting) is honoured.
    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=HEALTH_TIMEOUT
        )
        # Opening a channel proves the transport answers, not only the socket.
        conn.default_channel  # noqa: B018
    return True, conn.transport.driver_type


def publishing_component():
    """Live articles past their time whose go-live side effects have not run: a stopped worker."""
    from articles.models import Article

    try:
        overdue = Article.objects.side_effects_overdue().count()
    except Exception as exc:
        return {"status": "error", "detail": f"{type(exc).__name__}: {exc}"[:300]}
    if overdue:
        return {
            "status": "error",
            "overdue": overdue,
            "detail": f"{overdue} live article(s) past their time without their go-live side "
            "effects (sharing, pings): is a Celery worker with beat running?",
        }
    return {"status": "ok", "overdue": 0, "detail": "no go-live side effects overdue"}


def _run(check):
    try:
        ok, detail = check()
    except Exception as exc:  # every failure is a status to report, not a 500
        return {"status": "error", "detail": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": "ok" if ok else "error", "detail": detail}


def may_see_details(request):
    """Staff signed in, or the bearer of HEALTH_TOKEN (never while it is unset)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        return True
    token = getattr(settings, "HEALTH_TOKEN", "")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and constant_time_compare(given, token)


@never_cache
@require_safe
def healthz(request):
    started = time.monotonic()
    futures = {
        "cache": _executor.submit(_run, check_cache),
        "broker": _executor.submit(_run, check_broker),
    }
    components = {"database": _run(check_database)}
    components["publishing"] = publishing_component()
    components["backup"] = backup_status.health_component()
    for name, future in futures.items():
        remaining = max(0.0, HEALTH_TIMEOUT - (time.monotonic() - started))
        try:
            components[name] = future.result(timeout=remaining)
        except FutureTimeout:
            components[name] = {"status": "error", "detail": f"no answer within {HEALTH_TIMEOUT}s"}
    failing = sorted(name for name, c in components.items() if c["status"] != "ok")
    body = {"status": "ok" if not failing else "failing"}
    if may_see_details(request):
        body.update(
            failing=failing,
            components=components,
            elapsed_ms=round((time.monotonic() - started) * 1000, 1),
        )
    return JsonResponse(body, status=200 if not failing else 503)


@never_cache
@require_safe
def live(request):
    """Liveness for load balancers and Varnish probes: this process answers requests.

    Deliberately checks nothing else: a database or Redis outage must not take every
    web host out of rotation at once (pages are still served from caches and replicas).
    """
    return HttpResponse("ok\n", content_type="text/plain")
