"""Armenian search: the `hy_simple` text search configuration (`unaccent`, then `simple`)
and Armenian stories' vectors rebuilt with it.

PostgreSQL only (a no-op on SQLite). `unaccent` is a trusted extension since
PostgreSQL 13: the database owner may create it. The fill below is a frozen copy
of articles.search.index.vector_sql for Armenian stories as of this migration.
"""

from django.db import migrations

CONFIG = """
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
         WHERE c.cfgname = 'hy_simple' AND n.nspname = current_schema()
    ) THEN
        CREATE TEXT SEARCH CONFIGURATION hy_simple (COPY = simple);
        ALTER TEXT SEARCH CONFIGURATION hy_simple
            ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple;
    END IF;
END $$
"""

HY_VECTOR = """
    setweight(to_tsvector('hy_simple'::regconfig, s.title), 'A')
 || setweight(to_tsvector('hy_simple'::regconfig, s.dek), 'B')
 || setweight(to_tsvector('hy_simple'::regconfig, s.meta), 'B')
 || setweight(to_tsvector('hy_simple'::regconfig, s.body), 'C')
"""

# As migration 0004 indexed every story.
OLD_VECTOR = """
    setweight(to_tsvector('english'::regconfig, s.title), 'A')
 || setweight(to_tsvector('simple'::regconfig, s.title), 'A')
 || setweight(to_tsvector('english'::regconfig, s.dek), 'B')
 || setweight(to_tsvector('simple'::regconfig, s.dek), 'B')
 || setweight(to_tsvector('english'::regconfig, s.meta), 'B')
 || setweight(to_tsvector('simple'::regconfig, s.meta), 'B')
 || setweight(to_tsvector('english'::regconfig, s.body), 'C')
"""

FILL = """
UPDATE articles_article AS a SET search_vector = {vector}
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
     WHERE x.language = 'hy'
    OFFSET 0
) AS s
WHERE a.id = s.id
"""

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    CONFIG,
    FILL.format(vector=HY_VECTOR),
]

BACKWARD = [
    FILL.format(vector=OLD_VECTOR),
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS hy_simple",
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
        ("articles", "0013_tag_translation"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
