"""Featured images move to the image library, step 3 of 3: the old columns go.

Width, height, alt text and credit now belong to the library image; the caption
stays on the article as a per-story override.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_featured_images_to_library"),
    ]

    operations = [
        migrations.RemoveField(model_name="article", name="featured_image_file"),
        migrations.RemoveField(model_name="article", name="featured_image_width"),
        migrations.RemoveField(model_name="article", name="featured_image_height"),
        migrations.RemoveField(model_name="article", name="featured_image_alt"),
        migrations.RemoveField(model_name="article", name="featured_image_credit"),
        migrations.AlterField(
            model_name="article",
            name="featured_image_caption",
            field=models.CharField(
                blank=True,
                help_text="For this story only; leave empty to use the image's own caption.",
                max_length=500,
                verbose_name="image caption",
            ),
        ),
    ]
