"""Search and the case study list beyond CANDIDATES matches: estimated totals, exact newest-first order, bounded pages.

The candidate limit is lowered for these tests so a few dozen case studies are
"many"; the behaviour is the same at a million with the real limit.
"""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone

from councils.factories import ServiceSiloFactory
from practices.factories import CaseStudyFactory
from practices.models import CaseStudy
from practices.selectors.search import SearchRequest, search
from practices.selectors.search import sql as search_sql
from practices.services.search_index import search_index_update

pytestmark = pytest.mark.django_db

LIMIT = 8
MATCHES = 45
DENSE = 4  # candidates that must pass the filters for newest first to walk the index


@pytest.fixture
def many(db, monkeypatch):
    """MATCHES case studies about gritting (each published a day apart, stored in a shuffled order), and a few others."""
    monkeypatch.setattr(search_sql, "CANDIDATES", LIMIT)
    monkeypatch.setattr(search_sql, "WALK_MIN_PASSING", DENSE)
    caches["pages"].clear()
    highways = ServiceSiloFactory(name="Highways", slug="highways")
    now = timezone.now()
    # Stored out of date order, so table order and newest-first differ.
    days = [(i * 17) % MATCHES for i in range(MATCHES)]
    gritting = [
        CaseStudyFactory(
            title=f"Gritting routes planned from road sensors, round {day}",
            summary="Road surface sensors tell the gritter crews which routes need salt tonight.",
            primary_silo=highways,
            published_at=now - timedelta(days=day),
        )
        for day in days
    ]
    winter = ServiceSiloFactory(name="Winter service", slug="winter-service")
    # Two more in a silo of their own, stored first: few candidates pass a filter on it.
    rare = [
        CaseStudyFactory(
            title=f"Gritting footways by hand, pilot {n}",
            summary="Gritting the footways near schools by hand.",
            primary_silo=winter,
            published_at=now - timedelta(days=100 + n),
            start_year=2016 + n,
        )
        for n in range(2)
    ]
    others = [
        CaseStudyFactory(title=f"Library opening hours by text message {n}", summary="Opening hours by text message.")
        for n in range(5)
    ]
    search_index_update(case_study_ids=[c.pk for c in rare + gritting + others])
    return gritting


def newest_titles(queryset, n=20) -> list[str]:
    return list(queryset.order_by("-published_at", "-id").values_list("title", flat=True)[:n])


def test_a_search_past_the_limit_says_about_how_many(client, many):
    response = client.get("/search/", {"q": "gritting"})
    outcome = response.context["outcome"]
    assert outcome.total_estimated
    assert outcome.total >= LIMIT
    assert f"About {outcome.total} results" in response.content.decode()
    # Only the candidates are ranked, so only they can be paged through.
    assert len(outcome.results) == LIMIT
    assert outcome.num_pages == 1
    assert all("Gritting" in r.title for r in outcome.results)


def test_below_the_limit_the_total_is_exact(client, many):
    response = client.get("/search/", {"q": "library opening hours"})
    outcome = response.context["outcome"]
    assert not outcome.total_estimated
    assert outcome.total == 5
    status = response.content.decode().split('role="status">')[1].split("<")[0]
    assert status.startswith("5 results"), status


def test_newest_first_past_the_limit_is_the_true_newest_order(many):
    outcome = search(SearchRequest(q="gritting", sort="newest"))
    expected = newest_titles(CaseStudy.objects.filter(title__startswith="Gritting routes"))
    assert outcome.total_estimated
    assert [r.title for r in outcome.results] == expected
    second = search(SearchRequest(q="gritting", sort="newest", page=2))
    assert [r.title for r in second.results] == newest_titles(
        CaseStudy.objects.filter(title__startswith="Gritting routes"), n=40
    )[20:40]


