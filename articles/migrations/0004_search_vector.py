"""Full-text search: Article.search_vector, its GIN index, a trigram index on titles.

Indexes and extensions are PostgreSQL's own, so they are made by SQL that runs
on PostgreSQL only (SQLite keeps the column, unused). The fill below is a frozen
copy of articles.search.index.vector_sql as of this migration; later rows are kept
current by articles.search and `manage.py rebuild_search_index`.
"""

import django.contrib.postgres.search
from django.db import migrations

FILL = """
UPDATE articles_article AS a SET search_vector =
    setweight(to_tsvector('english'::regconfig, s.title), 'A')
 || setweight(to_tsvector('simple'::regconfig, s.title), 'A')
 || setweight(to_tsvector('english'::regconfig, s.dek), 'B')
 || setweight(to_tsvector('simple'::regconfig, s.dek), 'B')
 || setweight(to_tsvector('english'::regconfig, s.meta), 'B')
 || setweight(to_tsvector('simple'::regconfig, s.meta), 'B')
 || setweight(to_tsvector('english'::regconfig, s.body), 'C')
FROM (
    SELECT x.id,
           coalesce(x.title, '') AS title,
           coalesce(x.dek, '') AS dek,
           concat_ws(' ',
               (SELECT c.name FROM categories_category c WHERE c.id = x.category_id),
               (SELECT string_agg(
                         (SELECT au.name FROM authors_author au WHERE au.id = b.author_id), ' ')
                  FROM articles_articleauthor b WHERE b.article_id = x.id),
               (SELECT string_agg((SELECT t.name FROM taggit_tag t WHERE t.id = ti.tag_id), ' ')
                  FROM taggit_taggeditem ti
                 WHERE ti.object_id = x.id
                   AND ti.content_type_id = (
                       SELECT ct.id FROM django_content_type ct
                        WHERE ct.app_label = 'articles' AND ct.model = 'article'))
           ) AS meta,
           left(regexp_replace(regexp_replace(coalesce(x.body, ''),
                '<[^>]*>', ' ', 'g'), '&[#a-zA-Z0-9]+;', ' ', 'g'), 100000) AS body
      FROM articles_article x
    OFFSET 0
) AS s
WHERE a.id = s.id
"""

FORWARD = [
    # Trusted since PostgreSQL 13: the database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Ranking reads the vector of every hit: keep it in the heap row (no TOAST
    # lookups), compressed with lz4 where the server has it (decompresses
    # several times faster than pglz; PostgreSQL 14+).
    "ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE MAIN",
    """
    DO $$
    BEGIN
        ALTER TABLE articles_article ALTER COLUMN search_vector SET COMPRESSION lz4;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'lz4 unavailable: search vectors keep the default compression';
    END $$
    """,
    "CREATE INDEX IF NOT EXISTS article_search_vector_gin "
    "ON articles_article USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS article_title_trgm "
    "ON articles_article USING gin (title gin_trgm_ops)",
    FILL,
]

BACKWARD = [
    "DROP INDEX IF EXISTS article_title_trgm",
    "DROP INDEX IF EXISTS article_search_vector_gin",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_roles"),
        ("authors", "0001_initial"),
        ("categories", "0001_initial"),
        ("taggit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
