"""Crafted requests for unpublished work are refused; no secrets in the repository."""

import re
import subprocess

import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles import preview
from tests.conftest import PROJECT_DIR
from tests.factories import ArticleFactory, AuthorFactory, StaffUserFactory


def test_a_preview_token_signed_with_another_key_is_refused(db, client):
    article = ArticleFactory(draft=True)
    forged = signing.dumps({"article": article.pk}, key="guessed-secret", salt="articles.preview")
    response = client.get(article.get_absolute_url(), {"preview": forged})
    assert response.status_code == 404
    assert article.title.encode() not in response.content


def test_a_preview_token_with_the_article_id_edited_is_refused(db, client):
    mine, theirs = ArticleFactory(draft=True), ArticleFactory(draft=True)
    token = preview.make_token(mine)
    payload, rest = token.split(":", 1)
    edited = signing.b64_encode(
        signing.b64_decode(payload.encode()).replace(str(mine.pk).encode(), str(theirs.pk).encode())
    ).decode()
    assert client.get(theirs.get_absolute_url(), {"preview": f"{edited}:{rest}"}).status_code == 404


def test_an_expired_preview_link_is_refused_and_not_cached(db, client, settings):
    settings.ARTICLE_PREVIEW_MAX_AGE = 60
    article = ArticleFactory(draft=True)
    url = preview.preview_url(article)
    assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2), tick=False):
        assert client.get(url).status_code == 404


def test_a_contributor_cannot_open_another_writers_draft(db, client):
    contributor = StaffUserFactory(role="Contributor")
    draft = ArticleFactory(draft=True)
    client.force_login(contributor)
    assert client.get(draft.get_absolute_url()).status_code == 404
    change = client.get(reverse("admin:articles_article_change", args=[draft.pk]))
    assert change.status_code in (302, 403, 404)


def test_a_contributor_opens_their_own_draft(db, client):
    contributor = StaffUserFactory(role="Contributor")
    draft = ArticleFactory(draft=True, authors=[AuthorFactory(user=contributor)])
    client.force_login(contributor)
    assert client.get(draft.get_absolute_url()).status_code == 200


SECRET_PATTERNS = [
    re.compile(r"-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),  # AWS access key id
    re.compile(r"xox[baprs]-[0-9A-Za-z-]{10,}"),  # Slack
    re.compile(r"gh[pousr]_[0-9A-Za-z]{36}"),  # GitHub
    re.compile(r"\b\d{8,10}:AA[0-9A-Za-z_-]{33}\b"),  # Telegram bot token
]


def test_no_secrets_are_committed():
    files = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for name in files:
        path = PROJECT_DIR / name
        if name.startswith("tests/") or not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_text(errors="ignore")
        found += [f"{name}: {p.pattern}" for p in SECRET_PATTERNS if p.search(text)]
    assert found == []
    assert not any(n.endswith((".env", ".pem", ".key")) for n in files)
