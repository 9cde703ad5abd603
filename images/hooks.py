"""Extension points of `images` for the apps that show library pictures.

`images` sits below the apps that use its pictures and never imports them; an
app registers a function under a hook's name in its `AppConfig.ready()` and
`images` calls every one when it needs the answer (as `articles.hooks` does).
The hooks:

- ``image_change_refusal``: ``(user, image) -> str or None``: why `user` may
  not change what readers see of `image` (its title, alt text, caption, credit
  or focal point), or None when they may. `articles` refuses a change to a
  picture shown on a published story the user may not publish.
"""

IMAGE_CHANGE_REFUSAL = "image_change_refusal"
NAMES = (IMAGE_CHANGE_REFUSAL,)

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