def test_newest_first_with_a_filter_few_candidates_pass_is_still_exact(many):
    outcome = search(SearchRequest(q="gritting", sort="newest", filters={"silo": ["winter-service"]}))
    assert [r.title for r in outcome.results] == newest_titles(
        CaseStudy.objects.filter(primary_silo__slug="winter-service")
    )
    assert len(outcome.results) == 2


def test_a_common_word_narrowed_by_a_rare_filter_finds_every_match_and_counts_them_exactly(many):
    # Whether or not the two are among the first candidates, they are found.
    outcome = search(SearchRequest(q="gritting", filters={"silo": ["winter-service"]}))
    assert sorted(r.title for r in outcome.results) == sorted(
        CaseStudy.objects.filter(primary_silo__slug="winter-service").values_list("title", flat=True)
    )
    assert outcome.total == 2
    assert not outcome.total_estimated
    assert outcome.num_pages == 1


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_rare_filters_in_two_facets_keep_only_the_matches_passing_both(many, sort):
    # Any value within a facet, every facet: both silos, but only 2016.
    filters = {"silo": ["winter-service", "highways"], "year": ["2016"]}
    outcome = search(SearchRequest(q="gritting", sort=sort, filters=filters))
    assert [r.title for r in outcome.results] == ["Gritting footways by hand, pilot 0"]
    assert outcome.total == 1
    assert not outcome.total_estimated
    # The year's count is over both silos; the silo counts are over 2016 alone.
    years = {v.value: v.count for f in outcome.facets if f.key == "year" for v in f.values}
    silos = {v.value: v.count for f in outcome.facets if f.key == "silo" for v in f.values}
    assert silos == {"winter-service": 1, "highways": 0}  # chosen values are listed, even at 0
    assert years.get("2016") == 1


def test_relevance_pages_past_the_candidates_say_why(many):
    outcome = search(SearchRequest(q="gritting", page=3))
    assert any("most relevant results can be shown" in notice for notice in outcome.notices)
    assert outcome.page == 1  # the last page holding candidates is shown instead


def test_case_study_list_past_the_limit_is_newest_first_with_an_estimated_total(client, many):
    response = client.get("/case-studies/")
    outcome = response.context["outcome"]
    assert outcome.total_estimated
    assert [r.title for r in outcome.results] == newest_titles(CaseStudy.objects.filter(status="published"))
    page_two = client.get("/case-studies/", {"page": 2}).context["outcome"]
    assert [r.title for r in page_two.results] == newest_titles(CaseStudy.objects.filter(status="published"), 40)[20:40]
    filtered = client.get("/case-studies/", {"silo": "highways"}).context["outcome"]
    assert [r.title for r in filtered.results] == newest_titles(CaseStudy.objects.filter(primary_silo__slug="highways"))


def _work_mem_for(words: str, common: str = "min") -> str:
    from django.db import connection, transaction

    statement, params = search_sql.memory_setting(words, widened=common == "max")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        cursor.execute("SHOW work_mem")
        return cursor.fetchone()[0]


def test_a_search_for_common_words_keeps_its_bitmap_of_matches_by_page(many):
    from django.db import connection

    # Before statistics nothing is known to be common.
    assert _work_mem_for("gritting") == search_sql.WORK_MEM
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE practices_searchdocument")
    # "gritting" is in 47 of 52 documents, "library" in 5.
    assert _work_mem_for("gritting") == search_sql.DENSE_WORK_MEM
    assert _work_mem_for("gritting routes") == search_sql.DENSE_WORK_MEM
    assert _work_mem_for("gritting library") == search_sql.WORK_MEM, "every word needed: as rare as the rarest"
    assert _work_mem_for("gritting library", "max") == search_sql.DENSE_WORK_MEM, "a widened search: the commonest"
    assert _work_mem_for("spaceships") == search_sql.WORK_MEM
    assert _work_mem_for("") == search_sql.WORK_MEM
    # The results are the same either way.
    outcome = search(SearchRequest(q="gritting", sort="newest"))
    assert [r.title for r in outcome.results] == newest_titles(CaseStudy.objects.filter(title__startswith="Gritting"))
