"""The project's URLconf: the apps' public pages, the admin, health checks."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path, reverse_lazy
from django.views.generic import RedirectView

from articles import sitemaps
from articles.editions import edition_patterns
from caching.addresses import remembering

from . import health, security

# An unreachable database answers 503 with a page that says so (newsroom/db_router.py).
handler500 = "newsroom.db_router.server_error"

urlpatterns = [
    # Before the admin's own URLs, whose catch-all would answer these paths.
    path("admin/2fa/", include("newsroom.twofactor")),
    path(
        "admin/password_reset/",
        security.PasswordResetView.as_view(extra_context={"site_header": admin.site.site_header}),
        name="admin_password_reset",
    ),
    path(
        "admin/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "admin/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    # A migrated WordPress newsroom's habits: its dashboard and login lead to the admin.
    re_path(r"^wp-admin(?:/.*)?$", RedirectView.as_view(url=reverse_lazy("admin:index"))),
    path("wp-login.php", RedirectView.as_view(url=reverse_lazy("admin:login"))),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.live, name="healthz-live"),
    path("", include("readership.urls")),
    # The site's, once: it names every edition's sitemaps.
    path("robots.txt", sitemaps.robots_txt, name="robots"),
]
# The public pages of each edition: the default edition's unprefixed, the others'
# under /<code>/ (/hy/2026/12/<slug>/, /hy/feed/), or unprefixed on their own host.
urlpatterns += edition_patterns(
    path("", include("caching.urls")),
    path("category/", include("categories.urls")),
    path("author/", include("authors.urls")),
    # Sign-up and preferences in the reader's edition's language (/hy/newsletter/).
    path("newsletter/", include("newsletters.urls")),
    path("", include("articles.urls")),
)
# Read APIs: /wp-json/ (WordPress's) and /api/v1/ (the project's own).
urlpatterns += [path("", include("api.urls"))]

if settings.DEBUG:
    # Uploaded media in development; production serves MEDIA_ROOT from the
    # web server or object storage (see README).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# What each path resolved to is remembered per process (caching.addresses).
urlpatterns = remembering(urlpatterns)
