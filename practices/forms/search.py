"""The search form: validates /search/ and /case-studies/ query strings into a SearchRequest.

Search is public and its URLs are shared and bookmarked, so the form forgives:
only a search too long to be real is an error (the page says so and keeps the
text); a wrong page number, sort or facet value is left out with a notice.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime

from django import forms
from django.core import signing

from councils.models import SLUG_PATTERN
from practices.models import FIRST_YEAR, LAST_YEAR
from practices.selectors.browse import ListPosition
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


# --- The case study list's pages ---------------------------------------------
#
# The first NUMBERED_PAGES pages have numbers (?page=3, an OFFSET of a few
# dozen rows); Next and Previous beyond them carry a cursor: the sort key of
# the row the page starts next to, signed so it cannot be edited into something
# else, and tied to the filters it was made for.
NUMBERED_PAGES = 10
CURSOR_SALT = "practices.case-study-list.cursor"
MAX_CURSOR_LENGTH = 300
MAX_CURSOR_PAGE = 10_000_000
_MAX_BIGINT = 2**63 - 1


def _filters_digest(facet_values: dict[str, list[str]]) -> str:
    canonical = json.dumps(sorted((key, sorted(values)) for key, values in facet_values.items() if values))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def list_cursor_token(position: ListPosition, facet_values: dict[str, list[str]]) -> str:
    """The opaque ?cursor= value for a page of the case study list."""
    payload = [
        position.direction,
        position.published_at.isoformat(),
        position.document_id,
        position.page,
        _filters_digest(facet_values),
    ]
    return signing.dumps(payload, salt=CURSOR_SALT, compress=False)


def list_cursor_parse(token: str, facet_values: dict[str, list[str]]) -> ListPosition | None:
    """The position a cursor names, or None when it is not one we made for these filters."""
    if not token or len(token) > MAX_CURSOR_LENGTH:
        return None
    try:
        payload = signing.loads(token, salt=CURSOR_SALT)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not (isinstance(payload, list) and len(payload) == 5):
        return None
    direction, published_at, document_id, page, digest = payload
    if direction not in (ListPosition.AFTER, ListPosition.BEFORE) or digest != _filters_digest(facet_values):
        return None
    # bool is an int in Python: refuse it explicitly.
    for number, low, high in ((document_id, 1, _MAX_BIGINT), (page, 2, MAX_CURSOR_PAGE)):
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            return None
    try:
        when = datetime.fromisoformat(published_at) if isinstance(published_at, str) else None
    except ValueError:
        return None
    if when is None or when.tzinfo is None:
        return None
    return ListPosition(direction=direction, published_at=when, document_id=document_id, page=page)


class CaseStudyListForm(SearchForm):
    """The case study list's query string: the search form's filters, a numbered page or a cursor."""

    cursor = QueryStringField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.position: ListPosition | None = None

    def clean(self):
        cleaned = super().clean()
        raw = (cleaned.get("cursor") or "").strip()
        if raw:
            self.position = list_cursor_parse(raw, self.facet_values)
            if self.position is None:
                self.notices.append(
                    "That page link was not recognised (it may be out of date, or changed), so the first page is shown."
                )
                cleaned["page"] = 1
        if self.position is None and cleaned.get("page", 1) > NUMBERED_PAGES:
            self.notices.append(
                f"Pages are numbered up to {NUMBERED_PAGES}, so page {NUMBERED_PAGES} is shown. "
                "Use Next to go further, or filters to narrow the list."
            )
            cleaned["page"] = NUMBERED_PAGES
        return cleaned
