"""The newsroom app: the project's own management commands (seed_demo, ensure_admin),
and the signals that end a user's sessions when they lose a role or are deactivated."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from newsroom.security import end_sessions_on_deactivation, end_sessions_on_group_removal

        user = get_user_model()
        m2m_changed.connect(
            end_sessions_on_group_removal,
            sender=user.groups.through,
            dispatch_uid="newsroom.end_sessions_on_group_removal",
        )
        post_save.connect(
            end_sessions_on_deactivation,
            sender=user,
            dispatch_uid="newsroom.end_sessions_on_deactivation",
        )
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from newsroom.twofactor import forget_devices

        for device in (TOTPDevice, StaticDevice):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_devices,
                    sender=device,
                    dispatch_uid=f"newsroom.forget_devices.{device.__name__}.{id(signal)}",
                )


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with newsroom.admin_site.NewsroomAdminSite as `admin.site`."""

    default = False  # NewsroomConfig stays this module's default

    default_site = "newsroom.admin_site.NewsroomAdminSite"
