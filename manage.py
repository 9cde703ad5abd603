#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def read_local_env():
    """Read `make run`'s local settings file (.env, git-ignored: DEBUG and a generated
    development SECRET_KEY), so `python manage.py createsuperuser` and friends work in
    that environment. Variables already set win over the file. NEWSROOM_ENV_FILE names
    another file; tests never read it (pytest sets PYTEST_VERSION for its subprocesses),
    and nothing else does: gunicorn, Celery and the settings module take the environment
    only."""
    path = Path(os.environ.get("NEWSROOM_ENV_FILE") or Path(__file__).resolve().parent / ".env")
    if "PYTEST_VERSION" in os.environ or not path.is_file():
        return
    import environ

    environ.Env.read_env(path)


def main():
    read_local_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
