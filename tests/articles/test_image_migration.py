"""Migration articles 0006: featured-image files become library images, on SQLite and PostgreSQL."""

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from PIL import Image as Picture

BEFORE = [("articles", "0005_library_images")]
AFTER = [("articles", "0007_drop_old_featured_image_columns")]


def migrate(targets):
    """Migrate to `targets`; return the models of every migration now applied."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    return loader.project_state(tuple(loader.applied_migrations)).apps


@pytest.fixture
def old_schema(transactional_db):
    apps = migrate(BEFORE)
    yield apps
    # Back to the current schema for the tests after this one.
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def stored_jpeg(name, size=(64, 36)):
    buffer = io.BytesIO()
    Picture.new("RGB", size, "navy").save(buffer, "JPEG")
    return default_storage.save(name, ContentFile(buffer.getvalue()))


def old_article(apps, title, slug, **fields):
    Category = apps.get_model("categories", "Category")
    category, _ = Category.objects.get_or_create(slug="news", defaults={"name": "News"})
    return apps.get_model("articles", "Article").objects.create(
        title=title, slug=slug, category=category, **fields
    )


def test_featured_image_files_become_library_images(old_schema):
    name = stored_jpeg("articles/2025/03/lake.jpg")
    shared = stored_jpeg("articles/2025/03/shared.jpg", size=(20, 10))
    lake = old_article(
        old_schema,
        "Lake Sevan rises",
        "lake",
        featured_image_file=name,
        featured_image_width=64,
        featured_image_height=36,
        featured_image_alt="The lake at dawn",
        featured_image_caption="Sevan in March",
        featured_image_credit="Photo: Ani",
    )
    first = old_article(
        old_schema,
        "First use",
        "first",
        featured_image_file=shared,
        featured_image_caption="One caption",
    )
    second = old_article(
        old_schema,
        "Second use",
        "second",
        featured_image_file=shared,
        featured_image_caption="Another caption",
    )
    bare = old_article(old_schema, "No picture", "bare")

    apps = migrate(AFTER)

    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("images", "Image")
    assert Image.objects.count() == 2  # one per file, however many articles use it
    image = Image.objects.get(file=name)
    assert (image.title, image.alt_text, image.caption, image.credit) == (
        "Lake Sevan rises",
        "The lake at dawn",
        "Sevan in March",
        "Photo: Ani",
    )
    assert (image.width, image.height) == (64, 36)
    assert image.file_size == default_storage.size(name) > 0
    migrated = Article.objects.get(pk=lake.pk)
    assert migrated.featured_image_id == image.pk
    assert migrated.featured_image_caption == ""  # the image's caption now
    shared_image = Image.objects.get(file=shared)
    # Measured from the file where the article had no stored size.
    assert (shared_image.width, shared_image.height) == (20, 10)
    assert Article.objects.get(pk=first.pk).featured_image_id == shared_image.pk
    assert Article.objects.get(pk=second.pk).featured_image_caption == "Another caption"
    assert Article.objects.get(pk=bare.pk).featured_image_id is None
    columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "articles_article"
        )
    }
    assert "featured_image_id" in columns
    assert not columns & {"featured_image_alt", "featured_image_credit", "featured_image_width"}


def test_a_missing_file_of_unknown_size_is_left_out_and_the_migration_goes_on(old_schema):
    kept = stored_jpeg("articles/2025/03/kept.jpg")
    lost = old_article(old_schema, "Lost picture", "lost")
    # Written past the model, which would measure the (missing) file.
    type(lost).objects.filter(pk=lost.pk).update(featured_image_file="articles/2020/01/gone.jpg")
    other = old_article(old_schema, "Kept", "kept", featured_image_file=kept)

    apps = migrate(AFTER)

    Article = apps.get_model("articles", "Article")
    image = apps.get_model("images", "Image").objects.get()
    assert image.file.name == kept
    assert Article.objects.get(pk=other.pk).featured_image_id == image.pk
    assert Article.objects.get(pk=lost.pk).featured_image_id is None


def test_stored_revisions_are_rewritten_to_the_library_image(old_schema):
    name = stored_jpeg("articles/2025/03/rev.jpg")
    article = old_article(
        old_schema,
        "Revised",
        "revised",
        featured_image_file=name,
        featured_image_alt="Alt",
        featured_image_credit="Credit",
    )
    ContentType = old_schema.get_model("contenttypes", "ContentType")
    Revision = old_schema.get_model("reversion", "Revision")
    Version = old_schema.get_model("reversion", "Version")
    content_type, _ = ContentType.objects.get_or_create(app_label="articles", model="article")
    fields = {
        "title": "Revised",
        "featured_image": name,
        "featured_image_alt": "Alt",
        "featured_image_credit": "Credit",
        "featured_image_width": 64,
        "featured_image_height": 36,
        "featured_image_caption": "",
    }
    Version.objects.create(
        revision=Revision.objects.create(comment="old", date_created=timezone.now()),
        object_id=str(article.pk),
        content_type=content_type,
        db="default",
        format="json",
        object_repr="Revised",
        serialized_data=json.dumps(
            [{"model": "articles.article", "pk": article.pk, "fields": fields}]
        ),
    )

    apps = migrate(AFTER)

    image = apps.get_model("images", "Image").objects.get()
    version = apps.get_model("reversion", "Version").objects.get()
    stored = json.loads(version.serialized_data)[0]["fields"]
    assert stored["featured_image"] == image.pk
    assert "featured_image_alt" not in stored and "featured_image_width" not in stored


def test_migrating_back_restores_the_file_columns(old_schema):
    name = stored_jpeg("articles/2025/03/back.jpg")
    article = old_article(
        old_schema,
        "Back",
        "back",
        featured_image_file=name,
        featured_image_width=64,
        featured_image_height=36,
        featured_image_alt="Alt",
        featured_image_caption="Cap",
    )
    migrate(AFTER)

    apps = migrate(BEFORE)

    restored = apps.get_model("articles", "Article").objects.get(pk=article.pk)
    assert restored.featured_image_file.name == name
    assert (restored.featured_image_alt, restored.featured_image_caption) == ("Alt", "Cap")
