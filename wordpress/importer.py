"""The import of one WordPress export (WXR): reads it and drives each step.

The file is read as a stream (`wxr.read`) and written in batches, one
transaction per batch and a savepoint per item: an item that fails is rolled
back whole (never half an article) and reported, and the others go on. Each
imported item is remembered by its WordPress ID (`ImportedItem`), so running
the same export again updates what changed and never duplicates; items whose
exported data did not change since the last run are left alone, which also
keeps edits made here since then.

`WordPressImporter` hands the header's users to `users.AuthorImporter`, its
terms to `terms.TermImporter`, posts to `posts.PostImporter` and attachments to
`media.MediaImporter`, which fetches pictures after the posts, outside any
transaction. All of them fill in the one `report.ImportReport`.
"""

import json
import logging
from zoneinfo import ZoneInfo

from django.db import reset_queries, transaction
from django.utils import timezone

from . import wxr
from .ledger import ImportLedger
from .media import MediaImporter
from .posts import PostImporter
from .report import ImportReport, reason
from .terms import TermImporter
from .users import AuthorImporter

logger = logging.getLogger(__name__)

# wp:comment_approved: "1", "0", "spam", "trash" (WordPress exports no spam, but files vary).
COMMENT_STATUSES = {"1": "approved", "0": "pending", "spam": "spam", "trash": "trash"}


