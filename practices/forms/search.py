"""The search form: validates /search/ and /case-studies/ query strings into a SearchRequest.

Search is public and its URLs are shared and bookmarked, so the form forgives:
only a search too long to be real is an error (the page says so and keeps the
text); a wrong page number, sort or facet value is left out with a notice.
"""

from __future__ import annotations

import re

from django import forms

from councils.models import SLUG_PATTERN
from practices.models import FIRST_YEAR, LAST_YEAR
from practices.selectors.search import FACETS, FACETS_BY_KEY, MAX_RESULTS_SHOWN, PAGE_SIZE, SearchRequest

MAX_QUERY_LENGTH = 200
MAX_VALUES_PER_FACET = 20
SORTS = [("relevance", "Relevance"), ("newest", "Newest")]
_SLUG_RE = re.compile(SLUG_PATTERN)
# Only ASCII digits: str.isdigit() also accepts "²" and other digits int() refuses.
_WHOLE_NUMBER_RE = re.compile(r"[0-9]{1,9}")


def whole_number(raw: str) -> int | None:
    """The number a query-string value spells in ASCII digits, or None when it is anything else."""
    raw = raw.strip()
    return int(raw) if _WHOLE_NUMBER_RE.fullmatch(raw) else None


class QueryStringField(forms.CharField):
    """A forgiving query-string value: a NUL byte makes it unrecognised rather than a form error.

    CharField refuses NUL outright, which would leave no cleaned value at all;
    replacing it lets the clean_<field> method say "not one we know" instead.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\x00", "\ufffd")


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search case studies and frameworks",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": f"Search must be {MAX_QUERY_LENGTH} characters or fewer. Use the most important words.",
        },
    )
    sort = QueryStringField(required=False)
    page = QueryStringField(required=False)
    exact = forms.BooleanField(required=False)  # "search instead for" what was typed, uncorrected

    def __init__(self, data=None, *, facet_keys: tuple[str, ...] = tuple(f.key for f in FACETS), **kwargs):
        super().__init__(data, **kwargs)
        self.facet_keys = facet_keys
        self.notices: list[str] = []
        self.facet_values: dict[str, list[str]] = {}

    def clean_q(self) -> str:
        q = " ".join(self.cleaned_data["q"].split())
        if "\x00" in q:
            raise forms.ValidationError("Search cannot contain control characters.")
        return q

    def clean_sort(self) -> str:
        sort = self.cleaned_data["sort"]
        if sort and sort not in dict(SORTS):
            self.notices.append("That sort order is not one we offer, so results are sorted the usual way.")
            sort = ""
        return sort

    def clean_page(self) -> int:
        raw = self.cleaned_data["page"].strip()
        if not raw:
            return 1
        number = whole_number(raw)
        if number is None or number < 1:
            self.notices.append("Page numbers are whole numbers from 1, so the first page is shown.")
            return 1
        # Past the last page we can show, the selector says so; cap silly numbers here.
        return min(number, MAX_RESULTS_SHOWN // PAGE_SIZE + 1)

    def clean(self):
        cleaned = super().clean()
        data = self.data
        for key in self.facet_keys:
            raw = data.getlist(key) if hasattr(data, "getlist") else list(data.get(key, []))
            values = list(dict.fromkeys(v.strip() for v in raw if v and v.strip()))
            if len(values) > MAX_VALUES_PER_FACET:
                self.notices.append(
                    f"Only the first {MAX_VALUES_PER_FACET} {FACETS_BY_KEY[key].label.lower()} filters were used."
                )
                values = values[:MAX_VALUES_PER_FACET]
            kept = [value for value in values if _plausible(key, value)]
            for value in values:
                if value not in kept:
                    shown = value if len(value) <= 40 else value[:40] + "…"
                    self.notices.append(
                        f"‘{shown}’ is not a {FACETS_BY_KEY[key].label.lower()} we know, so that filter was left out."
                    )
            if kept:
                self.facet_values[key] = kept
        return cleaned

    def search_request(self, *, fixed: dict[str, list[str]] | None = None, default_sort: str = "") -> SearchRequest:
        # .get: a field that failed validation has no cleaned value, and the rest still make a search.
        q = self.cleaned_data.get("q", "")
        sort = self.cleaned_data.get("sort") or default_sort or ("relevance" if q else "newest")
        return SearchRequest(
            q=q,
            filters=self.facet_values,
            sort=sort,
            page=self.cleaned_data.get("page", 1),
            facet_keys=self.facet_keys,
            fixed=fixed or {},
            autocorrect=not self.cleaned_data.get("exact", False),
        )


def _plausible(key: str, value: str) -> bool:
    """Could this be a value of the facet? (Whether it exists is the selector's question.)"""
    facet = FACETS_BY_KEY[key]
    if facet.choices:
        return value in dict(facet.choices)
    if facet.key == "year":
        year = whole_number(value)
        return year is not None and FIRST_YEAR <= year <= LAST_YEAR
    return len(value) <= 200 and bool(_SLUG_RE.match(value))
