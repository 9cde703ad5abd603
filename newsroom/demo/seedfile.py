"""Reading the seed page (the text of a real article page with its sidebar).

The file is the page as a reader copies it from a browser:

    Artsakh                              <- category
    Artsakh Leadership Again Reject ...  <- headline
    STEPANAKERT — Nagorno-Karabakh ...   <- body paragraphs, the first with its dateline
    ...
    MassisPost                           <- byline: the body ends here
    Share / Published by / MassisPost    <- page furniture, ignored
    Recent Posts
    <title>                              <- then, per sidebar post, three lines
    <DATELINE -- excerpt…>
    <12 hours ago>
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

SEED_FILE = Path(__file__).resolve().parent / "massispost-article.txt"
RECENT_POSTS_HEADING = "Recent Posts"

# Wire-style datelines are upper case ("STEPANAKERT", "WASHINGTON, DC",
# "ATWATER VILLAGE, CA.") followed by a dash of some kind; requiring capitals
# keeps an ordinary sentence with a dash in it from being taken for one.
DATELINE = re.compile(
    r"^(?P<dateline>[A-Z][A-Z0-9 .,'’/&()-]*?)\s+(?:—|–|--|-)\s+(?P<text>\S.*)$", re.DOTALL
)
AGE = re.compile(r"^(?P<count>\d+|an?)\s+(?P<unit>minute|hour|day|week)s?\s+ago$", re.IGNORECASE)
ELLIPSIS = ("…", "...")


class SeedFormatError(ValueError):
    """The seed file does not have the shape of an article page."""


@dataclass(frozen=True)
class RecentPost:
    title: str
    dateline: str
    excerpt: str  # without dateline and trailing ellipsis
    age_label: str
    age: timedelta


@dataclass(frozen=True)
class SeedPage:
    category: str
    title: str
    dateline: str
    paragraphs: list[str]  # the first without its dateline
    byline: str
    recent_posts: list[RecentPost] = field(default_factory=list)


def split_dateline(text):
    """("STEPANAKERT", "Nagorno-Karabakh ...") from "STEPANAKERT — Nagorno-Karabakh ..."."""
    match = DATELINE.match(text.strip())
    if match is None:
        return "", text.strip()
    return match["dateline"].strip(), match["text"].strip()


def parse_age(label):
    """timedelta(hours=12) from "12 hours ago" ("a day ago", "3 weeks ago" also work)."""
    match = AGE.match(label.strip())
    if match is None:
        raise SeedFormatError(
            f"Cannot read the age {label!r}: expected e.g. '12 hours ago', '2 days ago' "
            "or '40 minutes ago'."
        )
    count = match["count"].lower()
    count = 1 if count in ("a", "an") else int(count)
    return timedelta(**{match["unit"].lower() + "s": count})


def _strip_ellipsis(text):
    for mark in ELLIPSIS:
        if text.endswith(mark):
            return text[: -len(mark)].rstrip()
    return text


def parse(text):
    """Read the seed page's text into a SeedPage; a malformed file raises SeedFormatError."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) < 3:
        raise SeedFormatError(
            "The seed file is too short: it needs a category, a headline, body paragraphs "
            "and a byline line."
        )
    category, title, rest = lines[0], lines[1], lines[2:]

    # The byline line closes the body; it is the first line repeated after
    # "Published by", or failing that the line before the page furniture.
    try:
        end = rest.index("Published by")
        byline = rest[end + 1]
    except (ValueError, IndexError) as exc:
        raise SeedFormatError(
            "The seed file has no 'Published by' line followed by the byline."
        ) from exc
    try:
        body_end = rest.index(byline)
    except ValueError as exc:  # pragma: no cover - index() above found it at least once
        raise SeedFormatError(f"The byline {byline!r} does not close the body.") from exc
    paragraphs = rest[:body_end]
    if not paragraphs:
        raise SeedFormatError("The seed article has no body paragraphs.")
    dateline, first = split_dateline(paragraphs[0])
    if not dateline:
        raise SeedFormatError(
            f"The first paragraph does not start with a dateline such as 'STEPANAKERT — ': "
            f"{paragraphs[0][:60]!r}"
        )
    paragraphs = [first, *paragraphs[1:]]

    recent = []
    if RECENT_POSTS_HEADING in rest:
        sidebar = rest[rest.index(RECENT_POSTS_HEADING) + 1 :]
        if len(sidebar) % 3:
            raise SeedFormatError(
                "Each recent post needs three lines (title, excerpt, age); "
                f"found {len(sidebar)} lines after '{RECENT_POSTS_HEADING}'."
            )
        for i in range(0, len(sidebar), 3):
            post_title, excerpt, age_label = sidebar[i : i + 3]
            post_dateline, excerpt = split_dateline(excerpt)
            recent.append(
                RecentPost(
                    title=post_title,
                    dateline=post_dateline,
                    excerpt=_strip_ellipsis(excerpt),
                    age_label=age_label,
                    age=parse_age(age_label),
                )
            )
    return SeedPage(
        category=category,
        title=title,
        dateline=dateline,
        paragraphs=paragraphs,
        byline=byline,
        recent_posts=recent,
    )


def load(path=SEED_FILE):
    """Parse the seed file at `path` (the copy kept in this package by default)."""
    return parse(Path(path).read_text(encoding="utf-8"))
