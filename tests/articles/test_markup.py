"""Public pages are well-formed HTML5 with the landmarks and labels readers rely on."""

import html5lib
import pytest
from django.utils import timezone

from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BreakingNewsFactory,
    CategoryFactory,
    CorrectionFactory,
)

NS = {"h": "http://www.w3.org/1999/xhtml"}


@pytest.fixture
def pages(db):
    category = CategoryFactory(name="Artsakh", slug="artsakh")
    author = AuthorFactory(name="MassisPost", slug="massispost", bio="News & views.")
    article = ArticleFactory(
        title="Talks & “reintegration”",
        category=category,
        authors=[author],
        tags=["Lachin corridor", "Արցախ"],
        dateline="STEPANAKERT",
        body="<h2>Sub</h2><p>Text with <a href='https://example.com'>a link</a>.</p>"
        "<blockquote><p>Quote</p></blockquote><ul><li>One</li></ul>",
    )
    CorrectionFactory(article=article)
    ArticleFactory(category=category, tags=["Lachin corridor"])
    BreakingNewsFactory()
    when = article.local_publish_at
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "category": category.get_absolute_url(),
        "tag": "/tag/lachin-corridor/",
        "author": author.get_absolute_url(),
        "year": f"/{when:%Y}/",
        "month": f"/{when:%Y/%m}/",
        "search": "/search/?q=talks",
        "empty search": "/search/",
        "not found": "/no/such/page/",
    }


def parse(content):
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    return parser.parse(content)  # raises ParseError on any HTML5 parse error


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "article",
        "category",
        "tag",
        "author",
        "year",
        "month",
        "search",
        "empty search",
        "not found",
    ],
)
def test_public_page_is_valid_accessible_html5(pages, client, name):
    response = client.get(pages[name])
    assert response.status_code == (404 if name == "not found" else 200)
    assert response.content.startswith(b"<!DOCTYPE html>")
    doc = parse(response.content)
    root = doc.getroot() if hasattr(doc, "getroot") else doc
    assert root.get("lang")
    assert len(root.findall(".//h:h1", NS)) == 1, "exactly one h1"
    assert root.findall(".//h:header", NS) and root.findall(".//h:footer", NS)
    mains = root.findall(".//h:main", NS)
    assert len(mains) == 1 and mains[0].get("id") == "content"
    skip = root.find(".//h:a[@class='skip-link']", NS)
    assert skip is not None and skip.get("href") == "#content"
    for img in root.findall(".//h:img", NS):
        assert img.get("alt") is not None, "every image has an alt attribute"
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)), "ids are unique"
    for label in root.findall(".//h:label", NS):
        assert root.find(f".//*[@id='{label.get('for')}']") is not None


def test_markup_holds_with_a_scheduled_article_in_the_past_month(db, client):
    ArticleFactory(publish_at=timezone.now() - timezone.timedelta(days=40))
    parse(client.get("/").content)
