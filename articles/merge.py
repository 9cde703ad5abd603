"""Edit conflicts, field by field: what a refused (stale) save changed, against what was
saved meanwhile and the version both started from.

A save based on a version someone else has replaced is refused
(services.StaleArticle) and kept whole in the editor's draft slot
(ArticleDraft, with `extra` for the fields the autosave does not carry). The
merge compares three values of each field: "base" (the version the editor
opened, from its revision), "theirs" (saved now) and "yours" (the refused
save or the autosaved draft). A field only they changed keeps their value, one
only you changed keeps yours; one both changed is asked. The chosen values are
saved by services.save_merge against the version shown, so a save that comes
in the meantime refuses the merge in turn.
"""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from reversion.models import Version

from authors.models import Author
from categories.models import Category
from images.models import Image

from .html import clean_html
from .models import ArticleAuthor
from .revision_diff import text_of, word_diff

THEIRS, YOURS, BOTH = "theirs", "yours", "both"

# (name, label, kind); kinds say how a value is compared, shown and combined.
MERGE_FIELDS = [
    ("title", "Headline", "text"),
    ("slug", "Address (slug)", "text"),
    ("dek", "Excerpt", "prose"),
    ("body", "Body", "html"),
    ("dateline", "Dateline", "text"),
    ("category_id", "Section", "category"),
    ("tags", "Tags", "list"),
    ("author_ids", "Bylines", "authors"),
    ("featured_image_id", "Featured image", "image"),
    ("featured_image_caption", "Image caption", "text"),
    ("canonical_url", "Source / canonical URL", "text"),
    ("publish_at", "Publication time", "time"),
    ("is_featured", "Featured on the home page", "bool"),
    ("content_updated_at", "Last substantial update", "time"),
]
KINDS = {name: kind for name, _label, kind in MERGE_FIELDS}
# Where "both" means something: the two texts one after the other, or the union.
BOTH_KINDS = {"prose", "html", "list", "authors"}


def _time(value):
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.astimezone(timezone.UTC).isoformat() if value else None


def normalise(name, value):
    """A value as compared and stored in a draft (JSON-friendly)."""
    kind = KINDS[name]
    if kind == "html":
        return clean_html(value or "").strip()
    if kind == "prose" or kind == "text":
        return (value or "").strip()
    if kind == "time":
        return _time(value)
    if kind == "bool":
        return bool(value)
    if kind == "list":
        return [str(v) for v in value or []]
    if kind == "authors":
        return [int(v) for v in value or []]
    return int(value) if value not in (None, "") else None  # ids


def _same(name, a, b):
    if KINDS[name] == "list":
        return sorted(v.lower() for v in a) == sorted(v.lower() for v in b)
    return a == b


def current_values(article):
    """The fields of `article` as saved now ("theirs")."""
    values = {
        name: getattr(article, name)
        for name, _label, kind in MERGE_FIELDS
        if name not in ("tags", "author_ids")
    }
    values["tags"] = list(
        article.tags.order_by("taggit_taggeditem_items__id").values_list("name", flat=True)
    )
    values["author_ids"] = list(
        ArticleAuthor.objects.filter(article=article).values_list("author_id", flat=True)
    )
    return {name: normalise(name, value) for name, value in values.items()}


def base_values(article, base_version):
    """The fields as the version `base_version` had them (from its revision), or {}.

    Tags are not kept in revisions: they are compared without a base.
    """
    if base_version is None:
        return {}
    for version in Version.objects.get_for_object(article).select_related("revision")[:200]:
        data = version.field_dict
        if data.get("version") != base_version:
            continue
        values = {
            name: normalise(name, data.get(name))
            for name, _label, _kind in MERGE_FIELDS
            if name in data and name != "tags"
        }
        bylines = [
            v.field_dict
            for v in version.revision.version_set.all()
            if v.content_type.model_class() is ArticleAuthor
        ]
        values["author_ids"] = [
            line["author_id"] for line in sorted(bylines, key=lambda b: (b["order"], b["id"]))
        ]
        return values
    return {}


def draft_values(draft, base):
    """The editor's side ("yours"): the draft's text and, for a refused save, the rest;
    a field the draft does not carry is the base's (the editor did not change it)."""
    values = dict(base)
    values.update({key: value for key, value in (draft.extra or {}).items() if key in KINDS})
    values.update({"title": draft.title, "dek": draft.dek, "body": draft.body})
    return {name: normalise(name, value) for name, value in values.items()}


