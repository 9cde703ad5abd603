import re
from io import StringIO

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command


def run():
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return re.search(r"password:\s+(\S+)", out.getvalue()).group(1), out.getvalue()


def test_creates_a_superuser_and_prints_a_working_password(db):
    password, output = run()
    assert "/admin/" in output
    user = authenticate(username="admin", password=password)
    assert user is not None and user.is_superuser and user.is_staff


def test_rerun_renews_the_password_without_a_second_user(db):
    first, _ = run()
    second, _ = run()
    assert first != second
    assert User.objects.filter(username="admin").count() == 1
    assert authenticate(username="admin", password=first) is None
    assert authenticate(username="admin", password=second) is not None
