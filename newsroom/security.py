"""HTTP-level protections: the content security policy and companion headers,
throttling of public endpoints that cost work, the client address they key on,
login lockout outside HTTP, idle expiry of staff sessions, and the end of a
user's sessions when they lose a role or are deactivated.
"""

import hashlib
import logging
import math
import re
import threading
import time
from functools import lru_cache
from importlib import import_module
from urllib.parse import urlsplit

from axes.backends import AxesStandaloneBackend
from csp import constants as csp_constants
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy, default_config
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from articles.preview import PREVIEW_PARAM
from caching.addresses import reverse_once

logger = logging.getLogger(__name__)


# -- the client's address --------------------------------------------------------


def client_ip(request):
    """The address of the client, as far as it can be trusted.

    X-Forwarded-For is written by whoever sends the request, so it is read only
    when TRUSTED_PROXY_COUNT says how many proxies of ours stand in front of
    the application: each appends the address it received from, so the client
    is that many entries from the right. Anything further left may be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        # A request that bypassed the proxies (or a misconfigured count).
        return forwarded[0] if forwarded else remote
    return forwarded[-proxies]


# -- login lockout ---------------------------------------------------------------


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come through HTTP.

    Axes refuses `authenticate()` calls without a request; management commands
    and the shell have no client address to lock out and must keep working.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


# -- content security policy -------------------------------------------------------


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware choosing the admin's policy under /admin/, plus
    Permissions-Policy and the reporting endpoint.

    It sits inside the page cache, so a cached page is stored together with the
    header its script tags' nonce was written for; a hit replays both. A nonce
    is then shared by every reader of that one cached copy, which does not
    weaken it: a cached page's content is fixed, and an injected script can
    only arrive with a change of content or of address, which is a new
    rendering with a new nonce. Public pages have no inline script at all, so
    the nonce on site.js only restates 'self'.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if parts.config is None and request.path.startswith(_admin_prefix()):
            name = "ADMIN_CONTENT_SECURITY_POLICY" + ("_REPORT_ONLY" if report_only else "")
            admin_policy = getattr(settings, name, None)
            if admin_policy:
                return PolicyParts(
                    default_config(admin_policy["DIRECTIVES"]),
                    parts.update,
                    parts.replace,
                    parts.nonce,
                )
        return parts

    def process_response(self, request, response):
        if self._site_policy_applies(request, response):
            self._set_site_policy(request, response)
        else:
            response = super().process_response(request, response)
        permissions = getattr(settings, "PERMISSIONS_POLICY", "")
        if permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions
        endpoint = getattr(settings, "SECURITY_REPORT_URI", "")
        if endpoint and "Reporting-Endpoints" not in response:
            response["Reporting-Endpoints"] = f'csp-endpoint="{endpoint}"'
        return response

    # What a view or decorator may set on its response to change or drop the policy.
    _OVERRIDES = tuple(
        f"_csp_{what}{ro}"
        for what in ("config", "update", "replace", "exempt")
        for ro in ("", "_ro")
    )

    def _site_policy_applies(self, request, response):
        """True for the common case: a public response with the site's own policy,
        unchanged by its view (django-csp then builds the same header every time)."""
        if response.status_code in (500, 404) and settings.DEBUG:
            return False
        if request.path.startswith(_admin_prefix()):
            return False
        return not any(hasattr(response, name) for name in self._OVERRIDES)

    def _set_site_policy(self, request, response):
        """django-csp's process_response for that case, with the headers built once per
        process (with a stand-in for the nonce, which each response gets its own of)."""
        nonce = getattr(request, "_csp_nonce", None)
        headers = ((csp_constants.HEADER, False), (csp_constants.HEADER_REPORT_ONLY, True))
        for header, report_only in headers:
            policy, excluded = _site_policy(report_only, nonce is not None)
            if policy and header not in response and not request.path_info.startswith(excluded):
                response[header] = policy.replace(_NONCE_STAND_IN, nonce) if nonce else policy
        if nonce is None:
            # As django-csp: a nonce asked for after the header is written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)


# Not a value base64 can produce, so found only where the nonce goes.
_NONCE_STAND_IN = "*nonce*"
_site_policies = {}


def _site_policy(report_only, with_nonce):
    """(header value, excluded path prefixes) of the site's policy, built once."""
    key = (report_only, with_nonce)
    if key not in _site_policies:
        name = "CONTENT_SECURITY_POLICY" + ("_REPORT_ONLY" if report_only else "")
        excluded = tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
        nonce = _NONCE_STAND_IN if with_nonce else None
        _site_policies[key] = (build_policy(nonce=nonce, report_only=report_only), excluded)
    return _site_policies[key]


