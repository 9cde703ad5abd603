"""The fragment endpoint that Varnish's ESI includes ask (/_fragment/<name>/)."""

from django.urls import path

from . import views

app_name = "caching"

urlpatterns = [
    path("_fragment/<slug:name>/", views.fragment, name="fragment"),
]
