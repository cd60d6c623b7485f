"""The search page, and the filtered case study list that uses the same engine."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import QueryDict
from django.shortcuts import render

from practices.forms.search import SORTS, SearchForm
from practices.selectors import access
from practices.selectors import search as selectors

LIST_FACETS = ("silo", "kind", "region", "tag", "framework", "group", "funding", "year")
CASE_STUDIES_ONLY = {"type": ["case-study"]}


def search(request):
    form = SearchForm(request.GET or None)
    context = {"form": form, "sorts": SORTS, "outcome": None, "notices": form.notices}
    if form.is_bound and form.is_valid():
        outcome = selectors.search(form.search_request())
        context.update(_links(request, outcome, form))
    return render(request, "practices/search.html", context)


def case_study_list_context(request) -> dict:
    """What the case study list shows: newest first, narrowed by the filters in the URL."""
    form = SearchForm(request.GET, facet_keys=LIST_FACETS)
    if not form.is_valid():
        # The list has no search box, so a bad q cannot come from it: drop it.
        form = SearchForm(QueryDict(urlencode(_without(request.GET, {"q"}))), facet_keys=LIST_FACETS)
        form.is_valid()
    search_request = form.search_request(fixed=CASE_STUDIES_ONLY, default_sort="newest")
    search_request.q = ""
    outcome = selectors.search(search_request)
    return {"form": form, **_links(request, outcome, form)}


def _without(query, keys: set[str], *, remove: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    pairs = []
    for key, values in query.lists():
        if key in keys:
            continue
        for value in values:
            if remove and (key, value) == remove:
                continue
            pairs.append((key, value))
    return pairs


def _links(request, outcome, form) -> dict:
    """URLs that keep the rest of the query string: remove a filter, go to a page, search for a suggestion."""
    query = request.GET
    path = request.path

    def url(pairs) -> str:
        encoded = urlencode(pairs)
        return f"{path}?{encoded}" if encoded else path

    for selected in outcome.selected:
        selected.remove_url = url(_without(query, {"page"}, remove=(selected.key, selected.value)))
    clear_url = url([(k, v) for k, v in _without(query, {"page"}) if k in {"q", "sort"}])
    base = _without(query, {"page"})
    pages = []
    for number in _page_numbers(outcome.page, outcome.num_pages):
        if number is None:
            pages.append({"ellipsis": True})
        else:
            pages.append(
                {"number": number, "url": url(base + [("page", str(number))]), "current": number == outcome.page}
            )
    previous_url = url(base + [("page", str(outcome.page - 1))]) if outcome.page > 1 else ""
    next_url = url(base + [("page", str(outcome.page + 1))]) if outcome.page < outcome.num_pages else ""
    search_path = "/search/"

    def search_url(pairs) -> str:
        return f"{search_path}?{urlencode(pairs)}"

    keep = _without(query, {"q", "page", "exact"})
    # Only tags that published work carries: a tag on drafts alone says what is being written.
    published_slugs = access.tag_slugs_published([tag["slug"] for tag in outcome.similar_tags])
    return {
        "outcome": outcome,
        "notices": form.notices + outcome.notices,
        "clear_url": clear_url,
        "pages": pages,
        "previous_url": previous_url,
        "next_url": next_url,
        "suggestion_url": search_url([("q", outcome.suggestion), *keep]) if outcome.suggestion else "",
        "original_url": search_url([("q", outcome.corrected_from), ("exact", "1"), *keep])
        if outcome.corrected_from
        else "",
        "similar_tags": [
            {**tag, "url": search_url([("tag", tag["slug"])])}
            for tag in outcome.similar_tags
            if tag["slug"] in published_slugs
        ],
    }


def _page_numbers(current: int, last: int) -> list[int | None]:
    """1 … 4 5 6 … 20, as the GOV.UK pagination pattern shows them (None is an ellipsis)."""
    wanted = {1, last, current - 1, current, current + 1}
    numbers: list[int | None] = []
    for number in sorted(n for n in wanted if 1 <= n <= last):
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