@receiver(setting_changed)
def _policy_settings_changed(**kwargs):
    _site_policies.clear()


@lru_cache(maxsize=1)
def _admin_prefix():
    return reverse("admin:index")


# -- throttling ------------------------------------------------------------------

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@lru_cache(maxsize=32)
def parse_rate(rate):
    """'30/60' (30 requests per 60 seconds), '30/1m', '5/1h' -> (limit, seconds); '' -> None."""
    if not rate or rate.strip().lower() in {"0", "off", "none"}:
        return None
    match = _RATE.match(rate)
    if not match or int(match[2]) == 0:
        raise ImproperlyConfigured(
            f"Invalid throttle rate {rate!r}: write REQUESTS/SECONDS, e.g. '30/60' or '5/1h'"
        )
    return int(match[1]), int(match[2]) * _UNITS[match[3]]


def throttle_rule(request):
    """The name of the THROTTLE_RATES entry that governs `request`, or None."""
    path = request.path
    if PREVIEW_PARAM in request.GET:
        return "preview"
    if path == reverse_once("articles:search"):
        return "search"
    if path.endswith(("/feed/", "/feed/atom/")) or "/feed/" in path:
        return "feed"
    if request.method == "POST" and path == reverse_once("admin_password_reset"):
        return "password-reset"
    if request.method == "POST" and path == reverse_once("admin:login"):
        return "login"
    if request.method == "POST" and path == reverse_once("newsletters:signup"):
        return "newsletter"
    if request.method in ("GET", "HEAD") and not path.startswith(_admin_prefix()):
        # Any other public page that is being rendered (the page cache answered
        # no hit): an address cannot make the server render without bound.
        return "render"
    return None


class ThrottleMiddleware:
    """Fixed-window request limits per client address on endpoints that cost work.

    It stands inside the page cache: what the cache answers is never counted
    nor refused, so feed readers and crawlers behind one address get every
    cached page; only renderings count.

    Counters live in the default cache; when it fails, requests pass (a dead
    Redis must not take the site down with it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # For views that keep limits of their own (the read beacon, readership/buffer.py).
        request.client_address = client_ip(request)
        if getattr(settings, "THROTTLE_ENABLED", True):
            rule = throttle_rule(request)
            rate = parse_rate(settings.THROTTLE_RATES.get(rule, "")) if rule else None
            if rate is not None:
                retry_after = self._hit(rule, client_ip(request), *rate)
                if retry_after:
                    return too_many_requests(retry_after)
        return self.get_response(request)

    def _hit(self, rule, address, limit, window):
        """Count one request; the seconds until the window ends when over the limit, else 0."""
        now = time.time()
        start = int(now // window) * window
        # Hashed: the key must not carry arbitrary header text into the cache.
        who = hashlib.sha256(address.encode()).hexdigest()[:32]
        key = f"throttle:{rule}:{who}:{start}"
        count = _counts.add(key, limit, window, now)
        if count <= limit:
            return 0
        return max(1, math.ceil(start + window - now))


class _Counts:
    """The throttle's counters: shared in the cache, added to in batches.

    Each process counts in its own memory and adds its count to the shared one
    (one increment) once it has counted a twentieth of the limit, or a second
    after its last addition: a limit of a few requests is counted in the cache
    at every request, while an address asking hundreds of pages a minute costs
    a round trip every few dozen renderings, not one each. Every process
    decides on the shared count it last read plus what it has counted since, so
    the limit holds across processes and hosts to within a twentieth of it per
    process. When the cache fails, requests pass (a dead Redis must not take
    the site down with it).
    """

    SHARE = 20
    FLUSH_SECONDS = 1.0
    MAX_WINDOWS = 10_000

    def __init__(self):
        self._lock = threading.Lock()
        # key: [shared count last read, counted here since, monotonic time of that read]
        self._windows = {}

    def clear(self):
        with self._lock:
            self._windows.clear()

    def add(self, key, limit, window, now):
        """Count one request under `key`; the count the decision is made on."""
        batch = max(1, limit // self.SHARE)
        tick = time.monotonic()
        with self._lock:
            counted = self._windows.get(key)
            if counted is None:
                if len(self._windows) >= self.MAX_WINDOWS:
                    self._forget_ended(now)
                counted = self._windows[key] = [0, 0, tick]
            counted[1] += 1
            if counted[1] < batch and tick - counted[2] < self.FLUSH_SECONDS:
                return counted[0] + counted[1]
            pending, counted[1] = counted[1], 0
        try:
            shared = self._increment(key, pending, window)
        except Exception:
            logger.warning(
                "throttle counter unavailable; letting the request through", exc_info=True
            )
            return 0
        with self._lock:
            counted[0], counted[2] = shared, tick
            return shared + counted[1]

    @staticmethod
    def _increment(key, delta, window):
        # The window's counter exists but for its first addition: one round trip
        # (an increment) for every other one.
        try:
            return cache.incr(key, delta)
        except ValueError:
            if cache.add(key, delta, timeout=window + 1):
                return delta
            return cache.incr(key, delta)

    def _forget_ended(self, now):
        # Keys end with their window's start; any window ends within a day.
        for key in list(self._windows):
            if int(key.rsplit(":", 1)[1]) < now - 86_400:
                del self._windows[key]
        if len(self._windows) >= self.MAX_WINDOWS:
            self._windows.clear()


_counts = _Counts()


def forget_local_counts():
    """Drop this process's throttle counts (after the cache was emptied behind its back)."""
    _counts.clear()


