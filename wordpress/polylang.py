"""Polylang's languages and translation groups become editions and translation groups.

Polylang keeps a post's language as a term of its `language` taxonomy (the term's
slug is the language code, "en", "hy") and links a post to its translations by a
term of its `post_translations` taxonomy, whose description is a PHP-serialised
array of language code -> post id (`a:2:{s:2:"en";i:4;s:2:"hy";i:5;}`).

A post in a language that is an edition here is imported into that edition; a post
in a language this site has no edition for is skipped and reported (it would
otherwise stand in the default edition's listings and feeds in the wrong language;
add the edition to EDITIONS and import again to bring it). A post without a language
goes to the default edition. Posts of one Polylang group share a translation group,
a UUID derived from the exporting site and the group's term, so every run of the
import gives the same one.
"""

import re
import uuid
from collections import defaultdict
from html import unescape

from django.utils.translation import get_supported_language_variant

from articles import editions
from articles.models import Article

LANGUAGE = "language"
POST_TRANSLATIONS = "post_translations"
# Polylang's languages and groups of categories and tags.
TERM_TAXONOMIES = {"term_language", "term_translations"}


class PHPFormatError(ValueError):
    pass


def php_unserialize(text):
    """A PHP `serialize()` value of strings, integers, booleans, null and arrays, as
    Python values (arrays become dicts). Raises PHPFormatError for anything else."""
    data = text.encode()
    value, end = _php_value(data, 0)
    if data[end:].strip():
        raise PHPFormatError(f"unexpected data after the value at byte {end}")
    return value


_SCALAR = re.compile(rb"([idb]):(-?[0-9.]+);")


def _php_value(data, at):
    kind = data[at : at + 2]
    if data[at : at + 2] == b"N;":
        return None, at + 2
    if kind in (b"i:", b"d:", b"b:"):
        match = _SCALAR.match(data, at)
        if not match:
            raise PHPFormatError(f"bad number at byte {at}")
        number = match[2].decode()
        value = {b"i": int, b"d": float, b"b": lambda n: n == "1"}[match[1]](number)
        return value, match.end()
    if kind == b"s:":
        colon = data.index(b":", at + 2)
        length = int(data[at + 2 : colon])
        start = colon + 2  # past :"
        end = start + length
        if data[colon + 1 : start] != b'"' or data[end : end + 2] != b'";':
            raise PHPFormatError(f"bad string at byte {at}")
        return data[start:end].decode("utf-8", errors="replace"), end + 2
    if kind == b"a:":
        colon = data.index(b":", at + 2)
        count = int(data[at + 2 : colon])
        at = colon + 1
        if data[at : at + 1] != b"{":
            raise PHPFormatError(f"bad array at byte {at}")
        at += 1
        result = {}
        for _ in range(count):
            key, at = _php_value(data, at)
            result[key], at = _php_value(data, at)
        if data[at : at + 1] != b"}":
            raise PHPFormatError(f"unclosed array at byte {at}")
        return result, at + 1
    raise PHPFormatError(f"unsupported PHP value at byte {at}")


def edition_for(slug):
    """The edition of a Polylang language term's slug ("en", "hy", "en-gb"), or None."""
    code = (slug or "").strip().lower().replace("_", "-")
    if not code:
        return None
    if code in editions.codes():
        return code
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


