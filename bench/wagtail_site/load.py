"""Load the benchmark's generated stories into the Wagtail reference site.

    SOURCE_DATABASE_URL=postgres://.../bench WAGTAIL_DATABASE_URL=postgres://.../bench_wagtail \\
        .venv-wagtail/bin/python -m bench.wagtail_site.load [--queries /<slug>/]

Run by bench/wagtail.py in the reference's own virtualenv. Migrates the reference's
database, then copies what the project's corpus holds (bench/pages.py: the "pb-<n>"
stories, their sections, bylines, tags and pictures) as Wagtail pages under one home
page: the same titles, deks, bodies (each body picture as a rich-text image embed
of the same library picture), lead pictures, sections, bylines, tags and dates. The
library pictures are written as JPEG files (renditions are made from files). Stories
already copied are kept; the tables are analysed at the end, as after any load.
With --queries, prints instead the SQL statements of one request for a page (JSON).
"""

import json
import os
import re
import sys
import time
from pathlib import Path

import django

PICTURE = re.compile(
    r'<figure><img src="[^"]*/(library/pagebench-\d+\.jpg)" alt="([^"]*)"></figure>'
)


def _source():
    import psycopg

    return psycopg.connect(os.environ["SOURCE_DATABASE_URL"])


def _pictures(source):
    """{library file name: Wagtail image} of the corpus's pictures, files written."""
    from django.conf import settings
    from PIL import Image as Picture
    from wagtail.images.models import Image

    rows = source.execute(
        "SELECT file, title, width, height FROM images_image "
        "WHERE file LIKE 'library/pagebench-%%' ORDER BY id"
    ).fetchall()
    folder = Path(settings.MEDIA_ROOT) / "original_images"
    folder.mkdir(parents=True, exist_ok=True)
    images = {}
    for n, (name, title, width, height) in enumerate(rows):
        target = folder / Path(name).name
        stored = f"original_images/{target.name}"
        # Smaller than the library's originals: renditions are made once, then read.
        size = (1600, 1600 * height // width)
        if not target.exists():
            picture = Picture.new("RGB", size, ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256))
            picture.save(target, "JPEG", quality=80)
        image = Image.objects.filter(file=stored).first()
        if image is None:
            image = Image.objects.create(
                title=title,
                file=stored,
                width=size[0],
                height=size[1],
                file_size=target.stat().st_size,
            )
        images[name] = image
    return images


def _home():
    from wagtail.models import Page, Site

    from bench.wagtail_site.news.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="Home", slug="home-page"))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="127.0.0.1", root_page=home, is_default_site=True)
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    # The template's welcome page, if it is still there.
    Page.objects.filter(depth=2).exclude(pk=home.pk).delete()
    return home


def load():
    from django.core.management import call_command
    from django.db import connection, transaction
    from taggit.models import Tag

    from bench.wagtail_site.news.models import ArticlePage, Author, Byline, Section

    call_command("migrate", verbosity=0, interactive=False)
    source = _source()
    home = _home()
    sections = {}
    for pk, name, slug in source.execute(
        "SELECT id, name, slug FROM categories_category WHERE slug LIKE 'pagebench-%%'"
    ):
        sections[pk] = Section.objects.get_or_create(slug=slug, defaults={"name": name})[0]
    authors = {}
    for pk, name, slug in source.execute(
        "SELECT id, name, slug FROM authors_author WHERE slug LIKE 'pagebench-author-%%'"
    ):
        authors[pk] = Author.objects.get_or_create(slug=slug, defaults={"name": name})[0]
    tags = {}
    for pk, name, slug in source.execute(
        "SELECT id, name, slug FROM taggit_tag WHERE slug LIKE 'pagebench-tag-%%'"
    ):
        tags[pk] = Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
    images = _pictures(source)
    library = dict(
        source.execute("SELECT id, file FROM images_image WHERE file LIKE 'library/pagebench-%%'")
    )
    done = set(ArticlePage.objects.values_list("slug", flat=True))
    stories = source.execute(
        "SELECT id, title, slug, dek, body, featured_image_id, category_id, publish_at "
        "FROM articles_article WHERE slug LIKE 'pb-%%' AND status = 'published' ORDER BY id"
    ).fetchall()
    bylines, tagged = {}, {}
    for article_id, author_id in source.execute(
        'SELECT article_id, author_id FROM articles_articleauthor ORDER BY "order"'
    ):
        bylines.setdefault(article_id, []).append(author_id)
    for object_id, tag_id in source.execute(
        "SELECT t.object_id, t.tag_id FROM taggit_taggeditem t "
        "JOIN django_content_type c ON c.id = t.content_type_id "
        "WHERE c.app_label = 'articles' AND c.model = 'article' ORDER BY t.id"
    ):
        tagged.setdefault(object_id, []).append(tag_id)
    started = time.perf_counter()
    added = 0
    for pk, title, slug, dek, body, lead_id, section_id, when in stories:
        if slug in done:
            continue

        def embed(match):
            image = images[match.group(1)]
            return (
                f'<embed alt="{match.group(2)}" embedtype="image" format="fullwidth" '
                f'id="{image.pk}"/>'
            )

        page = ArticlePage(
            title=title,
            slug=slug,
            dek=dek,
            excerpt=dek,
            body=PICTURE.sub(embed, body),
            lead_image=images[library[lead_id]] if lead_id else None,
            section=sections[section_id],
            first_published_at=when,
            last_published_at=when,
            live=True,
        )
        page.tags.add(*(tags[t] for t in tagged.get(pk, []) if t in tags))
        page.bylines = [
            Byline(author=authors[a], sort_order=n) for n, a in enumerate(bylines.get(pk, []))
        ]
        with transaction.atomic():
            home.add_child(instance=page)
        home.refresh_from_db()
        added += 1
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"  Wagtail reference: {added} pages added in {time.perf_counter() - started:.1f} s, "
        f"{ArticlePage.objects.count()} in all"
    )


def queries(path):
    """{"served": n, "cold": n}: SQL statements of one request for `path`
    as served (Wagtail's caches warm) and with every cache empty, in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} in-process")
    with CaptureQueriesContext(connection) as served:
        client.get(path)
    with CaptureQueriesContext(connection) as cold:
        client.get(path, headers={"X-Bench-Cold": "1"})
    return {"served": len(served), "cold": len(cold)}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.wagtail_site.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    django.setup()
    if sys.argv[1:2] == ["--queries"]:
        print(json.dumps(queries(sys.argv[2])))
        return
    load()


if __name__ == "__main__":
    main()
