"""The newsroom roles (ARCHITECTURE.md, "Roles") as groups of permissions.

Migration 0003 creates them on a fresh database; `ensure_roles` runs after every
`migrate` (and every test flush) so groups exist and gain the permissions of
models added later. It only adds: a permission an admin removed by hand from a
group comes back, one an admin added stays. The rules that use the permissions
(own vs. anyone's articles) live in articles.services. Apps built on articles
add their models' permissions through `hooks.ROLE_PERMISSIONS`.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from . import hooks

ARTICLE_BASICS = [
    "articles.add_article",
    "articles.change_article",
    "articles.view_article",
    "articles.add_articleauthor",
    "articles.change_articleauthor",
    "articles.delete_articleauthor",
    "articles.view_articleauthor",
    "articles.view_correction",
    "categories.view_category",
    "authors.view_author",
    "taggit.view_tag",
    "taggit.add_tag",
]

ROLES = {
    "Contributor": ARTICLE_BASICS,
    "Author": ARTICLE_BASICS
    + [
        "articles.publish_own_article",
        "articles.view_unpublished_article",
    ],
    "Editor": ARTICLE_BASICS
    + [
        "articles.delete_article",
        "articles.publish_own_article",
        "articles.publish_article",
        "articles.edit_any_article",
        "articles.view_unpublished_article",
        "articles.add_correction",
        "articles.change_correction",
        "articles.delete_correction",
        "articles.view_articleevent",
        "articles.view_previewlink",
        "articles.view_articleredirect",
        "articles.add_articleredirect",
        "articles.change_articleredirect",
        "articles.delete_articleredirect",
        "categories.add_category",
        "categories.change_category",
        "categories.delete_category",
        "authors.add_author",
        "authors.change_author",
        "authors.delete_author",
        "taggit.change_tag",
        "taggit.delete_tag",
        "taggit.view_taggeditem",
        "taggit.add_taggeditem",
        "taggit.change_taggeditem",
        "taggit.delete_taggeditem",
    ],
}


def role_permissions():
    """{role: permissions}: ROLES and what apps built on articles add (hooks.ROLE_PERMISSIONS)."""
    roles = {name: list(perms) for name, perms in ROLES.items()}
    for hook in hooks.get_hooks(hooks.ROLE_PERMISSIONS):
        for name, perms in hook().items():
            if name not in roles:
                raise ValueError(f"{hook.__qualname__} names a role that does not exist: {name}")
            roles[name] += [p for p in perms if p not in roles[name]]
    return roles


def ensure_roles(**kwargs):
    """Create the role groups and add every listed permission that exists (post_migrate)."""
    roles = role_permissions()
    wanted = {perm for perms in roles.values() for perm in perms}
    match = Q(pk__in=[])
    for perm in wanted:
        app_label, codename = perm.split(".")
        match |= Q(content_type__app_label=app_label, codename=codename)
    existing = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.filter(match).select_related("content_type")
    }
    for name, perms in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*(existing[p] for p in perms if p in existing))


def make_role_members_staff(sender, instance, action, reverse, pk_set, **kwargs):
    """m2m_changed of User.groups: joining a newsroom role makes the user staff.

    The admin is where the roles work, and a role without "Staff status" ticked
    by hand was a login that could not open it. Leaving a role keeps the flag
    (other rights may need it); deactivating a user is the way to shut them out.
    """
    if action != "post_add" or not pk_set:
        return
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_staff=False)
    roles = Group.objects.filter(name__in=list(ROLES))
    if reverse:  # group.user_set.add(user, ...)
        if instance.name in ROLES:
            users.filter(pk__in=pk_set).update(is_staff=True)
    elif roles.filter(pk__in=pk_set).exists():  # user.groups.add(group, ...)
        users.filter(pk=instance.pk).update(is_staff=True)
        instance.is_staff = True
