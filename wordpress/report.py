"""What a WordPress import did: counts per kind and outcome, and its problems.

`ImportReport` is filled in by every step of the import and returned by
`WordPressImporter.run()`; the `import_wordpress` command prints it. Nothing
here touches the database.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")


@dataclass
class Problem:
    what: str  # "post", "attachment", "category", "author"...
    wp_id: int | None
    title: str
    message: str
    url: str = ""

    def __str__(self):
        wp_id = self.wp_id if self.wp_id is not None else "?"
        title = f' "{self.title}"' if self.title else ""
        return f"{self.what} {wp_id}{title}: {self.message}"


@dataclass
class ImportReport:
    site: str = ""
    wxr_version: str = ""
    dry_run: bool = False
    counts: dict = field(default_factory=lambda: defaultdict(Counter))
    failures: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # lines about the whole import (Polylang)
    media_failures: list = field(default_factory=list)
    error: str = ""  # the file could not be read (any further)
    repeated_terms: int = 0  # terms the export lists twice, imported once
    comments: Counter = field(default_factory=Counter)  # per status: kept in the comments file
    comments_file: str = ""

    def count(self, kind, outcome, n=1):
        self.counts[kind][outcome] += n

    def total(self, outcome):
        return sum(c[outcome] for c in self.counts.values())

    def fail(self, kind, what, wp_id, title, message):
        self.count(kind, "failed")
        self.failures.append(Problem(what, wp_id, title, message))

    def skip(self, kind, what, wp_id, title, message):
        self.count(kind, "skipped")
        self.skipped.append(Problem(what, wp_id, title, message))

    def warn(self, what, wp_id, title, message):
        self.warnings.append(Problem(what, wp_id, title, message))

    def warn_item(self, item, message):
        """A warning about an exported <item> (a post, page, attachment...)."""
        self.warn(item.post_type or "item", item.wp_id, item.title, message)

    @property
    def ok(self):
        return not self.error and not self.failures


def reason(exc):
    """An unexpected exception as the message of a failure."""
    return f"{type(exc).__name__}: {exc}"[:500]
