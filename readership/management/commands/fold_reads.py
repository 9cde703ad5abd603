"""Fold the hourly read counts into daily totals; for cron sites without beat."""

from django.core.management.base import BaseCommand

from readership import services


class Command(BaseCommand):
    help = "Writes the daily read totals of the last DAYS days from the hourly counts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=2)

    def handle(self, *args, days, **options):
        if days < 1:
            self.stderr.write("--days must be 1 or more.")
            raise SystemExit(2)
        written = services.fold(days=days)
        self.stdout.write(f"Wrote {written} daily totals.")