class Polylang:
    """What one import run learns of Polylang: its languages, its groups, and the notes
    for the summary."""

    def __init__(self, report, ledger):
        self.report = report
        self.ledger = ledger
        self.languages = {}  # term slug -> name
        self.groups = {}  # group term slug -> {language slug: post id}
        self.posts_by_language = defaultdict(int)
        self.skipped_by_language = defaultdict(int)
        self.sections_by_language = defaultdict(set)

    @property
    def seen(self):
        return bool(self.languages or self.groups)

    def take_term(self, term):
        """Remember a `language` or `post_translations` term of the export's header."""
        if term.taxonomy == LANGUAGE:
            self.languages[term.slug.strip().lower()] = unescape(term.name).strip()
        elif term.taxonomy == POST_TRANSLATIONS:
            try:
                members = php_unserialize(unescape(term.description or ""))
            except (PHPFormatError, ValueError) as exc:
                self.report.warn(
                    "term",
                    term.wp_id,
                    term.slug,
                    f"Polylang translation group not read ({exc}): its posts are not linked",
                )
                members = {}
            if not isinstance(members, dict):
                members = {}
            self.groups[term.slug] = {
                str(lang).lower(): post_id
                for lang, post_id in members.items()
                if isinstance(post_id, int)
            }

    def for_item(self, item):
        """(language slug or None, group term slug or None) of a post."""
        language = group = None
        for ref in item.terms:
            if ref.taxonomy == LANGUAGE and language is None:
                language = ref.slug.strip().lower()
            elif ref.taxonomy == POST_TRANSLATIONS and group is None:
                group = ref.slug.strip()
        return language, group

    def placement(self, item):
        """(edition, translation group UUID or None, why it is not linked or "") of a
        post; the edition is None when the post's language is not an edition here."""
        language, group = self.for_item(item)
        if language is None:
            return editions.default(), None, ""
        edition = edition_for(language)
        if edition is None:
            self.skipped_by_language[language] += 1
            return None, None, ""
        self.posts_by_language[language] += 1
        for ref in item.terms:
            if ref.taxonomy == "category":
                self.sections_by_language[language].add(unescape(ref.name).strip())
        if group is None:
            return edition, None, ""
        members = self.groups.get(group)
        if members is not None and members.get(language) != item.wp_id:
            return (
                edition,
                None,
                f"Polylang's group {group!r} does not list it as its {language!r} post: "
                "not linked to its translations",
            )
        linked = [lang for lang in (members or {}) if edition_for(lang) is not None]
        if members is not None and len(linked) < 2:
            return edition, None, ""  # its translations are in languages skipped here
        return edition, uuid.uuid5(uuid.NAMESPACE_URL, f"{self.ledger.site}#{group}"), ""

    def check_group(self, article, item):
        """Keep `article` out of its translation group when the group has a story in
        its edition already (a translation made here): warned, not failed."""
        group = article.translation_group
        if group is None:
            return
        taken = (
            Article.objects.filter(translation_group=group, language=article.language)
            .exclude(pk=article.pk)
            .first()
        )
        if taken is not None:
            self.report.warn_item(
                item,
                f"its translation group has a story in the {article.language!r} edition "
                f"already (“{taken.title}”): imported without the link",
            )
            article.translation_group = None

    def notes(self):
        """Lines for the summary: what became of Polylang's languages and groups."""
        if not self.seen:
            return []
        lines = []
        for slug, name in sorted(self.languages.items()):
            edition = edition_for(slug)
            if edition is not None:
                lines.append(
                    f"Polylang language {slug!r} ({name}): the {edition!r} edition, "
                    f"{self.posts_by_language[slug]} post(s)"
                )
            else:
                lines.append(
                    f"Polylang language {slug!r} ({name}): not an edition of this site "
                    f"(EDITIONS: {', '.join(editions.codes())}); its "
                    f"{self.skipped_by_language[slug]} post(s) were skipped: add the edition "
                    "and import again to bring them"
                )
        lines.append(
            f"Polylang translation groups: {len(self.groups)}, their posts linked as "
            "translations of each other"
        )
        for slug in sorted(self.sections_by_language):
            edition = edition_for(slug)
            if edition is None or edition == editions.default():
                continue
            names = ", ".join(sorted(self.sections_by_language[slug]))
            lines.append(
                f"Sections of the {slug!r} posts ({names}) are imported as sections of "
                "their own: this site keeps one name per section, so Polylang's "
                "translations of categories and tags are not merged"
            )
        return lines
