"""Apps extend articles by registering with articles.hooks, not by editing its globals."""

import pytest
from django.contrib.auth.models import Group

from articles import hooks, roles


def test_an_unknown_hook_name_is_refused():
    with pytest.raises(ValueError, match="No hook is called 'article_sidebar'"):
        hooks.register("article_sidebar", list)


def test_registering_twice_keeps_one():
    def extra():
        return {"Editor": ["articles.view_article"]}

    hooks.register(hooks.ROLE_PERMISSIONS, extra)
    hooks.register(hooks.ROLE_PERMISSIONS, extra)
    try:
        assert hooks.get_hooks(hooks.ROLE_PERMISSIONS).count(extra) == 1
    finally:
        hooks.unregister(hooks.ROLE_PERMISSIONS, extra)
    assert extra not in hooks.get_hooks(hooks.ROLE_PERMISSIONS)


def test_a_hook_naming_a_role_that_does_not_exist_is_an_error():
    def extra():
        return {"Publisher": ["articles.view_article"]}

    hooks.register(hooks.ROLE_PERMISSIONS, extra)
    try:
        with pytest.raises(ValueError, match="names a role that does not exist: Publisher"):
            roles.role_permissions()
    finally:
        hooks.unregister(hooks.ROLE_PERMISSIONS, extra)


def test_the_apps_above_articles_add_their_permissions_without_changing_roles(db):
    before = {name: list(perms) for name, perms in roles.ROLES.items()}
    granted = roles.role_permissions()["Editor"]
    assert "widgets.change_breakingnews" in granted
    assert "sharing.change_sharechannel" in granted
    assert before == roles.ROLES  # asking twice gives the same; nothing is appended in place
    roles.ensure_roles()
    editor = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
    assert {"change_breakingnews", "change_sharechannel"} <= editor
    contributor = Group.objects.get(name="Contributor").permissions
    assert not contributor.filter(codename="change_breakingnews").exists()
