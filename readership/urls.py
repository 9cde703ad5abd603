from django.urls import path

from . import views

app_name = "readership"

urlpatterns = [
    path("_read/", views.beacon, name="beacon"),
]
