"""WXR files written by the tests themselves, and a local server for attachments."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest
from PIL import Image

NS = (
    'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:wp="http://wordpress.org/export/1.2/"'
)


def cdata(text):
    return "<![CDATA[" + str(text) + "]]>"


def author(wp_id, login, display_name="", email=""):
    return (
        f"<wp:author><wp:author_id>{wp_id}</wp:author_id>"
        f"<wp:author_login>{cdata(login)}</wp:author_login>"
        f"<wp:author_email>{cdata(email)}</wp:author_email>"
        f"<wp:author_display_name>{cdata(display_name)}</wp:author_display_name>"
        "<wp:author_first_name><![CDATA[]]></wp:author_first_name>"
        "<wp:author_last_name><![CDATA[]]></wp:author_last_name></wp:author>"
    )


def category(wp_id, slug, name, parent="", description=""):
    return (
        f"<wp:category><wp:term_id>{wp_id}</wp:term_id>"
        f"<wp:category_nicename>{cdata(slug)}</wp:category_nicename>"
        f"<wp:category_parent>{cdata(parent)}</wp:category_parent>"
        f"<wp:cat_name>{cdata(name)}</wp:cat_name>"
        f"<wp:category_description>{cdata(description)}</wp:category_description>"
        "</wp:category>"
    )


def tag(wp_id, slug, name):
    return (
        f"<wp:tag><wp:term_id>{wp_id}</wp:term_id><wp:tag_slug>{cdata(slug)}</wp:tag_slug>"
        f"<wp:tag_name>{cdata(name)}</wp:tag_name></wp:tag>"
    )


def post(
    wp_id,
    title="A post",
    *,
    slug=None,
    status="publish",
    post_type="post",
    content="Hello.",
    excerpt="",
    creator="admin",
    date="2024-03-05 12:30:00",
    date_gmt="2024-03-05 10:30:00",
    modified="2024-03-05 12:30:00",
    modified_gmt="2024-03-05 10:30:00",
    link=None,
    categories=(),
    tags=(),
    sticky=False,
    thumbnail=None,
    attachment_url="",
    meta=None,
    password="",
):
    slug = f"post-{wp_id}" if slug is None else slug
    link = link if link is not None else f"https://old.example/2024/03/05/{slug}/"
    terms = "".join(
        f'<category domain="category" nicename="{s}">{cdata(n)}</category>' for s, n in categories
    ) + "".join(
        f'<category domain="post_tag" nicename="{s}">{cdata(n)}</category>' for s, n in tags
    )
    meta = dict(meta or {})
    if thumbnail is not None:
        meta["_thumbnail_id"] = str(thumbnail)
    metas = "".join(
        f"<wp:postmeta><wp:meta_key>{cdata(k)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(v)}</wp:meta_value></wp:postmeta>"
        for k, v in meta.items()
    )
    attachment = (
        f"<wp:attachment_url>{cdata(attachment_url)}</wp:attachment_url>"
        if (attachment_url)
        else ""
    )
    return (
        f"<item><title>{cdata(title)}</title><link>{link}</link>"
        f"<pubDate>Tue, 05 Mar 2024 10:30:00 +0000</pubDate>"
        f"<dc:creator>{cdata(creator)}</dc:creator>"
        f'<guid isPermaLink="false">https://old.example/?p={wp_id}</guid>'
        "<description></description>"
        f"<content:encoded>{cdata(content)}</content:encoded>"
        f"<excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>"
        f"<wp:post_id>{wp_id}</wp:post_id>"
        f"<wp:post_date>{cdata(date)}</wp:post_date>"
        f"<wp:post_date_gmt>{cdata(date_gmt)}</wp:post_date_gmt>"
        f"<wp:post_modified>{cdata(modified)}</wp:post_modified>"
        f"<wp:post_modified_gmt>{cdata(modified_gmt)}</wp:post_modified_gmt>"
        "<wp:comment_status><![CDATA[open]]></wp:comment_status>"
        f"<wp:post_name>{cdata(slug)}</wp:post_name>"
        f"<wp:status>{cdata(status)}</wp:status>"
        "<wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order>"
        f"<wp:post_type>{cdata(post_type)}</wp:post_type>"
        f"<wp:post_password>{cdata(password)}</wp:post_password>"
        f"<wp:is_sticky>{1 if sticky else 0}</wp:is_sticky>"
        f"{attachment}{terms}{metas}</item>"
    )


def php_string(value):
    return f's:{len(value.encode())}:"{value}";'


def attachment(wp_id, url, *, title="photo", alt="", caption="", credit=""):
    meta = {"_wp_attachment_image_alt": alt} if alt else {}
    if credit:
        # What WordPress stores: PHP-serialised metadata with the file's IPTC/EXIF credit.
        meta["_wp_attachment_metadata"] = (
            'a:2:{s:5:"width";i:40;s:10:"image_meta";a:2:{'
            + php_string("credit")
            + php_string(credit)
            + php_string("caption")
            + php_string("")
            + "}}"
        )
    return post(
        wp_id,
        title,
        slug=title,
        status="inherit",
        post_type="attachment",
        content="",
        excerpt=caption,
        attachment_url=url,
        link=f"https://old.example/?attachment_id={wp_id}",
        meta=meta or None,
    )


def wxr(*entries, version="1.2", site="https://old.example"):
    """A WXR document: authors, terms and items in the order given (WordPress puts items last)."""
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        f'<rss version="2.0" {NS}>\n<channel>\n'
        "<title>Old Site</title>\n<link>https://old.example</link>\n"
        "<description>Just another WordPress site</description>\n<language>en-US</language>\n"
        f"<wp:wxr_version>{version}</wp:wxr_version>\n"
        f"<wp:base_site_url>{site}</wp:base_site_url>\n"
        f"<wp:base_blog_url>{site}</wp:base_blog_url>\n"
        + "\n".join(entries)
        + "\n</channel>\n</rss>\n"
    )


@pytest.fixture
def write_wxr(tmp_path):
    """write_wxr(text) -> path of a file holding `text` (a str or bytes)."""
    counter = iter(range(1000))

    def write(text, name=None):
        path = tmp_path / (name or f"export-{next(counter)}.xml")
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path

    return write


def png_bytes(size=(40, 30), color=(200, 30, 30)):
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def media_server():
    """A local HTTP server: `.files[path] = (status, content type, body)`; `.url(path)`."""

    files = {}
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 -- the stdlib's name
            hits.append(self.path)
            status, content_type, body = files.get(self.path, (404, "text/plain", b"missing"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Server:
        def url(self, path):
            return f"http://127.0.0.1:{server.server_address[1]}{path}"

    s = Server()
    s.files = files
    s.hits = hits
    yield s
    server.shutdown()
    server.server_close()
