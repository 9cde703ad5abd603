"""Public addresses of author pages."""

from django.urls import re_path

from . import views

app_name = "authors"

urlpatterns = [
    re_path(r"^(?P<slug>[-\w]+)/$", views.AuthorDetailView.as_view(), name="detail"),
]
