"""Two-factor authentication for staff: TOTP (an authenticator app) with
single-use recovery codes, on django-otp.

Django's admin login stays the first step. After it, TwoFactorMiddleware keeps
a member of a role that requires a second factor (OTP_REQUIRED_ROLES and
superusers), or anyone who has enrolled a device, out of the admin until this
session is verified: to the verification page when they have a device, to
enrolment when they do not. TWO_FACTOR_REQUIRED=false turns the requirement
off (local development and the test settings) for those who have not enrolled:
a member who set up a device is still asked for a code at every sign-in.
"""

import logging
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger(__name__)

RECOVERY_DEVICE_NAME = "Recovery codes"
TOTP_DEVICE_NAME = "Authenticator app"
# Paths under the admin that a signed-in but unverified member may still use.
EXEMPT_URL_NAMES = {"login", "logout", "jsi18n", "password_change", "password_change_done"}


# Whether a member has a confirmed device, kept in the cache (each device kind costs a
# query, on every admin request); a device saved or deleted forgets it (apps.py).
HAS_DEVICE_KEY = "twofactor:has-device:{}"
HAS_DEVICE_SECONDS = 300


def has_device(user):
    """user_has_device(user), read through the cache (a failing cache costs the queries)."""
    key = HAS_DEVICE_KEY.format(user.pk)
    try:
        known = cache.get(key)
    except Exception:
        return user_has_device(user)
    if known is None:
        known = user_has_device(user)
        try:
            cache.set(key, known, HAS_DEVICE_SECONDS)
        except Exception:
            logger.warning("cache write of a member's two-factor devices failed", exc_info=True)
    return known


def forget_devices(sender, instance, **kwargs):
    """Receiver of a device's save or delete: its member's has_device() is read anew."""
    try:
        cache.delete(HAS_DEVICE_KEY.format(instance.user_id))
    except Exception:
        # The entry lapses by itself within HAS_DEVICE_SECONDS.
        logger.warning("cache delete of a member's two-factor devices failed", exc_info=True)


def two_factor_required(user):
    """True when `user` must pass a second factor before using the admin."""
    if not (user.is_authenticated and user.is_staff):
        return False
    if has_device(user):
        # Someone who set up a second factor is asked for it at every sign-in, even
        # where the requirement is off (make run): turning it on must mean something.
        return True
    if not getattr(settings, "TWO_FACTOR_REQUIRED", True):
        return False
    if user.is_superuser:
        return True
    roles = getattr(settings, "OTP_REQUIRED_ROLES", [])
    return bool(roles) and user.groups.filter(name__in=roles).exists()


def is_verified(user):
    return bool(getattr(user, "is_verified", lambda: False)())


class TwoFactorMiddleware:
    """Sends unverified staff who need a second factor to verification or enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or "admin" not in match.namespaces:
            return None
        if match.url_name in EXEMPT_URL_NAMES:
            return None
        user = request.user
        if is_verified(user) or not two_factor_required(user):
            return None
        target = "twofactor:verify" if has_device(user) else "twofactor:setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


# -- views ----------------------------------------------------------------------


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        # Apps show "123 456"; recovery codes are typed as printed.
        return "".join(self.cleaned_data["token"].split())


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


def _context(request, **extra):
    return {
        **admin.site.each_context(request),
        "next": _next_url(request),
        **extra,
    }


def qr_svg(data):
    """`data` as an inline SVG QR code (no image request, no data: URL for the CSP to allow)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    # Safe: the markup is qrcode's own, drawn from the device's URL, with no user text.
    return mark_safe(svg[svg.index("<svg") :])  # nosec B308  # noqa: S308


def issue_recovery_codes(user, count=None):
    """Replace `user`'s recovery codes with new ones and return them (shown once)."""
    count = count or getattr(settings, "OTP_RECOVERY_CODES", 10)
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrol an authenticator app: scan, confirm with a code, get recovery codes."""
    user = request.user
    if user_has_device(user) and not is_verified(user):
        # A stolen password alone must not be enough to enrol the thief's phone.
        return redirect(f"{reverse('twofactor:verify')}?{urlencode({'next': _next_url(request)})}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = issue_recovery_codes(user)
            otp_login(request, device)
            return TemplateResponse(
                request,
                "admin/otp/recovery_codes.html",
                _context(
                    request, title="Two-factor authentication is on", codes=codes, enrolled=True
                ),
            )
        form.add_error(
            "token",
            "That code is not right. Check the clock of your phone "
            "and enter the code the app shows now.",
        )
    return TemplateResponse(
        request,
        "admin/otp/setup.html",
        _context(
            request,
            title="Set up two-factor authentication",
            form=form,
            qr_code=qr_svg(device.config_url),
            secret=b32encode(device.bin_key).decode(),
            required=two_factor_required(user),
        ),
    )


@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of signing in: a code from the app or a recovery code."""
    user = request.user
    if not user_has_device(user):
        return redirect(f"{reverse('twofactor:setup')}?{urlencode({'next': _next_url(request)})}")
    if is_verified(user):
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. "
                    "Make new ones under Two-factor authentication if you are running low.",
                )
            return redirect(_next_url(request))
        form.add_error(
            "token",
            "That code is not valid. Codes change every 30 seconds; after several wrong "
            "codes you must wait a little longer before each new try.",
        )
    return TemplateResponse(
        request,
        "admin/otp/verify.html",
        _context(request, title="Two-factor authentication", form=form),
    )


@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """How many recovery codes are left, and a fresh set on request."""
    user = request.user
    if not user_has_device(user):
        return redirect("twofactor:setup")
    if not is_verified(user):
        return redirect(f"{reverse('twofactor:verify')}?{urlencode({'next': request.path})}")
    codes = issue_recovery_codes(user) if request.method == "POST" else None
    remaining = sum(
        device.token_set.count()
        for device in devices_for_user(user)
        if isinstance(device, StaticDevice)
    )
    return TemplateResponse(
        request,
        "admin/otp/recovery_codes.html",
        _context(request, title="Recovery codes", codes=codes, remaining=remaining),
    )


app_name = "twofactor"
urlpatterns = [
    path("setup/", admin.site.admin_view(setup), name="setup"),
    path("verify/", admin.site.admin_view(verify), name="verify"),
    path("recovery-codes/", admin.site.admin_view(recovery_codes), name="recovery-codes"),
]


# -- the admin's entry point ------------------------------------------------------


class StaffTOTPDeviceAdmin(admin.ModelAdmin):
    """Every member of staff sees their own authenticator devices here, with the way
    to enrol and to renew recovery codes; a superuser sees everyone's and resets a
    lost phone by deleting the device (its owner enrols again at the next sign-in).
    Keys are never shown or edited here."""

    change_list_template = "admin/otp/totpdevice_change_list.html"
    list_display = ["name", "user", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False  # enrolment proves possession of the phone: twofactor:setup

    def has_change_permission(self, request, obj=None):
        return False


# Replaces django-otp's own registration, which shows secret keys and QR codes
# to anyone holding the model's change permission.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, StaffTOTPDeviceAdmin)
