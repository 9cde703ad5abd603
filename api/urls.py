"""The read APIs: WordPress's at /wp-json/, the project's own at /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("wp-json/", include("api.wp.urls")),
    path("api/v1/", include("api.v1.urls")),
]
