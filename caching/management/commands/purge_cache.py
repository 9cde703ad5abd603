"""`manage.py purge_cache`: drop every cached page and fragment, the edge's too."""

from django.core.management.base import BaseCommand, CommandError

from caching import purges


class Command(BaseCommand):
    help = (
        "Purge cached pages and fragments by key (e.g. article:12 home), here and at the "
        "edge; --all drops everything."
    )

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="*", help="keys such as article:12, section:3, home")
        parser.add_argument("--all", action="store_true", help="drop everything")

    def handle(self, *args, keys, all, **options):
        if all == bool(keys):
            raise CommandError("Name the keys to purge (e.g. article:12 home), or give --all.")
        if all:
            if not purges.purge_all():
                raise CommandError("The purge did not reach every cache: see the log above.")
            self.stdout.write(self.style.SUCCESS("Purged everything."))
            return
        purges.purge(keys)
        self.stdout.write(self.style.SUCCESS(f"Purged {', '.join(sorted(set(keys)))}."))
