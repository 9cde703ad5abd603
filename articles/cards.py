"""Story cards: listings know their stories by id until a card needs the row.

A listing (home, sections, tags, authors, archives) works out *which* stories it
shows with narrow id-only queries. The cards themselves are cached HTML
(articles/templatetags/cards.py, caching.fragments, under each story's own
keys), so most of the time no article row is loaded
at all. When some cards are missing from the cache, the rows of every card of
the page are loaded together, in one batch with what a card shows (section,
bylines): a page costs the same few queries however many lists of cards it has.
The rows come from the queryset the batch is given (`Article.objects.card_batch()`),
so this module needs nothing of the models.
"""

from django.urls import reverse

from caching import fragments


def card_name(pk):
    """The fragment name of a story's cards (every variant in one entry); kept per
    language on a site of several editions by the fragment store itself
    (caching.fragments)."""
    return f"card:{pk}"


class CardBatch:
    """The cards of one page: their rows are loaded together, once, from `queryset`."""

    def __init__(self, queryset):
        self.queryset = queryset
        self.ids = []
        self.loaded = {}
        self._cached = {}
        self._looked_up = set()
        self.since = None

    def cached_cards(self):
        """{pk: {variant: html}} of the cached cards of every story of the batch: one
        cache round trip for the whole page (`since` is then what storing needs)."""
        wanted = [pk for pk in dict.fromkeys(self.ids) if pk not in self._looked_up]
        if wanted:
            found = fragments.get_many([card_name(pk) for pk in wanted])
            if self.since is None:
                self.since = found.since
            for pk in wanted:
                self._cached[pk] = found.get(card_name(pk)) or {}
            self._looked_up.update(wanted)
        return self._cached

    def cards(self, items):
        """A Cards list for `items` (ids or articles) whose rows load with this batch."""
        return Cards(items, batch=self)

    def add(self, items):
        ids = []
        for item in items:
            pk = getattr(item, "pk", item)
            if hasattr(item, "pk"):
                self.loaded[pk] = item
            ids.append(pk)
        self.ids.extend(ids)
        return ids

    def rows(self, ids):
        """{pk: article} for `ids`; a missing row loads every missing row of the batch."""
        if any(pk not in self.loaded for pk in ids):
            missing = list(dict.fromkeys(pk for pk in self.ids if pk not in self.loaded))
            self.loaded.update(self.queryset.filter(pk__in=missing).in_bulk())
        return {pk: self.loaded[pk] for pk in ids if pk in self.loaded}


class Cards:
    """An ordered list of article ids whose rows are loaded, with their batch, on demand."""

    def __init__(self, items, *, batch):
        self.batch = batch
        self.ids = self.batch.add(list(items))

    def rows(self, ids=None):
        """{pk: article} for `ids` (default: all of this list)."""
        return self.batch.rows(self.ids if ids is None else ids)

    def articles(self):
        """The articles, in order (their rows load with the batch's)."""
        rows = self.rows()
        return [rows[pk] for pk in self.ids if pk in rows]

    def archive_url(self):
        """The year archive of the oldest of these stories (where a capped listing goes on)."""
        stories = self.articles()
        if not stories or stories[-1].publish_at is None:
            return ""
        year = stories[-1].local_publish_at.year
        return reverse("articles:archive-year", kwargs={"year": f"{year:04d}"})

    def __len__(self):
        return len(self.ids)

    def __repr__(self):
        return f"<Cards {self.ids!r}>"
