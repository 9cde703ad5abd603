"""Public pages of the newsletter: sign-up, confirmation, preferences, unsubscribe, the
provider's bounce/complaint webhook."""

import hashlib
import hmac
import json

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from articles import cache_keys
from caching import keys

from . import services, tokens
from .forms import PreferencesForm, SignupForm

# Sign-up and the signed-link pages carry no session and set no cookie: a forged
# sign-up only sends a confirmation the owner ignores (double opt-in), and the
# other pages are reached by a signed link only its owner has.


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    """The sign-up form (cacheable); a POST records it and sends the confirmation link."""
    keys.record(cache_keys.SECTIONS)
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.subscribe(
                data["email"],
                daily=data["daily"],
                weekly=data["weekly"],
                alerts=data["alerts"],
                sections=data["sections"],
                source=data["source"] or request.path,
            )
            response = render(request, "newsletters/signup_sent.html", {"email": data["email"]})
        else:
            response = render(request, "newsletters/signup.html", {"form": form}, status=400)
        response["Cache-Control"] = "no-store"
        return response
    form = SignupForm(initial={"source": request.GET.get("from", "")[:200]})
    return render(request, "newsletters/signup.html", {"form": form})


def _gone(request):
    response = render(request, "newsletters/link_invalid.html", status=404)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@csrf_exempt
def confirm(request, token):
    """The double opt-in link: a GET shows a button (scanners follow links); a POST confirms."""
    subscriber = tokens.read(token, tokens.CONFIRM)
    if subscriber is None:
        return _gone(request)
    if request.method == "POST":
        services.confirm(subscriber)
        manage = tokens.make(subscriber, tokens.MANAGE)
        return render(request, "newsletters/confirmed.html", {"token": manage})
    return render(request, "newsletters/confirm.html", {"subscriber": subscriber})


@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token):
    subscriber = tokens.read(token, tokens.MANAGE)
    if subscriber is None:
        return _gone(request)
    saved = False
    if request.method == "POST" and request.POST.get("action") == "delete":
        services.forget(subscriber)
        return render(request, "newsletters/deleted.html")
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.update_preferences(
                subscriber,
                daily=data["daily"],
                weekly=data["weekly"],
                alerts=data["alerts"],
                sections=data["sections"],
            )
            if request.POST.get("action") == "resubscribe":
                services.confirm(subscriber)
            saved = True
    else:
        form = PreferencesForm(
            initial={
                "daily": subscriber.daily,
                "weekly": subscriber.weekly,
                "alerts": subscriber.alerts,
                "sections": list(subscriber.sections.all()),
            }
        )
    subscriber.refresh_from_db()
    context = {"form": form, "subscriber": subscriber, "token": token, "saved": saved}
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "newsletters/preferences.html", context, status=status)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """RFC 8058 one-click: a POST unsubscribes at once; a GET shows the button."""
    subscriber = tokens.read(token, tokens.MANAGE)
    if subscriber is None:
        return _gone(request)
    if request.method == "POST":
        services.unsubscribe(subscriber)
        return render(request, "newsletters/unsubscribed.html", {"token": token})
    return render(request, "newsletters/unsubscribe.html", {"token": token})


@csrf_exempt
@never_cache
@require_POST
def webhook(request):
    """Bounces and complaints from the mail provider, signed with NEWSLETTER_WEBHOOK_SECRET.

    Body: {"events": [{"type": "bounce"|"complaint", "email": "...", "hard": true}, ...]};
    header X-Newsletter-Signature: sha256=<hex HMAC-SHA256 of the body>.
    """
    secret = settings.NEWSLETTER_WEBHOOK_SECRET
    if not secret:
        return JsonResponse({"error": "NEWSLETTER_WEBHOOK_SECRET is not set."}, status=503)
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    given = request.headers.get("X-Newsletter-Signature", "")
    if not hmac.compare_digest(expected, given):
        return JsonResponse({"error": "Bad or missing X-Newsletter-Signature."}, status=403)
    try:
        events = json.loads(request.body)["events"]
        parsed = [
            (str(e["type"]), str(e["email"]), bool(e.get("hard", True)))
            for e in events
            if isinstance(e, dict)
        ]
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {"error": 'Send {"events": [{"type": "bounce", "email": "...", "hard": true}]}.'},
            status=400,
        )
    results = [
        {"email": email, "status": services.record_event(kind, email, hard=hard)}
        for kind, email, hard in parsed
    ]
    return JsonResponse({"handled": results})
