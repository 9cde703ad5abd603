from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from . import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("category/", include("categories.urls")),
    path("author/", include("authors.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    # Uploaded media in development; production serves MEDIA_ROOT from the
    # web server or object storage (see README).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

if settings.BENCH_FLOOR_VIEW:
    # The benchmark's floor: the cheapest answer this server can give (no
    # database, no template), through the same middleware as every page.
    from django.http import HttpResponse

    def bench_floor(request):
        return HttpResponse(b"ok", content_type="text/plain")

    urlpatterns += [path("bench/floor", bench_floor)]
