"""Search over published case studies and frameworks: PostgreSQL full text, facets and typo help.

One page of results is one SQL statement over ``practices_searchdocument``,
which returns the total, the facet counts and the page's rows with highlighted
snippets; a few more statements run only when a search finds little. The parts:

- ``query``: the web-style query syntax, synonyms, and the tsquery SQL built from a search;
- ``results``: what a search is asked (``SearchRequest``) and what it returns (``SearchResults``);
- ``facets``: the facets, the values chosen in the URL, their counts, and rounded estimated totals;
- ``sql``: the one statement, bounded by ``CANDIDATES`` matches (docs/decisions/0010-bounded-search-candidates.md);
- ``snippets``: highlighted snippets, escaped;
- ``suggest``: "did you mean" and tags named like the search;
- ``run``: ``search()``, which puts them together and widens or corrects a search that finds little.

Below are the names the rest of the portal imports. The limits are read from
the module that owns them when a search runs, so a test that changes one
patches that module (``sql.CANDIDATES``, ``run.WIDEN_BELOW``), not this one.
The parts import each other relatively, so bench/search_ab.py can load another
revision's package beside this one.
"""

from .facets import FACET_EXACT_LIMIT, FACETS, FACETS_BY_KEY
from .query import parse_query
from .results import MAX_RESULTS_SHOWN, PAGE_SIZE, Result, SearchRequest
from .run import search
from .sql import CANDIDATES

__all__ = [
    "CANDIDATES",
    "FACETS",
    "FACETS_BY_KEY",
    "FACET_EXACT_LIMIT",
    "MAX_RESULTS_SHOWN",
    "PAGE_SIZE",
    "Result",
    "SearchRequest",
    "parse_query",
    "search",
]
