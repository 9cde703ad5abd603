"""WordPress categories and tags become our Categories (with their hierarchy) and tags.

`TermImporter` imports the terms the export's header declares, then gives each
post its category (or "Uncategorized") and tags, creating the ones the header
did not declare. Categories that already existed here are used as they are.
"""

import logging
from html import unescape

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from taggit.models import Tag

from categories.models import Category

from . import polylang
from .models import ImportedItem
from .report import reason
from .wxr_values import decode_slug

logger = logging.getLogger(__name__)

Kind = ImportedItem.Kind
UNCATEGORIZED = ("uncategorized", "Uncategorized")


def skipped_taxonomy_reason(taxonomy):
    """Why the terms of `taxonomy` are not imported (said once per taxonomy in the summary)."""
    if taxonomy in polylang.TERM_TAXONOMIES:
        return (
            f"Polylang {taxonomy!r} terms: categories and tags Polylang translated are "
            "imported as sections and tags of their own (one name each)"
        )
    if taxonomy == "post_format":
        return "post formats are not kept (a story here has no format; the post is imported)"
    if taxonomy == "nav_menu":
        return "menus are not imported (set up the site's navigation here)"
    return f"custom taxonomy {taxonomy!r} is not imported"


class TermImporter:
    """Categories and tags of one import run, remembered by slug as they are imported."""

    def __init__(self, report, ledger):
        self.report = report
        self.ledger = ledger
        self.category_by_slug = {}
        self.tag_by_slug = {}
        self.uncategorized_id = None
        # WordPress lists every category and tag twice (<wp:category>/<wp:tag>, then
        # <wp:term> with the same term_id): a term is imported once per run.
        self.seen_terms = set()
        # Posts' languages and translation groups (wordpress.polylang).
        self.polylang = polylang.Polylang(report, ledger)
        self.category_ct = ContentType.objects.get_for_model(Category)
        self.tag_ct = ContentType.objects.get_for_model(Tag)

    def import_terms(self, terms):
        if not terms:
            return
        mapped = self.ledger.mapped(Kind.TERM, [t.wp_id for t in terms])
        categories = Category.objects.in_bulk(
            [m.object_id for m in mapped.values() if m.content_type_id == self.category_ct.pk]
        )
        tags = Tag.objects.in_bulk(
            [m.object_id for m in mapped.values() if m.content_type_id == self.tag_ct.pk]
        )
        parents = []
        for term in terms:
            name = unescape(term.name).strip()
            key = term.wp_id if term.wp_id is not None else (term.taxonomy, term.slug)
            if key in self.seen_terms:
                self.report.repeated_terms += 1
                continue
            self.seen_terms.add(key)
            if term.taxonomy in (polylang.LANGUAGE, polylang.POST_TRANSLATIONS):
                self.polylang.take_term(term)
                continue
            if term.taxonomy not in ("category", "post_tag"):
                self.report.skip(
                    "other terms",
                    "term",
                    term.wp_id,
                    name,
                    skipped_taxonomy_reason(term.taxonomy),
                )
                continue
            what = "category" if term.taxonomy == "category" else "tag"
            kind = "categories" if what == "category" else "tags"
            max_length = 120 if what == "category" else 100
            slug = decode_slug(term.slug, max_length=max_length, fallback=name)
            if not slug or not name:
                self.report.fail(kind, what, term.wp_id, name, "it has no name or slug")
                continue
            mapping = mapped.get(term.wp_id)
            known = (categories if what == "category" else tags).get(
                mapping.object_id if mapping else None
            )
            try:
                with transaction.atomic():
                    if what == "category":
                        obj, outcome = self._category(slug, name, term.description, known)
                    else:
                        obj, outcome = self._tag(slug, name, known)
                    self.ledger.remember(mapping, Kind.TERM, term.wp_id, obj, title=name)
            except Exception as exc:
                logger.exception("term %s failed", term.slug)
                self.report.fail(kind, what, term.wp_id, name, reason(exc))
                continue
            self.report.count(kind, outcome)
            if what == "category":
                self.category_by_slug[slug] = obj.pk
                parents.append((term, obj))
            else:
                self.tag_by_slug[slug] = obj.pk
        # Parents after all categories exist: an export lists them parents first,
        # but a hand-edited file need not.
        for term, category in parents:
            self._set_parent(term, category)

    def _category(self, slug, name, description, known=None):
        name = name[:100]
        description = unescape(description or "")
        category = known or Category.objects.filter(slug=slug).first()
        if category is None:
            return Category.objects.create(name=name, slug=slug, description=description), (
                "created"
            )
        if known is None:
            return category, "unchanged"  # an existing section of this site: leave it be
        if (category.name, category.description) != (name, description):
            category.name, category.description = name, description
            category.save()
            return category, "updated"
        return category, "unchanged"

    def _tag(self, slug, name, known=None):
        name = name[:100]
        tag = (
            known or Tag.objects.filter(slug=slug).first() or Tag.objects.filter(name=name).first()
        )
        if tag is None:
            return Tag.objects.create(name=name, slug=slug), "created"
        if known is not None and tag.name != name and not Tag.objects.filter(name=name).exists():
            tag.name = name
            tag.save()
            return tag, "updated"
        return tag, "unchanged"

    def _set_parent(self, term, category):
        if not term.parent_slug:
            parent_id = None
        else:
            parent_id = self.category_by_slug.get(decode_slug(term.parent_slug, max_length=120))
            if parent_id is None:
                self.report.warn(
                    "category",
                    term.wp_id,
                    term.name,
                    f"its parent {term.parent_slug!r} is not in the export: left at the top",
                )
                return
        if parent_id == category.parent_id:
            return
        ancestor, seen = parent_id, set()
        while ancestor is not None and ancestor not in seen:
            if ancestor == category.pk:
                self.report.warn(
                    "category",
                    term.wp_id,
                    term.name,
                    "its parent would make a loop: left where it was",
                )
                return
            seen.add(ancestor)
            ancestor = Category.objects.filter(pk=ancestor).values_list("parent_id", flat=True)[0]
        Category.objects.filter(pk=category.pk).update(parent_id=parent_id)

    def category_for_item(self, item):
        """The pk of a post's (first) category; "Uncategorized" when it has none."""
        for ref in item.terms:
            if ref.taxonomy != "category":
                continue
            name = unescape(ref.name).strip()
            slug = decode_slug(ref.slug, max_length=120, fallback=name)
            if not slug:
                continue
            pk = self.category_by_slug.get(slug)
            if pk is None:
                with transaction.atomic():
                    category, outcome = self._category(slug, name or slug, "")
                self.report.count("categories", outcome)
                pk = self.category_by_slug[slug] = category.pk
            return pk
        if self.uncategorized_id is None:
            with transaction.atomic():
                category, outcome = self._category(*UNCATEGORIZED, "")
            self.report.count("categories", outcome)
            self.uncategorized_id = category.pk
        return self.uncategorized_id

    def tags_for_item(self, item):
        """The pks of a post's tags, in the export's order."""
        pks = []
        for ref in item.terms:
            if ref.taxonomy != "post_tag":
                continue
            name = unescape(ref.name).strip()
            slug = decode_slug(ref.slug, max_length=100, fallback=name)
            if not slug or not name:
                continue
            pk = self.tag_by_slug.get(slug)
            if pk is None:
                with transaction.atomic():
                    tag, outcome = self._tag(slug, name)
                self.report.count("tags", outcome)
                pk = self.tag_by_slug[slug] = tag.pk
            if pk not in pks:
                pks.append(pk)
        return pks
