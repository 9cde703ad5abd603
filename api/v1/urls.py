"""/api/v1/: the project's own read API and its OpenAPI schema."""

from django.urls import path
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.views import SpectacularAPIView

from . import views

app_name = "api-v1"


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema of /api/v1/, as JSON."""

    authentication_classes = ()
    permission_classes = ()
    renderer_classes = (OpenApiJsonRenderer,)
    # Built from the code: the same for everyone until the next deploy.
    cache_params = ()


urlpatterns = [
    path("stories/", views.StoryList.as_view(), name="stories"),
    path("stories/<int:pk>/", views.StoryDetail.as_view(), name="story"),
    path("sections/", views.SectionList.as_view(), name="sections"),
    path("tags/", views.TagList.as_view(), name="tags"),
    path("authors/", views.AuthorList.as_view(), name="authors"),
    path("images/<int:pk>/", views.ImageDetail.as_view(), name="image"),
    path("schema/", SchemaView.as_view(api_version="1"), name="schema"),
]
