"""The search page and the filtered case study list: syntax, facets, validation, typo help, query counts."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from councils.factories import CouncilFactory, ServiceSiloFactory
from councils.models import Council
from practices.factories import CaseStudyFactory, CitizenGroupFactory, FrameworkFactory, FrameworkLinkFactory
from practices.models import CaseStudy, Framework, SearchDocument
from practices.selectors.search import parse_query
from practices.services.search_index import search_index_rebuild, search_index_update, search_index_update_tagged

pytestmark = pytest.mark.django_db

SEARCH = "/search/"


def titles(response) -> list[str]:
    return [r.title for r in response.context["outcome"].results]


def exact_titles(response) -> list[str]:
    """The results with every word: the ones the query syntax is about (near matches follow them)."""
    return [r.title for r in response.context["outcome"].results if r.match == "all"]


def indexed(*items):
    """Index case studies (and frameworks) the way the services that write them do."""
    search_index_update(
        case_study_ids=[i.pk for i in items if isinstance(i, CaseStudy)],
        framework_ids=[i.pk for i in items if isinstance(i, Framework)],
    )
    return items


@pytest.fixture
def corpus(db):
    transport = ServiceSiloFactory(name="Transport", slug="transport")
    waste = ServiceSiloFactory(name="Waste and recycling", slug="waste-and-recycling")
    county = CouncilFactory(name="Kent County Council", slug="kent", kind=Council.Kind.COUNTY, region="south-east")
    city = CouncilFactory(
        name="Leeds City Council", slug="leeds", kind=Council.Kind.METROPOLITAN, region="yorkshire-humber"
    )
    older = CitizenGroupFactory(name="Older people", slug="older-people")
    framework = FrameworkFactory(title="Vehicle tracking and live fleet information", slug="vehicle-tracking")
    framework.tags.add("vehicle tracking")
    bus = CaseStudyFactory(
        title="Real-time bus arrival screens",
        slug="bus-screens",
        lead_council=county,
        primary_silo=transport,
        summary="GPS units on every bus feed arrival times to screens at stops.",
        approach="We tracked buses every 20 seconds and published a live feed.",
        funding_source="government-grant",
        start_year=2015,
        tags=["vehicle tracking", "real-time information"],
    )
    bus.citizen_groups.add(older)
    refuse = CaseStudyFactory(
        title="In-cab devices on the refuse fleet",
        slug="refuse-in-cab",
        lead_council=city,
        primary_silo=waste,
        summary="Crews record missed bins on touch screens in the cab; the vehicles are tracked.",
        approach="We extended the vehicle tracking contract to the waste fleet.",
        funding_source="invest-to-save",
        start_year=2019,
        tags=["vehicle tracking", "in-cab technology"],
    )
    FrameworkLinkFactory(case_study=refuse, framework=framework)
    bulky = CaseStudyFactory(
        title="Booking bulky waste collections online",
        slug="bulky-waste",
        lead_council=county,
        primary_silo=waste,
        summary="Residents book and pay for a bulky waste collection online.",
        approach="We used the corporate booking engine. Crews see bookings in their work lists.",
        funding_source="core",
        start_year=2019,
        tags=["online booking"],
    )
    draft = CaseStudyFactory(
        title="Secret draft about bus tracking",
        slug="draft-bus",
        lead_council=county,
        primary_silo=transport,
        status=CaseStudy.Status.DRAFT,
        published_at=None,
        tags=["vehicle tracking"],
    )
    indexed(bus, refuse, bulky, draft, framework)
    return {"bus": bus, "refuse": refuse, "bulky": bulky, "draft": draft, "framework": framework}


# --- Finding things -------------------------------------------------------


def test_search_finds_case_studies_and_frameworks_together(client, corpus):
    response = client.get(SEARCH, {"q": "vehicle tracking"})
    assert response.status_code == 200
    found = titles(response)
    assert "Vehicle tracking and live fleet information" in found
    assert "Real-time bus arrival screens" in found and "In-cab devices on the refuse fleet" in found
    assert "Booking bulky waste collections online" not in exact_titles(response)


def test_title_matches_rank_above_body_matches(client, corpus):
    found = titles(client.get(SEARCH, {"q": "bus"}))
    assert found[0] == "Real-time bus arrival screens"


def test_drafts_never_appear(client, corpus):
    html = client.get(SEARCH, {"q": "bus tracking secret"}).content.decode()
    assert "Secret draft" not in html
    assert not SearchDocument.objects.filter(case_study=corpus["draft"]).exists()


def test_stemming_finds_other_forms_of_a_word(client, corpus):
    assert "Booking bulky waste collections online" in titles(client.get(SEARCH, {"q": "books collection"}))


def test_accents_fold_both_ways(client, corpus):
    cafe = CaseStudyFactory(title="Community café in the library", slug="cafe", summary="A café run by volunteers.")
    indexed(cafe)
    assert titles(client.get(SEARCH, {"q": "cafe"})) == ["Community café in the library"]
    assert titles(client.get(SEARCH, {"q": "CAFÉS"})) == ["Community café in the library"]


def test_exact_phrase_must_appear_as_written(client, corpus):
    assert titles(client.get(SEARCH, {"q": '"waste fleet"'})) == ["In-cab devices on the refuse fleet"]
    assert titles(client.get(SEARCH, {"q": '"fleet waste"'})) == []


def test_minus_leaves_a_word_out(client, corpus):
    found = titles(client.get(SEARCH, {"q": "vehicle tracking -bus"}))
    assert "Real-time bus arrival screens" not in found
    assert "In-cab devices on the refuse fleet" in found


def test_or_offers_alternatives(client, corpus):
    found = set(titles(client.get(SEARCH, {"q": "bulky or arrival"})))
    assert found == {"Booking bulky waste collections online", "Real-time bus arrival screens"}


def test_snippets_highlight_the_words_and_escape_the_text(client, corpus):
    nasty = CaseStudyFactory(
        title="Tracking with care",
        slug="nasty",
        summary="Tracking <script>alert(1)</script> for fleets & more < less.",
    )
    indexed(nasty)
    html = client.get(SEARCH, {"q": "tracking"}).content.decode()
    assert "<mark>Tracking</mark> " in html
    assert "<script>alert(1)" not in html
    assert "fleets &amp; more &lt; less" in html


def test_sort_by_newest(client, corpus):
    from django.utils import timezone

    CaseStudy.objects.filter(pk=corpus["refuse"].pk).update(published_at=timezone.now() + timezone.timedelta(days=1))
    indexed(corpus["refuse"])
    found = titles(client.get(SEARCH, {"q": "vehicle tracking", "sort": "newest"}))
    assert found[0] == "In-cab devices on the refuse fleet"


# --- Typos ----------------------------------------------------------------


def test_a_misspelt_search_shows_results_for_the_correction(client, corpus):
    response = client.get(SEARCH, {"q": "bulkee colection"})
    outcome = response.context["outcome"]
    assert outcome.corrected_from == "bulkee colection"
    assert titles(response) == ["Booking bulky waste collections online"]
    html = response.content.decode()
    assert "Showing results for" in html and "exact=1" in html


def test_searching_anyway_for_the_misspelling_does_not_correct_it(client, corpus):
    response = client.get(SEARCH, {"q": "bulkee colection", "exact": "1"})
    assert exact_titles(response) == []
    assert "Did you mean" in response.content.decode()


def test_tags_that_look_like_the_search_are_offered(client, corpus):
    html = client.get(SEARCH, {"q": "vehicle trackin"}).content.decode()
    assert "Tags that look like your search" in html
    assert "tag=vehicle-tracking" in html


def test_no_result_with_every_word_falls_back_to_some_of_them(client, corpus):
    response = client.get(SEARCH, {"q": "bulky waste spaceship"})
    assert response.context["outcome"].relaxed
    assert "Booking bulky waste collections online" in titles(response)
    assert "contain most of them" in response.content.decode()


def test_a_widened_search_of_six_words_highlights_them_without_running_out_of_memory(client, corpus):
    # Half of six words is twenty combinations of three; ts_headline over those covers
    # asked PostgreSQL 18 for 1 GB and failed. The snippet now marks any of the words.
    response = client.get(SEARCH, {"q": "bulky waste collections booking online crews"})
    assert response.status_code == 200
    assert "Booking bulky waste collections online" in titles(response)
    assert "<mark>" in response.content.decode()


# --- Facets ---------------------------------------------------------------


def facet(response, key):
    return {v.label: v for f in response.context["outcome"].facets if f.key == key for v in f.values}


def test_facets_count_the_current_query(client, corpus):
    response = client.get(SEARCH, {"q": "vehicle tracking"})
    silos = facet(response, "silo")
    # Every result is counted, the near matches after the every-word ones too.
    shown = {}
    for result in response.context["outcome"].results:
        if result.silo:
            shown[result.silo] = shown.get(result.silo, 0) + 1
    assert {k: v.count for k, v in silos.items()} == shown
    assert set(shown) == {"Transport", "Waste and recycling"}


def test_facets_count_every_word_matches_of_a_search_that_is_not_widened(client, corpus, monkeypatch):
    monkeypatch.setattr("practices.selectors.search.run.WIDEN_BELOW", 0)
    response = client.get(SEARCH, {"q": "vehicle tracking"})
    silos = facet(response, "silo")
    assert {k: v.count for k, v in silos.items()} == {"Transport": 1, "Waste and recycling": 1}
    assert {k: v.count for k, v in facet(response, "kind").items()} == {
        "County council": 1,
        "Metropolitan borough": 1,
    }
    assert facet(response, "framework")["Vehicle tracking and live fleet information"].count == 1
    assert facet(response, "group")["Older people"].count == 1
    assert facet(response, "funding")["Invest to Save"].count == 1
    assert set(facet(response, "year")) == {"2015", "2019"}
    assert facet(response, "tag")["vehicle tracking"].count == 3


def test_choosing_a_facet_narrows_results_and_shows_in_the_url(client, corpus):
    response = client.get(SEARCH, {"q": "vehicle tracking", "silo": "waste-and-recycling"})
    assert exact_titles(response) == ["In-cab devices on the refuse fleet"]
    outcome = response.context["outcome"]
    assert [(s.facet_label, s.label) for s in outcome.selected] == [("Service silo", "Waste and recycling")]
    html = response.content.decode()
    assert 'value="waste-and-recycling" checked' in html
    # The chosen facet still offers its other values, counted as if they were added.
    assert facet(response, "silo")["Transport"].count == 1
    # Removing the filter is a link back to the search without it.
    assert outcome.selected[0].remove_url == "/search/?q=vehicle+tracking"


def test_values_in_one_facet_widen_and_facets_together_narrow(client, corpus):
    both = client.get(SEARCH, {"q": "tracking", "year": ["2015", "2019"]})
    assert set(exact_titles(both)) == {"Real-time bus arrival screens", "In-cab devices on the refuse fleet"}
    narrowed = client.get(SEARCH, {"q": "tracking", "year": ["2015", "2019"], "kind": "metropolitan"})
    assert exact_titles(narrowed) == ["In-cab devices on the refuse fleet"]


def test_case_study_list_filters_with_the_same_engine(client, corpus):
    url = reverse("practices:case_study_list")
    everything = client.get(url)
    assert set(titles(everything)) == {
        "Real-time bus arrival screens",
        "In-cab devices on the refuse fleet",
        "Booking bulky waste collections online",
    }
    assert "Secret draft" not in everything.content.decode()
    filtered = client.get(url, {"tag": "online-booking"})
    assert titles(filtered) == ["Booking bulky waste collections online"]
    assert "Apply filters" in filtered.content.decode()
    assert not [f for f in filtered.context["outcome"].facets if f.key == "type"], "the list is case studies only"


# --- Bad input -------------------------------------------------------------


def test_a_very_long_search_is_refused_with_a_message_and_kept(client, corpus):
    response = client.get(SEARCH, {"q": "bus " * 1250})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "200 characters or fewer" in html
    assert 'value="bus bus bus' in html, "what was typed is kept in the box"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": '"bulky waste'}, "quotation marks"),
        ({"q": "?!?! ... ###"}, "did not contain any words"),
        ({"q": "-bus"}, "Add a word to search for"),
        ({"q": "bus", "silo": "no-such-silo"}, "no service silo called"),
        ({"q": "bus", "kind": "parish"}, "is not a council kind we know"),
        ({"q": "bus", "tag": "<b>"}, "is not a tag we know"),
        ({"q": "bus", "year": "1066"}, "is not a year started we know"),
        ({"q": "bus", "page": "abc"}, "Page numbers are whole numbers"),
        ({"q": "bus", "page": "999999"}, "Only the first 10,000 results"),
        ({"q": "bus", "sort": "random"}, "sort order"),
    ],
)
def test_nonsense_gets_a_clear_message_not_an_error(client, corpus, params, message):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_unbalanced_quotes_still_search(client, corpus):
    response = client.get(SEARCH, {"q": '"bulky waste'})
    assert exact_titles(response) == ["Booking bulky waste collections online"]


def test_parse_query_understands_the_web_syntax():
    parsed = parse_query('"real time" bus or coach -tram')
    assert [[t.text for t in group] for group in parsed.groups] == [["real time"], ["bus", "coach"]]
    assert parsed.groups[0][0].phrase
    assert [t.text for t in parsed.excluded] == ["tram"]


# --- Index upkeep ----------------------------------------------------------


def test_renamed_and_merged_tags_are_searchable_after_reindexing(client, corpus):
    from taggit.models import Tag

    tag = Tag.objects.get(name="in-cab technology")
    tag.name = "telematics"
    tag.save()
    search_index_update_tagged(tag_ids=[tag.pk])
    assert exact_titles(client.get(SEARCH, {"q": "telematics"})) == ["In-cab devices on the refuse fleet"]


def test_unpublishing_removes_the_document(client, corpus):
    CaseStudy.objects.filter(pk=corpus["bulky"].pk).update(status=CaseStudy.Status.ARCHIVED)
    indexed(corpus["bulky"])
    assert titles(client.get(SEARCH, {"q": "bulky"})) == []


def test_rebuild_restores_every_published_document(corpus):
    SearchDocument.objects.all().delete()
    search_index_rebuild()
    assert SearchDocument.objects.count() == 4  # three published case studies and the framework


# --- Every page, and query counts -------------------------------------------


def test_every_page_has_a_search_box(client, corpus):
    for url in ("/", reverse("practices:case_study_list"), corpus["bus"].get_absolute_url()):
        html = client.get(url).content.decode()
        assert re.search(r'<form[^>]+action="/search/"', html), url


def build(n, *, silo, council, offset=0):
    items = [
        CaseStudyFactory(
            title=f"Vehicle tracking for fleet {offset + i}",
            slug=f"fleet-{offset + i}",
            primary_silo=silo,
            lead_council=council,
            tags=["vehicle tracking", f"tag {i % 9}"],
        )
        for i in range(n)
    ]
    indexed(*items)


def count_queries(client, url, params):
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# The most statements a search page may run: facet lookups, the search and its
# widening when it fills less than a page, "did you mean", and the corrected
# search with its widening (each search is two: its settings and itself).
# Pinned so it cannot creep up.
MAX_SEARCH_QUERIES = 10
PAGES = {
    "search": (SEARCH, {"q": "vehicle tracking"}),
    "search with facets": (SEARCH, {"q": "vehicle tracking", "silo": "transport", "tag": "tag-1", "year": "2019"}),
    "search, page 2": (SEARCH, {"q": "tracking", "page": "2"}),
    "search with a typo": (SEARCH, {"q": "vehicel trackng"}),
    "case study list": ("/case-studies/", {}),
    "case study list, filtered": ("/case-studies/", {"silo": "transport", "kind": "district"}),
}


def test_query_counts_are_constant_whatever_the_data(client, corpus):
    silo, council = corpus["bus"].primary_silo, corpus["bus"].lead_council
    build(25, silo=silo, council=council)
    few = {name: count_queries(client, url, params) for name, (url, params) in PAGES.items()}
    build(60, silo=silo, council=council, offset=100)
    many = {name: count_queries(client, url, params) for name, (url, params) in PAGES.items()}
    assert many == few
    assert few["search"] == 2, "a plain search is one statement (and its work_mem setting)"
    assert few["search with facets"] == 5, (
        "facet values in the URL are looked up in one more; fewer than a page match every word, so it is widened"
    )
    assert max(many.values()) <= MAX_SEARCH_QUERIES, many
