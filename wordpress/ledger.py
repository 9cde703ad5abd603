"""The ImportedItem rows of one exporting site: what each WordPress ID became here.

Every step of the import looks its items up here by WordPress ID and records
what they became, so that a second run of the same export updates instead of
duplicating. The site is known once the export's header is read (`site`).
"""

from django.contrib.contenttypes.models import ContentType

from .models import ImportedItem


class ImportLedger:
    def __init__(self, site=""):
        self.site = site

    def mapped(self, kind, wp_ids):
        """{wp_id: ImportedItem} of the given IDs that an earlier run imported."""
        ids = [i for i in wp_ids if i is not None]
        if not ids:
            return {}
        return {
            m.wp_id: m
            for m in ImportedItem.objects.filter(site=self.site, kind=kind, wp_id__in=ids)
        }

    def remember(self, mapping, kind, wp_id, obj, *, title="", url="", source_hash=""):
        """Create or update the ImportedItem of `wp_id`, pointing at `obj`."""
        if wp_id is None:
            return None
        content_type = ContentType.objects.get_for_model(obj) if obj is not None else None
        values = {
            "content_type": content_type,
            "object_id": obj.pk if obj is not None else None,
            "title": (title or "")[:255],
            "url": (url or "")[:2000],
            "source_hash": source_hash,
        }
        if mapping is None:
            return ImportedItem.objects.create(site=self.site, kind=kind, wp_id=wp_id, **values)
        changed = [k for k, v in values.items() if getattr(mapping, k) != v]
        for k in changed:
            setattr(mapping, k, values[k])
        if changed:
            mapping.save(update_fields=[*changed, "updated_at"])
        return mapping
