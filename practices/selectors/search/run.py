"""Running a search: from a request to its results, with the steps taken when it finds little.

The facet values in the URL are looked up first (practices.selectors.search.facets).
A search then runs the statement of practices.selectors.search.sql for the
results with every word. When fewer than ``WIDEN_BELOW`` have them all, it runs again
widened: quoted phrases and -words still exact, some of the plain words enough,
and the documents nearest in meaning added. When it finds fewer than
``FEW_RESULTS`` with every word, "did you mean" is worked out
(practices.selectors.search.suggest) and, when the words as typed match
nothing, the search is run again with the correction. The number of statements
never depends on the amount of data.
"""

from __future__ import annotations

import math

from practices.semantic import model as semantic_model
from practices.semantic import storage as semantic_storage

from . import sql
from .facets import FACETS_BY_KEY, SelectedFilter, approximate_total, facets_counted, resolve_filters
from .query import ParsedQuery, parse_query, required_tsquery_sql, tsquery_sql, widened_tsquery_sql
from .results import MAX_RESULTS_SHOWN, PAGE_SIZE, SearchRequest, SearchResults, result_from_row
from .suggest import FEW_RESULTS, close_in_meaning, close_in_spelling, did_you_mean

# A search is widened when fewer results than this have every word.
WIDEN_BELOW = PAGE_SIZE


def _search_vector(parsed: ParsedQuery) -> str | None:
    """The search's embedding as pgvector text, or None when meaning cannot be used here."""
    if not semantic_storage.vectors_available():
        return None
    try:
        return semantic_storage.vector_literal(semantic_model.embed_query(parsed.positive_text))
    except semantic_model.ModelUnavailable:
        return None


def _run_words_and_meaning(
    parsed: ParsedQuery, request: SearchRequest, filters: dict, selected_values: list[str]
) -> tuple[dict, bool]:
    """Every-word matches, fused with meaning; widened when they fill less than a page.

    Widening keeps quoted phrases and -words exact, lets a result lack some of
    the plain words (it ranks below those with all of them), and adds the
    documents closest in meaning. Returns the data and whether it was widened.
    """
    vector = _search_vector(parsed) if request.sort != "newest" else None
    all_words = tsquery_sql(parsed)
    words = parsed.positive_text
    data = sql.run_search(sql.Plan(all_words, vector=vector, words=words), request, filters, selected_values)
    if data["total"] >= WIDEN_BELOW:
        return data, False
    widened = widened_tsquery_sql(parsed)
    if widened == all_words and vector is None:
        return data, False
    if request.sort == "newest" and data["total"]:
        return data, False  # newest first has no ranking to put the near matches after
    plan = sql.Plan(
        widened,
        all_words=all_words,
        required=required_tsquery_sql(parsed),
        vector=vector,
        meaning_results=vector is not None,
        highlight=tsquery_sql(ParsedQuery(groups=parsed.groups, excluded=[]), any_word=True),
        words=words,
    )
    wider = sql.run_search(plan, request, filters, selected_values)
    if wider["total"] > data["total"]:
        return wider, True
    return data, False


def search(request: SearchRequest) -> SearchResults:
    """Run a search: results for the page asked for, facet counts, and help when it finds little."""
    outcome = SearchResults(request=request)
    parsed = parse_query(request.q)
    outcome.notices.extend(parsed.notices)
    filters, labels, filter_notices = resolve_filters(request)
    outcome.notices.extend(filter_notices)
    if request.q.strip() and not parsed:
        # Nothing searchable was typed (only punctuation, or only exclusions).
        if not parsed.notices:
            outcome.notices.append("Your search did not contain any words, so nothing was searched for.")
        return outcome
    if (request.page - 1) * PAGE_SIZE >= MAX_RESULTS_SHOWN:
        outcome.notices.append(
            f"Only the first {MAX_RESULTS_SHOWN:,} results can be shown. Add words or filters to narrow your search."
        )
        request.page = MAX_RESULTS_SHOWN // PAGE_SIZE
    if parsed and request.sort != "newest" and (request.page - 1) * PAGE_SIZE >= sql.CANDIDATES:
        # Relevance is worked out for the first CANDIDATES matches only.
        outcome.notices.append(
            f"Only the {sql.CANDIDATES:,} most relevant results can be shown. "
            "Add words or filters to narrow your search, or sort by newest."
        )
        request.page = max(1, math.ceil(sql.CANDIDATES / PAGE_SIZE))
    # Chosen values are always listed in their facet, even outside the top few.
    selected_values = [str(v) for values in filters.values() for v in values]
    if parsed:
        data, widened = _run_words_and_meaning(parsed, request, filters, selected_values)
    else:
        data, widened = sql.run_search(sql.Plan(None), request, filters, selected_values), False
    outcome.searched = True
    if parsed and data["exact"] < FEW_RESULTS:
        suggestion, outcome.similar_tags = did_you_mean(parsed, request.q)
        if suggestion and suggestion != request.q:
            corrected = parse_query(suggestion)
            # A correction is applied only when the words as typed match nothing
            # and it is both a small respelling and much the same in meaning;
            # otherwise it is offered.
            if (
                data["worded"] == 0
                and corrected
                and request.autocorrect
                and close_in_spelling(request.q, suggestion)
                and close_in_meaning(request.q, suggestion)
            ):
                retry, retry_widened = _run_words_and_meaning(corrected, request, filters, selected_values)
                if retry["worded"]:
                    data, widened, outcome.corrected_from = retry, retry_widened, request.q
                    parsed = corrected
            if not outcome.corrected_from:
                outcome.suggestion = suggestion
    outcome.total = approximate_total(data["total"]) if data["capped"] else data["total"]
    outcome.total_estimated = data["capped"]
    if data["capped"] and parsed and request.sort != "newest":
        # Relevance pages go as far as the candidates that pass the filters.
        outcome.shown_limit = min(sql.CANDIDATES, data["candidates_passed"])
    outcome.exact_total = data["exact"] if parsed else data["total"]
    outcome.widened = widened
    outcome.relaxed = widened and data["exact"] == 0 and data["worded"] > 0
    outcome.results = [result_from_row(row) for row in data["results"]]
    outcome.facets = facets_counted(data, request, filters, labels)
    outcome.selected = [
        SelectedFilter(key, FACETS_BY_KEY[key].label, value, labels.get((key, value), value))
        for key, values in request.filters.items()
        for value in values
        if (key, value) in labels and key in request.facet_keys and key not in request.fixed
    ]
    return outcome
