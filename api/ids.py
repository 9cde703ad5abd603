"""The ids the APIs show: a WordPress item's old id, or one that cannot collide with any.

Stories, sections, tags, bylines and pictures imported from WordPress answer to
the ids the old site gave them (the importer's ledger, wordpress.models.ImportedItem),
so an app's stored ids still resolve. Everything made here has no WordPress id and
is shown as `NATIVE_ID_OFFSET + pk`: WordPress ids are auto-increment counters
that no news site brings near a billion, so the two ranges never meet.

A site imported from two WordPress exports may hold one WordPress id twice (post 5
of each site): the id belongs to the item imported first; the other gets its native
id, so no id ever names two things.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from taggit.models import Tag

from articles.models import Article
from authors.models import Author
from categories.models import Category
from images.models import Image
from wordpress.models import ImportedItem

NATIVE_ID_OFFSET = 1_000_000_000
MAX_ID = 2**53

KIND = {
    Article: ImportedItem.Kind.POST,
    Category: ImportedItem.Kind.TERM,
    Tag: ImportedItem.Kind.TERM,
    Author: ImportedItem.Kind.AUTHOR,
    Image: ImportedItem.Kind.ATTACHMENT,
}


def _content_type(model):
    # ContentTypeManager caches these: no query after the first.
    return ContentType.objects.get_for_model(model)


def public_ids(wanted):
    """{(Model, pk): public id} for `wanted` = {Model: pks}; at most two queries."""
    wanted = {model: set(pks) for model, pks in wanted.items() if pks}
    result = {}
    if not wanted:
        return result
    models_by_type = {_content_type(model).pk: model for model in wanted}
    rows = []
    where = Q()
    for model, pks in wanted.items():
        where |= Q(content_type=_content_type(model), object_id__in=pks)
    rows = list(
        ImportedItem.objects.filter(where)
        .order_by("pk")
        .values_list("kind", "wp_id", "content_type_id", "object_id")
    )
    if rows:
        # Who owns each of those WordPress ids: the row imported first.
        claimed = Q()
        for kind in {kind for kind, *_ in rows}:
            claimed |= Q(kind=kind, wp_id__in={w for k, w, *_ in rows if k == kind})
        owners = {}
        for kind, wp_id, type_id, object_id in (
            ImportedItem.objects.filter(claimed, object_id__isnull=False)
            .order_by("pk")
            .values_list("kind", "wp_id", "content_type_id", "object_id")
        ):
            owners.setdefault((kind, wp_id), (type_id, object_id))
        for kind, wp_id, type_id, object_id in rows:
            if owners.get((kind, wp_id)) == (type_id, object_id):
                result.setdefault((models_by_type[type_id], object_id), wp_id)
    for model, pks in wanted.items():
        for pk in pks:
            result.setdefault((model, pk), NATIVE_ID_OFFSET + pk)
    return result


def public_id(model, pk):
    """The public id of one object (at most two queries)."""
    return public_ids({model: [pk]})[(model, pk)]


def resolve(model, ids):
    """{public id: pk} of those `ids` that name an object of `model`; at most three queries."""
    # Beyond any row's id (and the databases' integers): names nothing.
    ids = {i for i in ids if isinstance(i, int) and 0 < i < MAX_ID}
    if not ids:
        return {}
    native = {i - NATIVE_ID_OFFSET for i in ids if i >= NATIVE_ID_OFFSET}
    old = [i for i in ids if i < NATIVE_ID_OFFSET]
    candidates = set(native)
    if old:
        candidates.update(
            ImportedItem.objects.filter(
                kind=KIND[model],
                wp_id__in=old,
                content_type=_content_type(model),
                object_id__isnull=False,
            ).values_list("object_id", flat=True)
        )
    if not candidates:
        return {}
    shown = public_ids({model: candidates})
    # Only ids that are the object's public one: an imported story is not also
    # reachable by its native id, nor a native one by a stale WordPress id.
    return {shown[(model, pk)]: pk for pk in candidates if shown[(model, pk)] in ids}
