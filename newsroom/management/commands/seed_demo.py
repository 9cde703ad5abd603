"""`manage.py seed_demo`: the demo site's sections, authors, images and stories."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from caching import purges
from newsroom.demo import loader, seedfile


class Command(BaseCommand):
    help = (
        "Load the demo content: the seed article and its Recent Posts, original stories in "
        "every section, bylines, generated pictures, a breaking-news banner and, on a site "
        "with an Armenian edition, Armenian translations of four stories. Safe to run "
        "on every start: demo rows are matched by slug, updated in place and moved up to the "
        "present; nothing is duplicated and no other content is touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed-file",
            type=Path,
            default=seedfile.SEED_FILE,
            help="The seed page's text (default: the copy in newsroom/demo/).",
        )

    def handle(self, *args, seed_file, **options):
        try:
            page = seedfile.load(seed_file)
        except OSError as exc:
            raise CommandError(f"Cannot read the seed file {seed_file}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"The seed file {seed_file} is not UTF-8 text.") from exc
        except seedfile.SeedFormatError as exc:
            raise CommandError(f"Cannot load the demo content from {seed_file}: {exc}") from exc
        with purges.bulk():
            summary = loader.load(page)
        self.stdout.write(self.style.SUCCESS(str(summary)))
