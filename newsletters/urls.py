from django.urls import path

from . import views

app_name = "newsletters"

urlpatterns = [
    path("", views.signup, name="signup"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhook/", views.webhook, name="webhook"),
]
