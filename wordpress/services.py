"""Entry points of the WordPress import: `import_wxr` (what callers use) and `analyze`.

The import itself is `importer.WordPressImporter`, which reads the export
(`wxr`, `wxr_values`) and maps it to our models (`users`, `terms`, `posts`,
`media`), filling in a `report.ImportReport`. This module wraps one run in a
single cache purge and refreshes the planner statistics of the tables it filled.
"""

from django.db import connection
from taggit.models import Tag, TaggedItem

from articles.models import Article, ArticleAuthor, ArticleRedirect
from authors.models import Author
from caching import purges
from categories.models import Category
from images.models import Image as LibraryImage

from .importer import WordPressImporter
from .models import ImportedItem


def import_wxr(source, **options):
    """Import the WXR file `source` (a path or binary file); return the ImportReport.

    Caches are purged once at the end (everything), not per imported row, and the
    tables it filled get fresh planner statistics (PostgreSQL): without them the
    public pages' statements are planned for empty tables until autovacuum runs,
    which may be never."""
    with purges.bulk():
        report = WordPressImporter(**options).run(source)
    if not options.get("dry_run"):
        analyze(
            Article,
            ArticleAuthor,
            TaggedItem,
            Tag,
            Category,
            Author,
            LibraryImage,
            ImportedItem,
            ArticleRedirect,
        )
    return report


def analyze(*models):
    """ANALYZE the tables of `models` (PostgreSQL; nothing elsewhere)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
