"""The search page, and the filtered case study list that uses the same engine."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import QueryDict
from django.shortcuts import render

from practices.forms.search import (
    NUMBERED_PAGES,
    SORTS,
    CaseStudyListForm,
    SearchForm,
    list_cursor_token,
)
from practices.selectors import access, browse
from practices.selectors import search as selectors
from practices.selectors.browse import ListPosition

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
    """What the case study list shows: newest first, narrowed by the filters in the URL.

    The search engine gives the total, the facets and the notices (from its
    first page, which costs the same at any depth); the rows come from
    browse.case_study_list_page, which seeks from a cursor beyond the first
    few numbered pages instead of counting past every row before them.
    """
    form = CaseStudyListForm(request.GET, facet_keys=LIST_FACETS)
    if not form.is_valid():
        # The list has no search box, so a bad q cannot come from it: drop it.
        form = CaseStudyListForm(QueryDict(urlencode(_without(request.GET, {"q"}))), facet_keys=LIST_FACETS)
        form.is_valid()
    search_request = form.search_request(fixed=CASE_STUDIES_ONLY, default_sort="newest")
    search_request.q = ""
    wanted = search_request.page
    search_request.page = 1
    outcome = selectors.search(search_request)
    # The filters the engine applied (unknown values already left out with a notice).
    filters: dict[str, list[str]] = {}
    for selected in outcome.selected:
        filters.setdefault(selected.key, []).append(selected.value)
    page = browse.case_study_list_page(filters, page=wanted, position=form.position)
    outcome.results = page.results
    outcome.request.page = page.number
    outcome.notices.extend(page.notices)
    context = {"form": form, **_links(request, outcome, form)}
    context.update(_list_pagination(request, outcome, page, form.facet_values))
    return context


def _list_pagination(request, outcome, page, facet_values) -> dict:
    """GOV.UK pagination for the list: numbers for the first pages, then Next and Previous by cursor.

    Shown around the current page: 1 … 36 37 38 …, where 37 is this page and
    36 and 38 are the Previous and Next links; the last page is offered only
    when it is one of the numbered ones.
    """
    base = _without(request.GET, {"page", "cursor"})

    def url(pairs) -> str:
        encoded = urlencode(pairs)
        return f"{request.path}?{encoded}" if encoded else request.path

    def numbered(number: int) -> str:
        return url(base + ([("page", str(number))] if number > 1 else []))

    def seek(direction: str, key, number: int) -> str:
        position = ListPosition(direction=direction, published_at=key[0], document_id=key[1], page=number)
        return url(base + [("cursor", list_cursor_token(position, facet_values))])

    current = page.number
    previous_url = next_url = ""
    if current > 1 and page.first_key:
        previous_url = (
            numbered(current - 1)
            if current - 1 <= NUMBERED_PAGES
            else seek(ListPosition.BEFORE, page.first_key, current - 1)
        )
    if page.has_next and page.last_key:
        next_url = (
            numbered(current + 1)
            if current + 1 <= NUMBERED_PAGES
            else seek(ListPosition.AFTER, page.last_key, current + 1)
        )
    # The last page is known only from an exact total.
    last = None if outcome.total_estimated else outcome.num_pages
    links = {1: numbered(1), current: numbered(current) if current <= NUMBERED_PAGES else request.get_full_path()}
    if previous_url:
        links[current - 1] = previous_url
    if next_url:
        links[current + 1] = next_url
    if last and current < last <= NUMBERED_PAGES:
        links[last] = numbered(last)
    pages: list[dict] = []
    shown = sorted(links)
    for before, number in zip([0, *shown], shown, strict=False):
        if before and number - before > 1:
            pages.append({"ellipsis": True})
        pages.append({"number": number, "url": links[number], "current": number == current})
    if page.has_next and (last is None or last > shown[-1]):
        pages.append({"ellipsis": True})
    return {
        "pages": pages if len(pages) > 1 else [],
        "previous_url": previous_url,
        "next_url": next_url,
        "first_url": numbered(1),
    }


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
        selected.remove_url = url(_without(query, {"page", "cursor"}, remove=(selected.key, selected.value)))
    clear_url = url([(k, v) for k, v in _without(query, {"page", "cursor"}) if k in {"q", "sort"}])
    base = _without(query, {"page", "cursor"})
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

    keep = _without(query, {"q", "page", "cursor", "exact"})
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
