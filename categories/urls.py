"""Public addresses of category pages."""

from django.urls import re_path

from . import views

app_name = "categories"

urlpatterns = [
    re_path(r"^(?P<slug>[-\w]+)/$", views.CategoryDetailView.as_view(), name="detail"),
]
