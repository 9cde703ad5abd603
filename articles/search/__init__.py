"""Article search for readers (/search/) and editors (the article admin).

Full text with a stored index on PostgreSQL, substring matching elsewhere;
README.md, "Search", explains the design.
"""

from . import checks  # noqa: F401 -- registers the database check
from .admin import filter_for_admin
from .forms import SearchForm
from .index import rebuild_index
from .query import SearchPage, search_page
from .signals import connect_signals

__all__ = [
    "SearchForm",
    "SearchPage",
    "connect_signals",
    "filter_for_admin",
    "rebuild_index",
    "search_page",
]
