"""What the domain apps tell the caching app, from their AppConfig.ready().

- watch(Model, keys): a saved or deleted row purges `keys(instance, deleted=...)`.
- watch_m2m(Through, keys): a changed relation purges `keys(instance, pk_set, reverse)`.
- watch_signal(signal, keys): a sent signal purges `keys(**kwargs)`.
- clock(source): `source()` yields (moment, keys) of changes that come by the
  clock alone (a scheduled story going live, a banner expiring); cached
  renderings showing those keys end at that moment (caching.schedule).
- query_params(url_name, *names): query parameters read for that page beyond
  the view's own (a middleware's, say); every other parameter is left out of
  the page's cache key.
- block(name, render, params): a hole (caching.blocks).
- private_param(name): a request carrying it is one reader's (a preview link).

This app imports no domain app; they import it.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import purges

clock_sources = []
extra_params = {}
private_params = set()
blocks = {}


def _purge(make_keys):
    if purges.in_bulk():
        # A bulk load purges everything once at its end; working out each
        # row's keys would cost queries for nothing.
        return
    purges.purge(make_keys())


def watch(model, keys):
    """Purge `keys(instance, deleted=bool)` when a row of `model` is saved or deleted."""
    uid = f"caching:{model._meta.label_lower}"

    def saved(sender, instance, raw=False, **kwargs):
        if not raw:
            _purge(lambda: keys(instance, deleted=False))

    def deleted(sender, instance, **kwargs):
        _purge(lambda: keys(instance, deleted=True))

    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}:save")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"{uid}:delete")


def watch_m2m(through, keys):
    """Purge `keys(instance, pk_set, reverse)` after a many-to-many change through `through`."""

    def changed(sender, instance, action, reverse, pk_set, **kwargs):
        if action in {"post_add", "post_remove", "pre_clear", "post_clear"}:
            _purge(lambda: keys(instance, pk_set or set(), reverse))

    m2m_changed.connect(
        changed, sender=through, weak=False, dispatch_uid=f"caching:m2m:{through._meta.label}"
    )


def watch_signal(signal, keys):
    """Purge `keys(**kwargs)` whenever `signal` is sent."""

    def sent(sender, **kwargs):
        _purge(lambda: keys(sender=sender, **kwargs))

    signal.connect(sent, weak=False, dispatch_uid=f"caching:signal:{id(signal)}:{id(keys)}")


def clock(source):
    """Register `source() -> iterable of (aware datetime, keys)`: changes that come by the clock."""
    if source not in clock_sources:
        clock_sources.append(source)


def query_params(url_name, *names):
    """Parameters that page reads beyond its view's own `cache_params`."""
    extra_params.setdefault(url_name, set()).update(names)


def private_param(name):
    """A query parameter that makes a request one reader's own (never cached, never shared)."""
    private_params.add(name)


def block(name, render, *, params=()):
    """Register a hole: `render(**params) -> HTML`, recording its keys as it renders."""
    blocks[name] = (render, tuple(params))
