"""Re-encrypt every stored channel secret from the old key to the new one.

    SHARING_ENCRYPTION_OLD_KEY=<current key> SHARING_ENCRYPTION_KEY=<new key> \\
        manage.py rotate_sharing_key

then give the new key to every web process and worker. Keys come from the
environment, not the command line, which other users of the machine and the
shell history can read. A secret already under the new key is left readable
(running the command twice is harmless); a secret neither key opens stops the
rotation with nothing changed, unless --skip-unreadable says to leave it for
an editor to enter again.
"""

import os

from cryptography.fernet import InvalidToken, MultiFernet
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from sharing import crypto
from sharing.models import ShareChannel

OLD_KEY_VARIABLE = "SHARING_ENCRYPTION_OLD_KEY"


def fernet_for(key):
    """The Fernet `sharing.crypto` would use with `key` ('' = derived from SECRET_KEY)."""
    with override_settings(SHARING_ENCRYPTION_KEY=key):
        return crypto._fernet()


class Command(BaseCommand):
    help = (
        f"Re-encrypt stored sharing-channel secrets from the key in {OLD_KEY_VARIABLE} "
        "to SHARING_ENCRYPTION_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--old-from-secret-key",
            action="store_true",
            help="The old key is the one derived from SECRET_KEY (no SHARING_ENCRYPTION_KEY "
            "was set before).",
        )
        parser.add_argument(
            "--skip-unreadable",
            action="store_true",
            help="Leave secrets neither key can open as they are instead of stopping.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check, change nothing.")

    def handle(self, *args, old_from_secret_key, skip_unreadable, dry_run, **options):
        old_key = os.environ.get(OLD_KEY_VARIABLE, "")
        if not old_key and not old_from_secret_key:
            raise CommandError(
                f"Set {OLD_KEY_VARIABLE} to the key the secrets are encrypted with now "
                "(or pass --old-from-secret-key if none was ever set), and "
                "SHARING_ENCRYPTION_KEY to the new one."
            )
        try:
            new = crypto._fernet()
            old = fernet_for(old_key)
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        # MultiFernet.rotate decrypts with any of the keys and encrypts with the first.
        keys = MultiFernet([new, old])

        rotated, unreadable = 0, []
        with transaction.atomic():
            channels = ShareChannel.objects.select_for_update().exclude(secret_encrypted="")
            for channel in channels.order_by("pk"):
                try:
                    token = keys.rotate(channel.secret_encrypted.encode()).decode()
                except InvalidToken:
                    unreadable.append(channel.name)
                    continue
                channel.secret_encrypted = token
                if not dry_run:
                    channel.save(update_fields=["secret_encrypted"])
                rotated += 1
            if unreadable and not skip_unreadable:
                transaction.set_rollback(True)
                raise CommandError(
                    "Neither key opens the secret of: "
                    + ", ".join(unreadable)
                    + ". Nothing was changed. Check the keys, or pass --skip-unreadable and "
                    "enter those secrets again in the admin."
                )
            if dry_run:
                transaction.set_rollback(True)

        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(f"{verb} {rotated} secret(s) with the new key.")
        if unreadable:
            self.stderr.write(
                "Left unreadable (enter them again in the admin): " + ", ".join(unreadable)
            )
