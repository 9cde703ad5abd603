"""Content security policy and companion headers on public and admin pages."""

import re

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, StaffUserFactory

NONCE_IN_HEADER = re.compile(r"script-src [^;]*'nonce-([^']+)'")
NONCE_IN_PAGE = re.compile(rb'<script[^>]*\snonce="([^"]+)"')


def header_nonce(response):
    match = NONCE_IN_HEADER.search(response["Content-Security-Policy"])
    assert match, response["Content-Security-Policy"]
    return match[1]


def page_nonces(response):
    return {n.decode() for n in NONCE_IN_PAGE.findall(response.content)}


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_public_page_scripts_carry_the_nonce_of_its_policy_on_a_miss_and_a_hit(db, client):
    ArticleFactory()
    miss = client.get("/")
    hit = client.get("/")
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert page_nonces(miss) == {header_nonce(miss)}
    assert page_nonces(hit) == {header_nonce(hit)}


def test_a_new_rendering_gets_a_new_nonce(db, client, settings):
    settings.PAGE_CACHE_ENABLED = False
    first, second = client.get("/"), client.get("/")
    assert header_nonce(first) != header_nonce(second)


def test_public_policy_allows_only_own_scripts_and_no_inline_code(db, client):
    policy = directives(client.get(ArticleFactory().get_absolute_url()))
    assert policy["script-src"][0] == "'self'"
    assert not any("unsafe" in source for source in policy["script-src"] + policy["style-src"])
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]


def test_public_pages_have_no_inline_scripts(db, client):
    content = client.get(ArticleFactory().get_absolute_url()).content.decode()
    for tag in re.findall(r"<script[^>]*>", content):
        # Data blocks (JSON-LD) never run; everything else is a file of ours.
        assert "src=" in tag or "application/ld+json" in tag or "application/json" in tag


def test_feeds_and_404s_get_a_policy_too(db, client):
    assert "default-src 'self'" in client.get("/feed/")["Content-Security-Policy"]
    assert "default-src 'self'" in client.get("/no-such-page/")["Content-Security-Policy"]


def test_admin_gets_the_admin_policy_with_what_the_editor_needs(db, client):
    client.force_login(StaffUserFactory(role="Editor"))
    response = client.get(reverse("admin:articles_article_add"))
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert "blob:" in policy["img-src"]


def test_admin_inline_scripts_carry_the_nonce(db, client):
    client.force_login(StaffUserFactory(role="Editor"))
    response = client.get(reverse("admin:articles_article_add"))
    for tag in re.findall(r"<script[^>]*>", response.content.decode()):
        if "src=" in tag or "application/json" in tag:
            continue
        assert f'nonce="{header_nonce(response)}"' in tag


@pytest.mark.parametrize("path", ["/", "/admin/login/"])
def test_companion_headers(db, client, path):
    response = client.get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_reporting_endpoint_is_announced_when_configured(db, client, settings):
    settings.SECURITY_REPORT_URI = "https://reports.example/csp"
    response = client.get("/")
    assert response["Reporting-Endpoints"] == 'csp-endpoint="https://reports.example/csp"'


def test_report_uri_and_report_only_come_from_the_environment():
    import subprocess
    import sys

    from tests.conftest import PROJECT_DIR

    code = (
        "from django.conf import settings as s;"
        "p=s.CONTENT_SECURITY_POLICY_REPORT_ONLY['DIRECTIVES'];"
        "print(p['report-uri'], p['report-to'], hasattr(s, 'CONTENT_SECURITY_POLICY'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django;django.setup();{code}"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "CSP_REPORT_URI": "https://reports.example/csp",
            "CSP_REPORT_ONLY": "true",
        },
    )
    assert result.stdout.split() == ["['https://reports.example/csp']", "csp-endpoint", "False"]
