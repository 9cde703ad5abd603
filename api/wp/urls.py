"""/wp-json/: WordPress's REST API addresses (read-only)."""

from django.urls import path, re_path

from . import views

app_name = "wp"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("wp/v2", views.NamespaceView.as_view(), name="namespace"),
    path("wp/v2/", views.NamespaceView.as_view()),
]
for _name, (_collection, _single) in views.ROUTES.items():
    urlpatterns.append(path(f"wp/v2/{_name}", _collection.as_view(), name=_name))
    urlpatterns.append(path(f"wp/v2/{_name}/", _collection.as_view()))
    if _single is not None:
        urlpatterns.append(
            path(f"wp/v2/{_name}/<int:id>", _single.as_view(), name=f"{_name}-detail")
        )
        urlpatterns.append(path(f"wp/v2/{_name}/<int:id>/", _single.as_view()))
urlpatterns.append(re_path(r"^(?P<rest>.*)$", views.NoRouteView.as_view(), name="no-route"))