@dataclass
class FieldConflict:
    name: str
    label: str
    kind: str
    theirs: object
    yours: object
    base: object = None
    has_base: bool = False
    default: str | None = None  # THEIRS, YOURS, or None: the editor must choose
    choices: list = field(default_factory=list)

    @property
    def why(self):
        if self.default == THEIRS:
            return "Only they changed it: their change is kept unless you choose otherwise."
        if self.default == YOURS:
            return "Only you changed it: your change is kept unless you choose otherwise."
        return "You both changed it: choose which to keep."

    def combined(self):
        """The "both" value: the two texts one after the other, or the union of lists."""
        if self.kind in ("list", "authors"):
            seen = list(self.theirs)
            for value in self.yours:
                if value not in seen and not (
                    self.kind == "list" and value.lower() in {v.lower() for v in seen}
                ):
                    seen.append(value)
            return seen
        if self.kind == "html":
            return f"{self.theirs}\n{self.yours}"
        return f"{self.theirs}\n\n{self.yours}".strip()

    def value_for(self, choice):
        return {THEIRS: self.theirs, YOURS: self.yours, BOTH: self.combined()}[choice]


@dataclass
class Merge:
    article: object
    version: int  # the version "theirs" is
    base_version: int | None
    conflicts: list
    theirs: dict
    yours: dict

    def values(self, choices):
        """The merged values for `choices` ({field: THEIRS/YOURS/BOTH}); raises
        KeyError with the labels of the conflicts left without a choice."""
        values = dict(self.theirs)
        missing = []
        for conflict in self.conflicts:
            choice = choices.get(conflict.name) or conflict.default
            if choice not in conflict.choices:
                missing.append(conflict.label)
                continue
            values[conflict.name] = conflict.value_for(choice)
        if missing:
            raise KeyError(missing)
        return values


def compare(article, draft):
    """The Merge of `draft` (an ArticleDraft) into `article` as saved now."""
    base = base_values(article, draft.base_version)
    theirs = current_values(article)
    yours = draft_values(draft, base)
    conflicts = []
    for name, label, kind in MERGE_FIELDS:
        if name not in yours or _same(name, theirs[name], yours[name]):
            continue
        has_base = name in base
        default = None
        if has_base and _same(name, base[name], yours[name]):
            default = THEIRS
        elif has_base and _same(name, base[name], theirs[name]):
            default = YOURS
        choices = [THEIRS, YOURS] + ([BOTH] if kind in BOTH_KINDS else [])
        conflicts.append(
            FieldConflict(
                name=name,
                label=label,
                kind=kind,
                theirs=theirs[name],
                yours=yours[name],
                base=base.get(name),
                has_base=has_base,
                default=default,
                choices=choices,
            )
        )
    return Merge(
        article=article,
        version=article.version,
        base_version=draft.base_version,
        conflicts=conflicts,
        theirs=theirs,
        yours=yours,
    )


# -- how values are shown --------------------------------------------------------


def _names(model, ids, attribute):
    found = dict(model.objects.filter(pk__in=ids).values_list("pk", attribute))
    return [found.get(pk, f"(deleted, {pk})") for pk in ids]


def display(conflict, value):
    """`value` of `conflict`'s field as an editor reads it (labels, local times, text)."""
    kind = conflict.kind
    if kind in ("html", "prose"):
        return text_of(value) if kind == "html" else value
    if kind == "time":
        if not value:
            return "—"
        return date_format(timezone.localtime(parse_datetime(value)), "DATETIME_FORMAT")
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "list":
        return ", ".join(value) or "—"
    if kind == "authors":
        return ", ".join(_names(Author, value, "name")) or "—"
    if kind == "category":
        return _names(Category, [value], "name")[0] if value else "—"
    if kind == "image":
        return _names(Image, [value], "title")[0] if value else "—"
    return value or "—"


def shown(conflict, value):
    """`value` for the merge page: long texts marked word by word against the base."""
    text = display(conflict, value)
    if conflict.kind in ("html", "prose") and conflict.has_base:
        return word_diff(display(conflict, conflict.base), text)
    return text


def refused_values(cleaned, data):
    """The fields of a refused admin save, beyond the text, for the draft's `extra`:
    the form's cleaned values and the bylines as posted (the inline's rows)."""
    extra = {}
    simple = ["slug", "dateline", "featured_image_caption", "canonical_url"]
    simple += ["publish_at", "is_featured", "content_updated_at"]  # absent when read-only
    for name in simple:
        if name in cleaned:
            extra[name] = normalise(name, cleaned[name])
    for name, source in (("category_id", "category"), ("featured_image_id", "featured_image")):
        if source in cleaned:
            extra[name] = cleaned[source].pk if cleaned[source] is not None else None
    if "tags" in cleaned:
        extra["tags"] = normalise("tags", cleaned["tags"])
    try:
        rows = int(data.get("bylines-TOTAL_FORMS", ""))
    except ValueError:
        rows = None
    if rows is not None:
        lines = []
        for n in range(min(rows, 100)):
            author = data.get(f"bylines-{n}-author", "")
            if not author.isdigit() or data.get(f"bylines-{n}-DELETE"):
                continue
            order = data.get(f"bylines-{n}-order", "")
            lines.append((int(order) if order.isdigit() else n, n, int(author)))
        extra["author_ids"] = list(dict.fromkeys(pk for _o, _n, pk in sorted(lines)))
    return extra
