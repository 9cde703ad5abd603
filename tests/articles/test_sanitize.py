"""The body sanitiser keeps what CKEditor 5 produces and nothing that can run or restyle."""

import pytest

from articles.html import clean_html
from tests.factories import ArticleFactory

# Known XSS payloads (OWASP filter-evasion cheat sheet, html5sec.org and friends).
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<img src=`javascript:alert(1)`>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    "<style>body{display:none}</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<div onmouseover="alert(1)">hover</div>',
    '<a href="#" onclick="alert(1)">x</a>',
    "<!--<img src=x onerror=alert(1)>-->",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(1)</script>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<figure class="media"><oembed url="javascript:alert(1)"></oembed></figure>',
    '<figure class="media"><oembed url="https://evil.example/x"></oembed></figure>',
    '<img src="x" srcset="javascript:alert(1) 1x">',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<a href="https://ok.example/" target="_blank" formaction="javascript:alert(1)">x</a>',
]

DANGEROUS = [
    "<script",
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "onfocus",
    "ontoggle",
    "javascript:",
    "vbscript:",
    "data:",
    "<iframe",
    "<object",
    "<embed",
    "<form",
    "<input",
    "<style",
    "style=",
    "<link",
    "<meta",
    "<base",
    "<svg",
    "srcdoc",
    'evil.example/x"',
    "<math",
    "background=",
    "formaction",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_is_neutralised(payload):
    cleaned = clean_html(payload).lower()
    for marker in DANGEROUS:
        assert marker not in cleaned, (payload, cleaned)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitising_is_idempotent(payload):
    once = clean_html(payload)
    assert clean_html(once) == once


def test_editor_output_is_kept():
    html = (
        "<h2>Heading</h2><h3>Sub</h3><p><strong>b</strong> <i>i</i> "
        '<a href="https://example.org/a?b=1&amp;c=2">link</a></p>'
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote><p>quote</p></blockquote>"
        '<figure class="image"><img src="/media/articles/body/a.png" alt="A picture">'
        "<figcaption>Caption</figcaption></figure>"
        '<figure class="table"><table><thead><tr><th>h</th></tr></thead>'
        "<tbody><tr><td>c</td></tr></tbody></table></figure>"
    )
    cleaned = clean_html(html)
    for piece in [
        "<h2>Heading</h2>",
        "<h3>Sub</h3>",
        "<strong>b</strong>",
        "<i>i</i>",
        'href="https://example.org/a?b=1&amp;c=2"',
        "<ul><li>one</li></ul>",
        "<blockquote><p>quote</p></blockquote>",
        '<figure class="image">',
        'alt="A picture"',
        "<figcaption>Caption</figcaption>",
        '<figure class="table">',
        "<th>h</th>",
        "<td>c</td>",
    ]:
        assert piece in cleaned, piece


def test_links_get_rel_noopener():
    assert 'rel="noopener noreferrer"' in clean_html('<a href="https://example.org/">x</a>')


def test_media_embed_from_a_known_provider_becomes_a_link_inside_the_oembed():
    html = (
        '<figure class="media"><oembed url="https://www.youtube.com/watch?v=abc"></oembed></figure>'
    )
    cleaned = clean_html(html)
    assert '<oembed url="https://www.youtube.com/watch?v=abc">' in cleaned
    assert '<a href="https://www.youtube.com/watch?v=abc"' in cleaned
    assert "<iframe" not in cleaned and "<script" not in cleaned


def test_media_embed_from_an_unknown_host_loses_its_address():
    cleaned = clean_html(
        '<figure class="media"><oembed url="https://evil.example/"></oembed></figure>'
    )
    assert "evil.example" not in cleaned


def test_unknown_classes_are_dropped_from_figures():
    cleaned = clean_html('<figure class="image pwned"><img src="/a.png"></figure>')
    assert 'class="image"' in cleaned and "pwned" not in cleaned


@pytest.mark.django_db
def test_every_save_sanitises_the_body():
    article = ArticleFactory(body='<p onclick="x()">Hi<script>alert(1)</script></p>')
    article.refresh_from_db()
    assert article.body == "<p>Hi</p>"