class WordPressImporter:
    """Imports one WXR file; `run()` returns an ImportReport and raises nothing for bad input."""

    def __init__(
        self,
        *,
        dry_run=False,
        batch_size=200,
        fetch_media=True,
        time_zone=None,
        on_read=None,
        http_client=None,
        uploads_dir=None,
        media_url=None,
        comments_file=None,
        announce_past=False,
    ):
        self.dry_run = dry_run
        self.batch_size = max(1, int(batch_size))
        self.fetch_media = fetch_media and not dry_run
        self.tz = ZoneInfo(time_zone) if time_zone else timezone.get_default_timezone()
        self.on_read = on_read
        self.comments_file = None if dry_run else comments_file
        self.comments_out = None
        self.report = ImportReport(dry_run=dry_run)
        self.site = None
        self.header_authors = []
        self.header_terms = []
        self.header_done = False
        self.seen_ids = set()
        self.now = timezone.now()
        # The exporting site is known once the file's header is read (`_start`).
        self.ledger = ImportLedger()
        self.authors = AuthorImporter(self.report, self.ledger)
        self.terms = TermImporter(self.report, self.ledger)
        self.media = MediaImporter(
            self.report,
            self.ledger,
            fetch_media=self.fetch_media,
            dry_run=dry_run,
            http_client=http_client,
            uploads_dir=None if dry_run else uploads_dir,
            media_url=media_url,
        )
        self.posts = PostImporter(
            self.report,
            self.ledger,
            authors=self.authors,
            terms=self.terms,
            media=self.media,
            tz=self.tz,
            now=self.now,
            announce_past=announce_past,
        )

    def run(self, source):
        try:
            if self.dry_run:
                with transaction.atomic():
                    self._run(source)
                    # Every write above was real (slugs, suffixes, counts are exact);
                    # none of it is kept.
                    transaction.set_rollback(True)
            else:
                self._run(source)
        finally:
            if self.comments_out is not None:
                self.comments_out.close()
        return self.report

    def _run(self, source):
        batch = []
        try:
            for entry in wxr.read(source, on_read=self.on_read):
                if isinstance(entry, wxr.Site):
                    self._start(entry)
                elif isinstance(entry, wxr.Author):
                    self.header_authors.append(entry)
                    if self.header_done:
                        self._import_header()
                elif isinstance(entry, wxr.Term):
                    self.header_terms.append(entry)
                    if self.header_done:
                        self._import_header()
                else:
                    if not self.header_done:
                        self._import_header()
                    batch.append(entry)
                    if len(batch) >= self.batch_size:
                        self._import_batch(batch)
                        batch = []
        except wxr.WXRError as exc:
            self.report.error = str(exc)
        except OSError as exc:
            self.report.error = f"cannot read the file: {exc}"
        if self.site is None:
            return
        # Whatever was read whole before a parse error is still imported.
        if not self.header_done or self.header_authors or self.header_terms:
            self._import_header()
        if batch:
            self._import_batch(batch)
        self.media.run()
        self.report.notes += self.terms.polylang.notes()

    def _start(self, site):
        self.site = site
        self.ledger.site = site.key[:200] or "wordpress"
        self.report.site = site.key
        self.report.wxr_version = site.wxr_version

    def _import_header(self):
        authors, terms = self.header_authors, self.header_terms
        self.header_authors, self.header_terms = [], []
        self.header_done = True
        with transaction.atomic():
            self.authors.import_authors(authors)
            self.terms.import_terms(terms)

    def _import_batch(self, items):
        # With DEBUG on, Django keeps every query's SQL: memory must not grow with the file.
        reset_queries()
        with transaction.atomic():
            batch = self.posts.load_batch(items)
            for item in items:
                self._import_item(item, batch)
            batch.write_deferred()

    def _import_item(self, item, batch):
        what = item.post_type or "item"
        if item.problems:
            self.report.fail("posts", what, item.wp_id, item.title, "; ".join(item.problems))
            return
        if item.wp_id in self.seen_ids:
            self.report.fail(
                "posts",
                what,
                item.wp_id,
                item.title,
                f"wp:post_id {item.wp_id} appears twice in the export",
            )
            return
        self.seen_ids.add(item.wp_id)
        article = None
        try:
            if item.post_type == "post":
                # Saved in a savepoint of its own, its failures reported (PostImporter).
                article = self.posts.import_post(item, batch)
            else:
                # A savepoint: whatever goes wrong with one item leaves the batch usable.
                with transaction.atomic():
                    self._import_content(item, batch)
        except Exception as exc:
            # One line on the screen; the traceback goes to the log.
            logger.exception("WordPress %s %s failed", what, item.wp_id)
            self.report.fail("posts", what, item.wp_id, item.title, reason(exc))
        self._keep_comments(item, article)

    def _import_content(self, item, batch):
        what = item.post_type or "item"
        if item.post_type == "attachment":
            self.media.record_attachment(item, batch.mapped.get(item.wp_id))
            return
        if item.post_type != "post":
            reason = (
                "pages are not imported (this site has no pages)"
                if item.post_type == "page"
                else f"post type {item.post_type!r} is not imported"
            )
            self.report.skip("other items", what, item.wp_id, item.title, reason)
            return None
        return self.posts.import_post(item, batch)

    def _keep_comments(self, item, article):
        """Write the item's comments to the comments file (JSON Lines), or count them."""
        for comment in item.comments:
            status = COMMENT_STATUSES.get(comment.approved, comment.approved or "unknown")
            self.report.comments[status] += 1
            if not self.comments_file:
                continue
            if self.comments_out is None:
                self.comments_out = open(self.comments_file, "w", encoding="utf-8")  # noqa: SIM115
                self.report.comments_file = str(self.comments_file)
            row = {
                "site": self.ledger.site,
                "post_id": item.wp_id,
                "post_type": item.post_type,
                "post_title": item.title,
                "post_url": item.link,
                "article_id": article.pk if article is not None else None,
                "article_url": (
                    article.get_absolute_url()
                    if article is not None and article.publish_at
                    else None
                ),
                "comment_id": comment.wp_id,
                "parent_id": comment.parent or None,
                "type": comment.comment_type,
                "status": status,
                "author": comment.author,
                "author_email": comment.author_email,
                "author_url": comment.author_url,
                "user_id": comment.user_id or None,
                "date": comment.date,
                "date_gmt": comment.date_gmt,
                "content": comment.content,
            }
            self.comments_out.write(json.dumps(row, ensure_ascii=False) + "\n")
