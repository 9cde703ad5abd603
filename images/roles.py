"""What each newsroom role may do in the image library.

The role groups belong to articles (articles/roles.py); images sits below
articles and does not import it, so it adds its permissions to the groups by
name after every migrate, the way articles' own ensure_roles does: only adds,
never removes what an admin changed by hand.
"""

# Writers upload and describe pictures for their stories; only editors delete. A
# picture on a published story is changed only by those who may publish that story
# (images.services.change_refusal asks articles through images.hooks).
WRITER = ["images.view_image", "images.add_image", "images.change_image"]
PERMISSIONS = {
    "Contributor": WRITER,
    "Author": WRITER,
    "Editor": WRITER + ["images.delete_image"],
}


def ensure_image_permissions(**kwargs):
    """Give the role groups their image permissions (post_migrate; creates missing groups)."""
    from django.contrib.auth.models import Group, Permission

    codenames = {perm.split(".")[1] for perms in PERMISSIONS.values() for perm in perms}
    existing = {
        f"images.{p.codename}": p
        for p in Permission.objects.filter(content_type__app_label="images", codename__in=codenames)
    }
    if not existing:
        return  # the images tables are not migrated yet
    for name, perms in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*(existing[p] for p in perms if p in existing))
