"""Extension points of `articles` for the apps built on it.

An app registers a function under a hook's name in its `AppConfig.ready()`;
`articles` calls every function registered under that name when it needs the
answer, so it never imports the apps that extend it and nobody edits its
module globals. The hooks:

- ``article_admin_inlines``: ``() -> [InlineModelAdmin class, ...]`` shown on
  the article admin's change page after the bylines and corrections.
- ``role_permissions``: ``() -> {role name: ["app_label.codename", ...]}``
  added to the newsroom roles (`articles.roles`) on every `migrate`.
- ``article_list_columns``: ``() -> [(title, values), ...]`` extra columns of the
  article list; ``values(article_ids) -> {article id: text}`` is called once per
  list page with the ids of its rows (one read for the page, not one per row).
- ``home_layout``: ``() -> {"latest": int, "block_size": int}`` the home page's
  numbers of stories (its "Latest" list, and per section block); the last
  registered answer wins over the defaults in articles.views.
"""

ARTICLE_ADMIN_INLINES = "article_admin_inlines"
ROLE_PERMISSIONS = "role_permissions"
HOME_LAYOUT = "home_layout"
ARTICLE_LIST_COLUMNS = "article_list_columns"
NAMES = (ARTICLE_ADMIN_INLINES, ROLE_PERMISSIONS, HOME_LAYOUT, ARTICLE_LIST_COLUMNS)

_registered = {name: [] for name in NAMES}


def register(name, fn):
    """Call `fn` whenever hook `name` is asked; registering the same `fn` twice keeps one."""
    if name not in _registered:
        raise ValueError(f"No hook is called {name!r}; the hooks are {', '.join(NAMES)}.")
    if fn not in _registered[name]:
        _registered[name].append(fn)
    return fn


def unregister(name, fn):
    """Take `fn` off hook `name` (tests that register their own)."""
    _registered[name].remove(fn)


def get_hooks(name):
    """The functions registered under `name`, in the order they were registered."""
    return list(_registered[name])
