from django.urls import path, re_path

from . import views

app_name = "articles"

# Slugs may be Unicode (an Armenian headline gives an Armenian slug), which
# Django's <slug:> converter refuses; [-\w]+ accepts any letters.
SLUG = r"(?P<slug>[-\w]+)"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    re_path(rf"^tag/{SLUG}/$", views.TagView.as_view(), name="tag"),
    re_path(r"^(?P<year>[0-9]{4})/$", views.ArticleYearArchiveView.as_view(), name="archive-year"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$",
        views.ArticleMonthArchiveView.as_view(),
        name="archive-month",
    ),
    re_path(
        rf"^(?P<year>[0-9]{{4}})/(?P<month>[0-9]{{2}})/{SLUG}/$",
        views.ArticleDetailView.as_view(),
        name="detail",
    ),
    re_path(
        rf"^(?P<year>[0-9]{{4}})/(?P<month>[0-9]{{2}})/(?P<day>[0-9]{{2}})/{SLUG}/$",
        views.day_permalink,
        name="detail-day",
    ),
]
