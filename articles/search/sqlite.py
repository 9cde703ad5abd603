"""Matching in any case on SQLite, whose LIKE and lower() fold ASCII letters only.

Armenian (Ա/ա), Cyrillic and Greek have capitals too: SQLite connections get a
CASEFOLD() function (Python's str.casefold), and a searched word is compared with
the casefolded text.
"""

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import CharField, F, Func, Q
from django.db.models.lookups import Contains

FUNCTION = "search_casefold"


def _casefold(text):
    return None if text is None else text.casefold()


def register_casefold(sender, connection, **kwargs):
    """Give an SQLite connection its CASEFOLD() function (connection_created)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, _casefold, deterministic=True)


def connect():
    connection_created.connect(register_casefold, dispatch_uid="search-sqlite-casefold")


class Casefold(Func):
    function = FUNCTION
    output_field = CharField()


def folded_contains(field, word, using="default"):
    """A condition: `field` (a lookup path) contains `word` in any case."""
    if connections[using].vendor != "sqlite":
        return Q(**{f"{field}__icontains": word})
    return Q(Contains(Casefold(F(field)), word.casefold()))
