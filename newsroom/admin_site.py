"""The admin site: Django's, answering 400 to a query string its views cannot use.

Django's admin reads some query parameters without validating them: an add form
takes initial values from the query string (`?category=.` for a foreign key,
`?starts_at=.` for a date and time) and fails while rendering, and a view given
an empty `_to_field` fails looking it up. Each of these is a 500 for what is only
a bad address. For GET and HEAD requests this site renders the page inside the
view, so such a failure is caught, logged as a warning with the request, and
answered with a 400 that says the address is wrong. Requests without a query
string and writes (POST) are not touched: their forms validate what they are sent.
"""

import logging
from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import HttpResponseBadRequest
from django.urls import reverse

logger = logging.getLogger(__name__)

# What Django's admin raises for a value of the query string it cannot use (a string
# where a widget expects a datetime raises AttributeError while rendering; an empty
# `_to_field` FieldDoesNotExist).
BAD_QUERY = (
    ValueError,
    ValidationError,
    OverflowError,
    KeyError,
    AttributeError,
    TypeError,
    FieldDoesNotExist,
)


class NewsroomAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        protected = super().admin_view(view, cacheable)

        @wraps(view)
        def refuse_bad_query(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or not request.GET:
                return protected(request, *args, **kwargs)
            try:
                response = protected(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
            except BAD_QUERY as exc:
                logger.warning(
                    "admin: %s?%s refused: %r",
                    request.path,
                    request.META.get("QUERY_STRING", ""),
                    exc,
                )
                return HttpResponseBadRequest(
                    "This address has a query parameter the page cannot use. "
                    "Open the page without it."
                )
            return response

        return refuse_bad_query

    # -- the newsroom's front page of the admin (desk, branding, app order) --------

    index_template = "admin/newsroom_index.html"

    @property
    def site_header(self):
        return settings.SITE_NAME

    @property
    def site_title(self):
        return settings.SITE_NAME

    @property
    def index_title(self):
        return "Newsroom desk"

    def index(self, request, extra_context=None):
        from articles import desk

        extra_context = extra_context or {}
        if request.user.has_perm("articles.view_article"):
            extra_context["desk"] = desk.desk_for(request.user)
            extra_context["calendar_url"] = reverse(f"{self.name}:articles_article_calendar")
        if request.user.has_perm("backups.view_backuprecord"):
            # Those who look after the site see the age of the last good backup.
            from backups.status import desk_context

            extra_context.update(desk_context(request))
        return super().index(request, extra_context)

    def get_app_list(self, request, app_label=None):
        """The newsroom's apps first; technical ones (logins, two-factor…) to superusers only."""
        apps = super().get_app_list(request, app_label)
        if not request.user.is_superuser:
            apps = [app for app in apps if app["app_label"] not in settings.ADMIN_TECHNICAL_APPS]
        order = {label: n for n, label in enumerate(settings.ADMIN_APP_ORDER)}
        return sorted(apps, key=lambda app: order.get(app["app_label"], len(order)))