def too_many_requests(retry_after):
    response = HttpResponse(
        f"Too many requests from your address. Try again in {retry_after} seconds.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response


# -- staff sessions ----------------------------------------------------------------

LAST_ACTIVITY_KEY = "_staff_last_activity"
# Writing the session on every request costs a write each; once a minute is enough.
ACTIVITY_RESOLUTION = 60


class StaffSessionTimeoutMiddleware:
    """Ends a staff member's session after STAFF_SESSION_IDLE_TIMEOUT seconds without a request.

    Readers have no sessions; staff keep theirs up to SESSION_COOKIE_AGE only
    while they use it, so a laptop left open in a café does not stay signed in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = getattr(settings, "STAFF_SESSION_IDLE_TIMEOUT", 0)
        # Without a session cookie nobody is signed in: the user is not even loaded.
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
        user = getattr(request, "user", None) if signed_in else None
        if timeout and user is not None and user.is_authenticated and user.is_staff:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if isinstance(last, int) and now - last > timeout:
                auth.logout(request)
                if request.path.startswith(_admin_prefix()):
                    login = reverse("admin:login")
                    return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            elif not isinstance(last, int) or now - last >= ACTIVITY_RESOLUTION:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


def end_sessions(user_pks):
    """Delete every session signed in as one of `user_pks`; how many were deleted.

    Sessions are stored in the database (SESSION_ENGINE db or cached_db), which has
    no index by user: the live sessions are read and decoded. Only staff have
    sessions (readers never sign in) and this runs when a user loses a role or is
    deactivated, so the scan is short and rare. Deleting through the session
    store also drops cached_db's cached copy.
    """
    wanted = {str(pk) for pk in user_pks}
    if not wanted:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        logger.error(
            "sessions of users %s cannot be ended: SESSION_ENGINE %s is not stored in the database",
            sorted(wanted),
            settings.SESSION_ENGINE,
        )
        return 0
    decoder = store()
    ended = 0
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for key, data in live.values_list("session_key", "session_data").iterator():
        if decoder.decode(data).get(SESSION_KEY) in wanted:
            store(session_key=key).delete()
            ended += 1
    if ended:
        logger.info("ended %d session(s) of user(s) %s", ended, sorted(wanted))
    return ended


def end_sessions_on_group_removal(sender, instance, action, reverse, pk_set, **kwargs):
    """m2m_changed of User.groups: a user who loses a group loses their sessions."""
    if action == "pre_clear":
        # Who is about to lose a group: clear() does not say afterwards.
        if reverse:
            instance._losing_group = list(instance.user_set.values_list("pk", flat=True))
        else:
            instance._losing_group = [instance.pk] if instance.groups.exists() else []
    elif action == "post_clear":
        end_sessions(instance.__dict__.pop("_losing_group", []))
    elif action == "post_remove" and pk_set:
        end_sessions(pk_set if reverse else [instance.pk])


def end_sessions_on_deactivation(sender, instance, created, update_fields=None, **kwargs):
    """post_save of User: a deactivated user's sessions end at once."""
    if created or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    end_sessions([instance.pk])


# -- password reset -----------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """The admin's "forgotten your password?", answering the same whether or not
    the address belongs to an account (Django's form sends nothing for an
    unknown one), with links built from SITE_URL rather than the request's Host
    header, which a client chooses."""

    def form_valid(self, form):
        site = urlsplit(settings.SITE_URL)
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            html_email_template_name=self.html_email_template_name,
            extra_email_context={"site_name": settings.SITE_NAME},
        )
        return HttpResponseRedirect(self.get_success_url())
