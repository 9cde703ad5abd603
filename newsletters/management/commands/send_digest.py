"""Plan and send today's daily (or this week's weekly) digest; for cron sites without beat."""

from django.core.management.base import BaseCommand

from newsletters import services
from newsletters.models import Edition


class Command(BaseCommand):
    help = "Plans the daily or weekly digest (once per day or week) and sends it."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["daily", "weekly"])
        parser.add_argument(
            "--resume", action="store_true", help="Also take up editions cut off by a dead worker."
        )

    def handle(self, *args, kind, resume, **options):
        edition = services.plan_digest(Edition.Kind(kind))
        if edition is None:
            self.stdout.write("Nothing new since the last digest: no edition.")
        else:
            self.stdout.write(
                f"Edition {edition.pk}: {edition.subject} ({edition.get_status_display()})"
            )
        if resume:
            queued = services.resume()
            self.stdout.write(f"Resumed {len(queued)} edition(s).")
