"""Facet counts above FACET_EXACT_LIMIT matches: estimated from an even sample, close to the truth, marked "about"."""

import pytest

from councils.factories import CouncilFactory, ServiceSiloFactory
from practices.selectors.search import CANDIDATES, FACET_EXACT_LIMIT, SearchRequest, search
from tests.conftest import case_studies_in_bulk

pytestmark = pytest.mark.django_db

# Three in four gritting write-ups come from Highways, one in four from Transport.
SHARE = {"highways": 0.75, "transport": 0.25}


@pytest.fixture
def silos(db):
    highways = ServiceSiloFactory(name="Highways", slug="highways")
    transport = ServiceSiloFactory(name="Transport", slug="transport")
    return [highways, highways, highways, transport]


def gritting(n, silos):
    return case_studies_in_bulk(
        n,
        silos=silos,
        councils=[CouncilFactory() for _ in range(3)],
        title="Gritting routes planned from road sensors {i}",
        summary="Salt spreaders follow routes planned from road temperature sensors.",
        tags=["winter maintenance"],
        varied_tags=["road sensors", "route optimisation"],
    )


def silo_facet(results):
    facet = next(f for f in results.facets if f.key == "silo")
    return facet, {value.value: value.count for value in facet.values}


def test_counts_are_exact_up_to_the_limit(client, silos):
    gritting(FACET_EXACT_LIMIT, silos)
    results = search(SearchRequest(q="gritting"))
    facet, counts = silo_facet(results)
    assert results.total == FACET_EXACT_LIMIT
    assert not facet.approximate
    assert counts == {"highways": 1125, "transport": 375}
    html = client.get("/search/", {"q": "gritting"}).content.decode()
    assert "(1,125)" in html and "(about" not in html


def test_counts_above_the_limit_are_marked_about_and_keep_the_samples_shares(silos):
    matches = 2_400
    gritting(matches, silos)
    results = search(SearchRequest(q="gritting"))
    facet, counts = silo_facet(results)
    # Above CANDIDATES (2,000) the total is estimated too (docs/decisions/0010-bounded-search-candidates.md),
    # from the share of the table's pages the candidates covered. Pages left behind by earlier rolled-back tests
    # make that share unreliable in a test database (2,100 on one server, 3,800 on another, for 2,400), so the scale is
    # not pinned here; what must hold is "about", never fewer than were seen, and the facet shares of the sample.
    assert results.total_estimated
    assert results.total >= CANDIDATES
    assert facet.approximate
    for slug, share in SHARE.items():
        assert counts[slug] / sum(counts.values()) == pytest.approx(share, abs=0.05), counts


def test_a_chosen_facet_value_is_estimated_and_shows_only_that_value(silos):
    gritting(2_400, silos)
    results = search(SearchRequest(q="gritting", filters={"silo": ["transport"]}))
    # The words match more than CANDIDATES, so the filtered total is scaled from the candidates that pass; the
    # scale is not stable in a test database (see above), so what is pinned is "about" and what the page lists.
    assert results.total_estimated
    assert results.total >= len(results.results) > 0
    assert {result.silo for result in results.results} <= {"Transport"}


def test_the_page_says_about_for_estimated_counts(client, silos):
    gritting(FACET_EXACT_LIMIT + 300, silos)
    html = client.get("/search/", {"q": "gritting"}).content.decode()
    assert "(about " in html, "Highways, about 1,350 (the scale is not pinned in a test database; see above)"
    # Facets count what the words match before filters, so choosing a silo keeps them estimated.
    html = client.get("/search/", {"q": "gritting", "silo": "transport"}).content.decode()
    assert "(about " in html
