"""`manage.py import_wordpress`: import a WXR export (see README, "Migrating from WordPress")."""

import os
import sys
from collections import defaultdict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError

from wordpress.report import OUTCOMES
from wordpress.services import import_wxr

KIND_ORDER = [
    "posts",
    "attachments",
    "featured images",
    "body images",
    "categories",
    "tags",
    "authors",
    "other items",
    "other terms",
]
# Grouped skips list at most this many IDs each.
SHOWN_IDS = 10


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR file from Tools -> Export): posts, categories, tags, "
        "authors and featured images. Running it again with the same file updates and never "
        "duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The WXR (.xml) file WordPress exported.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be imported, writing nothing (images are not fetched).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=200,
            help="Items written per transaction (default 200).",
        )
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="Do not fetch featured images from the old site (their URLs are kept).",
        )
        parser.add_argument(
            "--uploads",
            metavar="DIR",
            default=None,
            help="A copy of the old site's wp-content/uploads: featured and body images are "
            "read there instead of being fetched from the old site (missing files are listed).",
        )
        parser.add_argument(
            "--media-url",
            metavar="URL",
            default=None,
            help="Fetch the pictures from this address instead of the old site's "
            "(e.g. https://old.example.org once the domain points here); the path is kept.",
        )
        parser.add_argument(
            "--comments-file",
            metavar="PATH",
            default=None,
            help="Where the export's comments are written, one JSON object a line "
            "(default: the export's path with .comments.jsonl added).",
        )
        parser.add_argument(
            "--timezone",
            default=None,
            help="The WordPress site's time zone (e.g. Asia/Yerevan), for items without a GMT "
            "date. Default: TIME_ZONE.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar, even on a terminal."
        )

    def handle(self, *args, **options):
        path = options["file"]
        if not os.path.isfile(path):
            raise CommandError(f"{path}: no such file")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        if options["timezone"]:
            try:
                ZoneInfo(options["timezone"])
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise CommandError(f"unknown time zone {options['timezone']!r}") from exc

        uploads = options["uploads"]
        if uploads is not None and not os.path.isdir(uploads):
            raise CommandError(
                f"--uploads {uploads}: no such directory (give the copy of wp-content/uploads)"
            )
        if options["media_url"] and not options["media_url"].startswith(("http://", "https://")):
            raise CommandError(
                "--media-url must be an http(s) address, e.g. https://old.example.org"
            )
        comments_file = options["comments_file"] or f"{path}.comments.jsonl"
        if not options["dry_run"]:
            # Refused before anything is imported, not halfway through.
            try:
                with open(comments_file, "a", encoding="utf-8"):
                    pass
            except OSError as exc:
                raise CommandError(
                    f"{comments_file}: cannot write the export's comments there ({exc}); "
                    "give another place with --comments-file"
                ) from exc

        bar = self._progress_bar(path, options)
        try:
            report = import_wxr(
                path,
                dry_run=options["dry_run"],
                batch_size=options["batch_size"],
                fetch_media=not options["no_media"],
                time_zone=options["timezone"],
                on_read=bar.update if bar else None,
                uploads_dir=uploads,
                media_url=options["media_url"],
                comments_file=comments_file,
            )
        except OSError as exc:
            raise CommandError(f"{comments_file}: cannot write the comments: {exc}") from exc
        finally:
            if bar:
                bar.close()

        if not report.site:
            raise CommandError(f"{path}: {report.error or 'nothing to import'}")
        self._summary(report, options)
        if report.error:
            raise CommandError(
                f"{path}: {report.error}. What came before it was "
                f"{'checked' if report.dry_run else 'imported'}; fix the file and run again."
            )
        if report.failures:
            raise CommandError(f"{len(report.failures)} item(s) failed: see above")

    def _progress_bar(self, path, options):
        # Only for a person watching: logs and cron mail get the summary alone.
        if options["no_progress"] or not (self.stdout.isatty() and sys.stderr.isatty()):
            return None
        from tqdm import tqdm

        return tqdm(
            total=os.path.getsize(path),
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="Importing",
            file=sys.stderr,
            leave=False,
        )

    def _summary(self, report, options):
        out = self.stdout.write
        head = f"WordPress import from {report.site} (WXR {report.wxr_version or '?'})"
        if report.dry_run:
            head += " -- DRY RUN: nothing was written"
        out(self.style.MIGRATE_HEADING(head))
        kinds = [k for k in KIND_ORDER if k in report.counts] + sorted(
            k for k in report.counts if k not in KIND_ORDER
        )
        out(f"  {'':<16}" + "".join(f"{o:>11}" for o in OUTCOMES))
        for kind in kinds:
            counts = report.counts[kind]
            out(f"  {kind:<16}" + "".join(f"{counts[o]:>11}" for o in OUTCOMES))
        totals = "  ".join(f"{o} {report.total(o)}" for o in OUTCOMES)
        out(f"  Total: {totals}")

        if report.failures:
            out(self.style.ERROR(f"Failed ({len(report.failures)}):"))
            for problem in report.failures:
                out(f"  {problem}")
        if report.media_failures:
            out(
                self.style.WARNING(
                    f"Pictures not imported ({len(report.media_failures)}; "
                    "the URL is kept with the attachment):"
                )
            )
            for problem in report.media_failures:
                out(f"  {problem}")
        if report.skipped:
            out(f"Skipped ({len(report.skipped)}):")
            grouped = defaultdict(list)
            for problem in report.skipped:
                grouped[problem.message].append(problem)
            for reason, problems in grouped.items():
                ids = ", ".join(str(p.wp_id) for p in problems[:SHOWN_IDS])
                rest = len(problems) - SHOWN_IDS
                more = f", ... {rest} more" if rest > 0 else ""
                out(f"  {reason}: {len(problems)} (WordPress IDs {ids}{more})")
        if report.repeated_terms:
            out(
                f"Terms listed twice by the export (<wp:category>/<wp:tag> and <wp:term>): "
                f"{report.repeated_terms}, imported once"
            )
        if report.comments:
            n = sum(report.comments.values())
            statuses = ", ".join(f"{k} {v}" for k, v in sorted(report.comments.items()))
            if report.comments_file:
                out(f"Comments: {n} ({statuses}) written to {report.comments_file}")
            else:
                out(f"Comments: {n} ({statuses}), not written (dry run)")
        if report.notes:
            out("Languages:")
            for line in report.notes:
                out(f"  {line}")
        if report.warnings:
            out(self.style.WARNING(f"Warnings ({len(report.warnings)}):"))
            for problem in report.warnings:
                out(f"  {problem}")
        if not report.failures and not report.error:
            out(self.style.SUCCESS("Done." if not report.dry_run else "Dry run done."))
