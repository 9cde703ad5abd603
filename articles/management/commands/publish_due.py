"""Run the go-live side effects that are owed, for sites that use cron instead of Celery beat."""

from django.core.management.base import BaseCommand, CommandError

from articles.tasks import SWEEP_BATCH, publish_due


class Command(BaseCommand):
    help = (
        "Run the go-live side effects (sharing, pings, cache refresh) of every live article "
        "that has not had them, and recover deliveries cut off by a dead worker. Safe to run "
        "at any time and as often as you like, e.g. every minute from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=SWEEP_BATCH,
            help=f"At most this many articles per run (default {SWEEP_BATCH}).",
        )

    def handle(self, *args, limit, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        # In this process: it must work while the workers are down.
        summary = publish_due.run(limit=limit)
        self.stdout.write(f"{summary['due']} article(s) due, {summary['went_live']} went live now.")
        for name, result in summary["sweeps"].items():
            if result:
                self.stdout.write(f"{name}: {result}")
        if summary["errors"]:
            for error in summary["errors"]:
                self.stderr.write(error)
            # A non-zero exit makes cron mail the errors.
            raise CommandError(f"{len(summary['errors'])} error(s); see above.")
