"""What a search is asked for (``SearchRequest``) and what it gives back (``SearchResults`` of ``Result`` rows)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.safestring import SafeString

from practices.models import SearchDocument

from .facets import FACETS, Facet, SelectedFilter
from .snippets import snippet_html

PAGE_SIZE = 20
# Offsets beyond this are refused with a message: nobody reads result 10,001,
# and sorting that deep is the slow part of deep pages.
MAX_RESULTS_SHOWN = 10_000


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    facet_keys: tuple[str, ...] = tuple(f.key for f in FACETS)
    # Facets applied whatever the URL says (the case study list is case studies only).
    fixed: dict[str, list[str]] = field(default_factory=dict)
    autocorrect: bool = True  # show results for "did you mean" when the search finds nothing


@dataclass
class Result:
    kind: str
    title: str
    url: str
    snippet: SafeString
    council: str = ""
    silo: str = ""
    start_year: int | None = None
    published_at: str = ""
    tags: list[dict] = field(default_factory=list)
    # "all" (every word), "some" (some of the words) or "meaning" (no word, but close in meaning)
    match: str = "all"

    @property
    def related_in_meaning(self) -> bool:
        return self.match == "meaning"

    @property
    def kind_label(self) -> str:
        return SearchDocument.Kind(self.kind).label


@dataclass
class SearchResults:
    request: SearchRequest
    results: list[Result] = field(default_factory=list)
    total: int = 0
    facets: list[Facet] = field(default_factory=list)
    selected: list[SelectedFilter] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    suggestion: str = ""  # "did you mean"
    corrected_from: str = ""  # set when results are shown for the suggestion instead
    relaxed: bool = False  # no result had every word; these have some
    widened: bool = False  # fewer than a page had every word: near matches and related ones follow
    exact_total: int = 0  # how many of total have every word
    total_estimated: bool = False  # more matches than CANDIDATES: total is "about", rounded
    shown_limit: int = MAX_RESULTS_SHOWN  # results that can be paged to
    similar_tags: list[dict] = field(default_factory=list)
    searched: bool = False  # False when there was nothing to search for

    @property
    def page(self) -> int:
        return self.request.page

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(min(self.total, self.shown_limit) / PAGE_SIZE))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.results else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.results)


def result_from_row(row: dict) -> Result:
    """One row of the statement's results as a result to show: its link, snippet and how it matched."""
    kind = row["kind"]
    if row.get("full_match", True):
        match = "all"
    elif row.get("worded", True):
        match = "some"
    else:
        match = "meaning"
    name = "practices:case_study_detail" if kind == SearchDocument.Kind.CASE_STUDY else "practices:framework_detail"
    return Result(
        kind=kind,
        title=row["title"],
        url=reverse(name, kwargs={"slug": row["slug"]}),
        snippet=snippet_html(row["snippet"]),
        council=row["council"] or "",
        silo=row["silo"] or "",
        start_year=row["start_year"],
        published_at=(row["published_at"] or "")[:10],
        tags=row["tags"] or [],
        match=match,
    )
