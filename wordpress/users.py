"""WordPress users (<wp:author>, and post creators) become our Authors.

An author's slug is the WordPress login's nicename, so that /author/<login>/
keeps naming the same person; `AuthorImporter` also finds the byline of each
post, creating authors the export's header did not list.
"""

import logging
from html import unescape

from django.db import transaction

from authors.models import Author

from .models import ImportedItem
from .report import reason
from .wxr_values import wp_nicename

logger = logging.getLogger(__name__)

Kind = ImportedItem.Kind


class AuthorImporter:
    """Authors of one import run; `by_login` is filled in as they are imported or found."""

    def __init__(self, report, ledger):
        self.report = report
        self.ledger = ledger
        self.by_login = {}
        self.slug_owner = {}  # slug -> login, to keep two logins apart

    def import_authors(self, authors):
        if not authors:
            return
        mapped = self.ledger.mapped(Kind.AUTHOR, [a.wp_id for a in authors])
        existing = Author.objects.in_bulk([m.object_id for m in mapped.values() if m.object_id])
        for wp_author in authors:
            login = wp_author.login
            if not login:
                self.report.fail("authors", "author", wp_author.wp_id, "", "it has no login")
                continue
            name = (
                unescape(wp_author.display_name)
                or " ".join(filter(None, [wp_author.first_name, wp_author.last_name]))
                or login
            )[:150]
            mapping = mapped.get(wp_author.wp_id)
            author = existing.get(mapping.object_id) if mapping else None
            try:
                with transaction.atomic():
                    outcome = "unchanged"
                    if author is None:
                        author, outcome = self._author_for_login(login, name, wp_author.email)
                    else:
                        email = wp_author.email if _valid_email(wp_author.email) else author.email
                        if (author.name, author.email) != (name, email):
                            author.name, author.email = name, email
                            author.save()
                            outcome = "updated"
                    self.ledger.remember(mapping, Kind.AUTHOR, wp_author.wp_id, author, title=name)
            except Exception as exc:
                logger.exception("author %s failed", login)
                self.report.fail("authors", "author", wp_author.wp_id, login, reason(exc))
                continue
            self.by_login[login] = author.pk
            self.slug_owner[author.slug] = login
            self.report.count("authors", outcome)

    def _author_for_login(self, login, name, email=""):
        """(Author, outcome) for a WordPress login: the one at /author/<nicename>/, or a new one."""
        base = wp_nicename(login)
        slug, n = base, 2
        while self.slug_owner.get(slug, login) != login:
            slug = f"{base[:150]}-{n}"
            n += 1
        author = Author.objects.filter(slug=slug).first()
        if author is not None:
            return author, "unchanged"
        author = Author.objects.create(
            name=name or login, slug=slug, email=email if _valid_email(email) else ""
        )
        return author, "created"

    def author_for_item(self, item):
        """The pk of the Author of a post (its dc:creator), or None when it names nobody."""
        login = item.creator
        if not login:
            self.report.warn_item(item, "it has no author (dc:creator): imported without a byline")
            return None
        pk = self.by_login.get(login)
        if pk is not None:
            return pk
        # Exports of a single author's posts, or WXR 1.0, may not list the author.
        with transaction.atomic():
            author, outcome = self._author_for_login(login, login)
        self.by_login[login] = author.pk
        self.slug_owner[author.slug] = login
        self.report.count("authors", outcome)
        self.report.warn_item(
            item,
            f"its author {login!r} is not in the export's list of authors: "
            f"byline {author.name!r} (/author/{author.slug}/) used",
        )
        return author.pk


def _valid_email(value):
    return bool(value) and "@" in value and len(value) <= 254
