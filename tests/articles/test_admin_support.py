"""Helpers for driving the article admin over HTTP (no tests here)."""

import lxml.html
from django.urls import reverse

from tests.factories import StaffUserFactory

ADD_URL = "admin:articles_article_add"


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def form_data(client, url):
    """The admin form on `url` as the browser would submit it untouched."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    doc = lxml.html.fromstring(response.content)
    form = doc.get_element_by_id("article_form")
    data = {}
    for name, value in form.form_values():
        data.setdefault(name, value)
    return data


def login(client, role=None, **kwargs):
    user = StaffUserFactory(role=role, **kwargs)
    client.force_login(user)
    return user


def error_text(response):
    """The form's errors as text, for assertions."""
    context = response.context
    errors = []
    if context and "adminform" in context:
        form = context["adminform"].form
        errors += [str(e) for e in form.non_field_errors()]
        errors += [f"{k}: {v}" for k, v in form.errors.items() if k != "__all__"]
    return " ".join(errors)
