"""`manage.py ensure_admin`: make sure a superuser exists; print its login, new password."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Make sure a superuser exists for local use and print how to log in. "
        "Each run gives it a new random password (kept only, hashed, in the database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")

    def handle(self, *args, username, email, **options):
        User = get_user_model()
        password = secrets.token_urlsafe(12)
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": email, "is_staff": True, "is_superuser": True}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"\nAdmin: {settings.SITE_URL}/admin/\n"
                f"  user name: {username}\n"
                f"  password:  {password}\n"
                f"  ({'created' if created else 'password renewed'}; "
                "every run of this command sets a new one)\n"
            )
        )
