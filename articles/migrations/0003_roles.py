"""Create the newsroom roles as groups (see ARCHITECTURE.md, "Roles").

The rules that use these permissions (own vs. anyone's articles) live in
articles.services; the groups only carry the permissions. Re-running the
migration adds missing permissions and never removes any an admin added.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ARTICLE_BASICS = [
    "articles.add_article", "articles.change_article", "articles.view_article",
    "articles.add_articleauthor", "articles.change_articleauthor",
    "articles.delete_articleauthor", "articles.view_articleauthor",
    "articles.view_correction",
    "categories.view_category", "authors.view_author",
    "taggit.view_tag", "taggit.add_tag",
]

ROLES = {
    "Contributor": ARTICLE_BASICS,
    "Author": ARTICLE_BASICS + [
        "articles.publish_own_article", "articles.view_unpublished_article",
    ],
    "Editor": ARTICLE_BASICS + [
        "articles.delete_article",
        "articles.publish_own_article", "articles.publish_article",
        "articles.edit_any_article", "articles.view_unpublished_article",
        "articles.add_correction", "articles.change_correction",
        "articles.delete_correction",
        "articles.view_articleevent",
        "articles.view_articleredirect", "articles.add_articleredirect",
        "articles.change_articleredirect", "articles.delete_articleredirect",
        "categories.add_category", "categories.change_category", "categories.delete_category",
        "authors.add_author", "authors.change_author", "authors.delete_author",
        "taggit.change_tag", "taggit.delete_tag",
        "taggit.view_taggeditem", "taggit.add_taggeditem", "taggit.change_taggeditem",
        "taggit.delete_taggeditem",
        "widgets.view_breakingnews", "widgets.add_breakingnews",
        "widgets.change_breakingnews", "widgets.delete_breakingnews",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate);
    # create them now so that a fresh database gets complete groups.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("categories", "0001_initial"),
        ("authors", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("widgets", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
