"""Featured images move to the image library (images.Image), step 1 of 3: the new columns.

The old file column is renamed out of the way (featured_image_file) so that the
foreign key can take its name; 0006 fills the key, 0007 drops the old columns.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_search_vector"),
        ("images", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="article", old_name="featured_image", new_name="featured_image_file"
        ),
        migrations.AddField(
            model_name="article",
            name="featured_image",
            field=models.ForeignKey(
                blank=True,
                help_text="From the image library; its alt text is required before the story "
                "goes live.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="featured_in",
                to="images.image",
            ),
        ),
        migrations.CreateModel(
            name="ArticleBodyImage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("article", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="body_images",
                    to="articles.article",
                )),
                ("image", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="in_article_bodies", to="images.image",
                )),
            ],
            options={
                "verbose_name": "image in an article's body",
                "verbose_name_plural": "images in article bodies",
                "constraints": [
                    models.UniqueConstraint(fields=("article", "image"), name="body_image_unique")
                ],
            },
        ),
    ]
