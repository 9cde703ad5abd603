"""The /search/ page's input (SearchForm): the query, filters and page number.

A reader's typo in an address must not cost them their results: a filter that
makes no sense is dropped, and the page notes why (SearchForm.notes).
"""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy

from authors.models import Author

from .query import LAST_PAGE, MAX_QUERY_LENGTH, clean_query

# The filters, in the order their notes are shown.
FILTERS = ("category", "author", "from", "to")


class _SlugField(forms.Field):
    """A slug as typed, without NUL bytes (which PostgreSQL refuses) and surrounding spaces."""

    def to_python(self, value):
        return (value or "").replace("\x00", "").strip()


class DayField(forms.Field):
    """A date written YYYY-MM-DD, in a year a news archive can have."""

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            # Strictly YYYY-MM-DD (fromisoformat takes other forms too), and a
            # year a news archive can have, so that no time-zone arithmetic overflows.
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            when = date.fromisoformat(value)
            if not 1000 <= when.year <= 9000:
                raise ValueError(value)
            return when
        except ValueError:
            raise ValidationError(
                gettext(
                    "“%(value)s” is not a date (use YYYY-MM-DD): the “%(label)s” date was ignored."
                ),
                code="invalid",
                params={"value": value[:40], "label": self.label},
            ) from None


class PageField(forms.Field):
    """A page number from 1, or LAST_PAGE; none is the first page."""

    def to_python(self, value):
        if not value:
            return 1
        if value == LAST_PAGE:
            return LAST_PAGE
        try:
            number = int(value)
        except ValueError:
            raise ValidationError(
                gettext("That page number is not an integer"), code="invalid"
            ) from None
        if number < 1:
            raise ValidationError(gettext("That page number is less than 1"), code="min_page")
        return number


class SearchForm(forms.Form):
    """/search/?q=&category=&author=&from=&to=&page=

    `categories` are the sections the page offers (read once for its menu);
    the category filter is one of them. The filters a reader got wrong are this
    form's errors, and absent from cleaned_data; the page shows them as notes
    and searches without them. Only a bad page number leaves nothing to show.
    """

    q = forms.Field(required=False)
    category = _SlugField(required=False)
    author = _SlugField(required=False)
    page = PageField(required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: these two cannot be declared above.
        self.fields["from"] = DayField(required=False, label=pgettext_lazy("date range", "from"))
        self.fields["to"] = DayField(required=False, label=pgettext_lazy("date range", "to"))
        self.order_fields(["q", *FILTERS, "page"])
        self.categories = categories
        self.query_was_cut = False
        self.dates_swapped = False

    def clean_q(self):
        query, self.query_was_cut = clean_query(self.cleaned_data["q"])
        return query

    def clean_category(self):
        slug = self.cleaned_data["category"]
        if not slug:
            return None
        found = next((category for category in self.categories if category.slug == slug), None)
        if found is None:
            raise ValidationError(
                gettext("There is no section “%(slug)s”: showing results from all."),
                code="unknown",
                params={"slug": slug[:100]},
            )
        return found

    def clean_author(self):
        slug = self.cleaned_data["author"]
        if not slug:
            return None
        found = next((a for a in Author.objects.filter(slug=slug[:200]) if a.slug == slug), None)
        if found is None:
            raise ValidationError(
                gettext("There is no author “%(slug)s”: showing results from all."),
                code="unknown",
                params={"slug": slug[:100]},
            )
        return found

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            data["from"], data["to"] = end, start
            self.dates_swapped = True
        return data

    @property
    def filters(self):
        """The filters understood, as query.search_page() takes them (None: no filter)."""
        data = self.cleaned_data
        return {
            "category": data.get("category"),
            "author": data.get("author"),
            "date_from": data.get("from"),
            "date_to": data.get("to"),
        }

    @property
    def notes(self):
        """What the page tells the reader about their input, in the order of the fields."""
        notes = []
        if self.query_was_cut:
            notes.append(
                gettext("Your search was long: only its first %(count)d characters were used.")
                % {"count": MAX_QUERY_LENGTH}
            )
        for name in FILTERS:
            notes.extend(self.errors.get(name, []))
        if self.dates_swapped:
            notes.append(gettext("The dates were the wrong way round: they were swapped."))
        return notes
