"""A system check (`manage.py check --database default`, and `migrate`): the database's
character type must know non-ASCII letters, or Armenian search half works."""

from django.core import checks
from django.db import DatabaseError, connections

# Under these LC_CTYPEs PostgreSQL takes only ASCII letters for letters: pg_trgm
# leaves Armenian (and Cyrillic, Greek, accented) letters out of trigrams and
# lower() and to_tsvector() leave their capitals as they are.
ASCII_ONLY_CTYPES = {"C", "POSIX"}


def ctype_warnings(ctype, alias):
    """Warnings for a database whose LC_CTYPE is `ctype`."""
    if ctype not in ASCII_ONLY_CTYPES:
        return []
    return [
        checks.Warning(
            f"The database “{alias}” has LC_CTYPE {ctype}: PostgreSQL reads only ASCII "
            "letters as letters, so the typo fallback finds no misspelt Armenian word and "
            "Armenian search tells capitals from small letters.",
            hint=(
                "Create the database with a UTF-8 character type (createdb --locale=C.UTF-8 "
                "or --lc-ctype=en_US.UTF-8) and restore the site into it "
                "(manage.py backup, then manage.py restore)."
            ),
            id="articles.W001",
        )
    ]


@checks.register(checks.Tags.database)
def check_database_ctype(databases=None, **kwargs):
    found = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('lc_ctype')")
                (ctype,) = cursor.fetchone()
        except DatabaseError:
            continue  # unreachable: other checks and commands say so
        found.extend(ctype_warnings(ctype, alias))
    return found
