"""`manage.py rebuild_search_index`: rebuild the full-text search vectors (PostgreSQL)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from articles import search


class Command(BaseCommand):
    help = (
        "Recompute the full-text search vectors of articles (PostgreSQL), in batches. "
        "Run after bulk imports, raw SQL edits or loading fixtures; saves keep them current."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=2000, help="Articles per transaction (default 2000)."
        )
        parser.add_argument(
            "--missing", action="store_true", help="Only articles that have no vector yet."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, batch_size, missing, database, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if connections[database].vendor != "postgresql":
            self.stdout.write(
                "Nothing to do: the search index is PostgreSQL's; on "
                f"{connections[database].vendor} search reads the articles directly."
            )
            return
        verbosity = options["verbosity"]

        def progress(done):
            if verbosity > 1:
                self.stdout.write(f"  {done} articles indexed")

        done = search.rebuild_index(
            batch_size=batch_size, only_missing=missing, using=database, progress=progress
        )
        self.stdout.write(self.style.SUCCESS(f"Indexed {done} articles."))
