"""Cross-silo discovery on crafted data: the same practice in other silos, where else it could apply,
similar work, ideas from other silos and framework suggestions; query counts pinned."""

import pytest
from django.core.cache import caches

from councils.factories import CouncilFactory, MemberProfileFactory, ServiceSiloFactory
from councils.models import Council, MemberProfile
from practices.factories import AdoptionFactory, CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory
from practices.models import Adoption
from practices.selectors import discovery
from practices.services.discovery_stats import discovery_stats_refresh


@pytest.fixture
def fleet(db):
    """Transport tracks buses by GPS and Waste tracks its fleet: both implement the fleet framework.
    Meals on wheels runs vans too (vehicle-related tags) but knows nothing of it. Planning is unrelated."""
    transport = ServiceSiloFactory(name="Transport", slug="transport")
    waste = ServiceSiloFactory(name="Waste and recycling", slug="waste-and-recycling")
    meals = ServiceSiloFactory(name="Meals on wheels", slug="meals-on-wheels")
    planning = ServiceSiloFactory(name="Planning", slug="planning")
    framework = FrameworkFactory(
        title="Vehicle tracking and live fleet information",
        slug="vehicle-tracking",
        summary="Fit GPS trackers to council vehicles and share live positions with staff and residents.",
    )
    framework.tags.add("vehicle tracking", "gps", "fleet management")
    other_framework = FrameworkFactory(
        title="Document imaging", slug="document-imaging", summary="Scan paper files so staff can find them."
    )
    other_framework.tags.add("document imaging")
    bus = CaseStudyFactory(
        title="Live bus arrivals from GPS on every bus",
        slug="gps-bus-arrivals",
        primary_silo=transport,
        tags=["vehicle tracking", "gps", "real-time information"],
    )
    bins = CaseStudyFactory(
        title="Tracking the refuse fleet with in-cab devices",
        slug="refuse-fleet-tracking",
        primary_silo=waste,
        tags=["vehicle tracking", "in-cab technology", "route optimisation"],
    )
    FrameworkLinkFactory(case_study=bus, framework=framework)
    FrameworkLinkFactory(case_study=bins, framework=framework)
    meals_rounds = CaseStudyFactory(
        title="Scheduling meals-on-wheels delivery rounds",
        slug="meals-delivery-rounds",
        primary_silo=meals,
        summary="Drivers follow planned delivery rounds; the office can see where each van is.",
        approach="Vans carry trackers and rounds are planned with route optimisation software.",
        tags=["vehicle tracking", "route optimisation", "welfare checks"],
    )
    meals_vans = CaseStudyFactory(
        title="Fitting trackers to community meals vans",
        slug="meals-van-trackers",
        primary_silo=meals,
        tags=["vehicle tracking", "gps"],
    )
    scans = CaseStudyFactory(
        title="Back-scanning planning files",
        slug="planning-scans",
        primary_silo=planning,
        summary="Paper planning files scanned and published online.",
        problem="Files were hard to find.",
        approach="Scanned every file.",
        tags=["document imaging"],
    )
    FrameworkLinkFactory(case_study=scans, framework=other_framework)
    discovery_stats_refresh()
    return {
        "transport": transport,
        "waste": waste,
        "meals": meals,
        "planning": planning,
        "framework": framework,
        "other_framework": other_framework,
        "bus": bus,
        "bins": bins,
        "meals_rounds": meals_rounds,
        "meals_vans": meals_vans,
        "scans": scans,
    }


def _more_case_studies(count, silo, tags):
    for _ in range(count):
        CaseStudyFactory(primary_silo=silo, tags=tags)
    discovery_stats_refresh()


# --- The same practice in other silos -------------------------------------------------


def test_transport_and_waste_implementations_appear_in_each_others_same_practice(fleet):
    from_bus = discovery.case_studies_same_practice_other_silos(fleet["bus"])
    from_bins = discovery.case_studies_same_practice_other_silos(fleet["bins"])

    assert [cs.slug for cs in from_bus] == ["refuse-fleet-tracking"]
    assert [cs.slug for cs in from_bins] == ["gps-bus-arrivals"]
    assert [f.title for f in from_bus[0].shared_frameworks] == ["Vehicle tracking and live fleet information"]


def test_same_practice_leaves_out_the_same_silo_and_unlinked_work(fleet):
    same_silo = CaseStudyFactory(primary_silo=fleet["transport"], tags=["vehicle tracking"])
    FrameworkLinkFactory(case_study=same_silo, framework=fleet["framework"])

    slugs = [cs.slug for cs in discovery.case_studies_same_practice_other_silos(fleet["bus"])]

    assert same_silo.slug not in slugs
    assert "meals-delivery-rounds" not in slugs
    assert slugs == ["refuse-fleet-tracking"]


def test_same_practice_shows_one_per_silo_before_a_second_from_any_silo(fleet):
    for n in range(3):
        extra = CaseStudyFactory(primary_silo=fleet["waste"], slug=f"more-waste-{n}")
        FrameworkLinkFactory(case_study=extra, framework=fleet["framework"])
    highways = ServiceSiloFactory(name="Highways", slug="highways")
    gritters = CaseStudyFactory(primary_silo=highways, slug="gritter-tracking")
    FrameworkLinkFactory(case_study=gritters, framework=fleet["framework"])

    silos = [cs.primary_silo.name for cs in discovery.case_studies_same_practice_other_silos(fleet["bus"])]

    assert set(silos[:2]) == {"Waste and recycling", "Highways"}
    assert len(silos) == 5  # four in Waste, one in Highways


def test_same_practice_ignores_unpublished_implementations(fleet):
    draft = CaseStudyFactory(primary_silo=fleet["planning"], status="draft", published_at=None)
    FrameworkLinkFactory(case_study=draft, framework=fleet["framework"])

    slugs = [cs.slug for cs in discovery.case_studies_same_practice_other_silos(fleet["bus"])]

    assert draft.slug not in slugs


# --- Where else this could apply ----------------------------------------------------------


def test_meals_on_wheels_is_where_else_the_fleet_practice_could_apply(fleet):
    silos = discovery.silos_where_else_could_apply(fleet["bus"])

    names = [silo.name for silo in silos]
    assert names[0] == "Meals on wheels"
    # Transport (its own) and Waste (already implements it) are not suggested.
    assert "Transport" not in names and "Waste and recycling" not in names
    shared = {tag.name: count for tag, count in silos[0].shared_tags}
    assert shared == {"vehicle tracking": 2, "gps": 1}


def test_where_else_leaves_out_silos_that_adopted_the_framework(fleet):
    AdoptionFactory(case_study=None, framework=fleet["framework"], silo=fleet["meals"], status=Adoption.Status.LIVE)
    discovery_stats_refresh()

    names = [silo.name for silo in discovery.silos_where_else_could_apply(fleet["bus"])]

    assert "Meals on wheels" not in names


def test_where_else_leaves_out_silos_sharing_no_tag(fleet):
    names = [silo.name for silo in discovery.silos_where_else_could_apply(fleet["bus"])]

    assert "Planning" not in names


# --- Similar work elsewhere ----------------------------------------------------------------


def test_similar_work_weighs_rare_tags_above_common_ones(fleet):
    # "welfare checks" is rare; "vehicle tracking" is everywhere.
    _more_case_studies(6, fleet["planning"], ["vehicle tracking"])
    rare = CaseStudyFactory(
        title="Welfare calls by volunteers", primary_silo=fleet["planning"], tags=["welfare checks"]
    )
    discovery_stats_refresh()

    similar = discovery.case_studies_similar_elsewhere(fleet["meals_rounds"])

    assert similar[0].pk in {rare.pk, fleet["bins"].pk}
    titles = [cs.title for cs in similar]
    assert titles.index(rare.title) < min(
        i for i, cs in enumerate(similar) if [t.name for t in cs.shared_tags] == ["vehicle tracking"]
    )


def test_similar_work_favours_other_silos_and_similar_councils(fleet):
    home = fleet["meals_vans"].lead_council
    twin_kind = CouncilFactory(kind=home.kind, region=home.region)
    far = CouncilFactory(kind=Council.Kind.SCOTTISH, region=Council.Region.SCOTLAND, nation=Council.Nation.SCOTLAND)
    same_silo = CaseStudyFactory(primary_silo=fleet["meals"], lead_council=far, tags=["gps"])
    other_silo_similar_council = CaseStudyFactory(primary_silo=fleet["planning"], lead_council=twin_kind, tags=["gps"])
    other_silo_far_council = CaseStudyFactory(primary_silo=fleet["planning"], lead_council=far, tags=["gps"])
    discovery_stats_refresh()

    order = [cs.pk for cs in discovery.case_studies_similar_elsewhere(fleet["meals_vans"], limit=10)]

    assert order.index(other_silo_similar_council.pk) < order.index(other_silo_far_council.pk)
    assert order.index(other_silo_far_council.pk) < order.index(same_silo.pk)


def test_similar_work_leaves_out_the_same_practice_and_itself(fleet):
    similar = [cs.pk for cs in discovery.case_studies_similar_elsewhere(fleet["bus"], limit=20)]

    assert fleet["bus"].pk not in similar
    assert fleet["bins"].pk not in similar  # shown under "the same practice" instead
    assert fleet["meals_vans"].pk in similar


# --- Ideas from other silos -----------------------------------------------------------------


def test_meals_on_wheels_silo_gets_the_fleet_framework_as_an_idea_with_evidence(fleet):
    ideas = discovery.frameworks_ideas_from_other_silos(fleet["meals"])

    assert ideas[0].title == "Vehicle tracking and live fleet information"
    assert ideas[0].implementation_count == 2
    assert {silo.name for silo in ideas[0].proven_in} == {"Transport", "Waste and recycling"}
    assert dict((tag.name, n) for tag, n in ideas[0].fit_tags) == {"vehicle tracking": 2, "gps": 1}


def test_ideas_leave_out_frameworks_the_silo_already_uses(fleet):
    ideas = [f.slug for f in discovery.frameworks_ideas_from_other_silos(fleet["transport"])]

    assert "vehicle-tracking" not in ideas
    assert ideas == ["document-imaging"]


def test_an_in_progress_adoption_counts_as_use_but_a_plan_does_not(fleet):
    AdoptionFactory(case_study=None, framework=fleet["framework"], silo=fleet["meals"], status=Adoption.Status.PLANNED)
    discovery_stats_refresh()
    assert "vehicle-tracking" in [f.slug for f in discovery.frameworks_ideas_from_other_silos(fleet["meals"])]

    AdoptionFactory(
        case_study=fleet["bins"], silo=fleet["meals"], status=Adoption.Status.IN_PROGRESS, council=CouncilFactory()
    )
    discovery_stats_refresh()
    assert "vehicle-tracking" not in [f.slug for f in discovery.frameworks_ideas_from_other_silos(fleet["meals"])]


def test_ideas_count_adoptions_as_evidence(fleet):
    AdoptionFactory(case_study=fleet["bus"], silo=fleet["waste"], status=Adoption.Status.LIVE)
    discovery_stats_refresh()

    idea = discovery.frameworks_ideas_from_other_silos(fleet["meals"])[0]

    assert (idea.implementation_count, idea.adoption_count) == (2, 1)


# --- Suggested frameworks --------------------------------------------------------------------


def test_an_unlinked_meals_case_study_is_suggested_the_fleet_framework(fleet):
    suggestions = discovery.frameworks_suggested_for(fleet["meals_rounds"])

    assert suggestions[0].slug == "vehicle-tracking"
    assert [tag.name for tag in suggestions[0].shared_tags] == ["vehicle tracking"]
    assert 0 < suggestions[0].score <= 1


def test_suggestions_leave_out_frameworks_already_linked_and_drafts(fleet):
    FrameworkFactory(title="Draft fleet idea", slug="draft-fleet", status="draft").tags.add("vehicle tracking")

    slugs = [f.slug for f in discovery.frameworks_suggested_for(fleet["bus"])]

    assert "vehicle-tracking" not in slugs
    assert "draft-fleet" not in slugs


def test_no_suggestion_when_nothing_matches(fleet):
    lonely = CaseStudyFactory(
        title="Zebra crossings audit",
        summary="Quokka xylophone.",
        problem="Quokka.",
        approach="Xylophone.",
        tags=["zebras"],
        primary_silo=fleet["planning"],
    )

    assert discovery.frameworks_suggested_for(lonely) == []


# --- On the pages ---------------------------------------------------------------------------


def test_case_study_page_shows_the_panels(client, fleet):
    caches["pages"].clear()
    html = client.get(fleet["bus"].get_absolute_url()).content.decode()

    assert "The same practice in other silos" in html
    assert "Tracking the refuse fleet with in-cab devices" in html
    assert "Where else this could apply" in html
    assert "Meals on wheels" in html
    assert "Similar work elsewhere" in html


def test_curators_see_suggestions_with_one_click_linking_on_an_unlinked_case_study(client, fleet, curator):
    client.force_login(curator)
    html = client.get(fleet["meals_rounds"].get_absolute_url()).content.decode()

    assert "Suggested frameworks" in html
    assert 'name="framework" value="vehicle-tracking"' in html
    assert 'name="customisation"' in html


def test_other_members_do_not_see_suggestions(client, fleet, officer):
    client.force_login(officer)
    html = client.get(fleet["meals_rounds"].get_absolute_url()).content.decode()

    assert "Suggested frameworks" not in html


def test_silo_page_shows_ideas_from_other_silos(client, fleet):
    caches["pages"].clear()
    html = client.get(fleet["meals"].get_absolute_url()).content.decode()

    assert "Ideas from other silos" in html
    assert "Vehicle tracking and live fleet information" in html
    assert "2 of your case studies tagged" in html


# --- Query counts stay flat ------------------------------------------------------------------


PANEL_QUERIES = {
    "case_studies_same_practice_other_silos": 3,
    "silos_where_else_could_apply": 3,
    "case_studies_similar_elsewhere": 3,
    "frameworks_suggested_for": 4,
}


@pytest.mark.parametrize("panel", sorted(PANEL_QUERIES))
def test_case_study_panels_use_a_fixed_number_of_queries(fleet, django_assert_num_queries, panel):
    func = getattr(discovery, panel)
    with django_assert_num_queries(PANEL_QUERIES[panel]):
        first = func(fleet["meals_rounds"] if panel == "frameworks_suggested_for" else fleet["bus"])
    assert first
    for silo in ("transport", "waste", "meals", "planning"):
        _more_case_studies(3, fleet[silo], ["vehicle tracking", "gps", "route optimisation"])
    for silo in ("transport", "waste"):
        FrameworkLinkFactory(case_study=CaseStudyFactory(primary_silo=fleet[silo]), framework=fleet["framework"])
    discovery_stats_refresh()
    with django_assert_num_queries(PANEL_QUERIES[panel]):
        assert func(fleet["meals_rounds"] if panel == "frameworks_suggested_for" else fleet["bus"])


def test_ideas_panel_uses_a_fixed_number_of_queries(fleet, django_assert_num_queries):
    with django_assert_num_queries(4):
        assert discovery.frameworks_ideas_from_other_silos(fleet["meals"])
    for n in range(5):
        extra = FrameworkFactory(slug=f"extra-{n}")
        extra.tags.add("route optimisation")
        FrameworkLinkFactory(case_study=CaseStudyFactory(primary_silo=fleet["waste"]), framework=extra)
    discovery_stats_refresh()
    with django_assert_num_queries(4):
        assert len(discovery.frameworks_ideas_from_other_silos(fleet["meals"])) == 5


def _page_queries(client, url, django_assert_max_num_queries, limit):
    caches["pages"].clear()
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("signed_in", ["visitor", "curator"])
def test_case_study_page_queries_do_not_grow_with_data(
    client, fleet, curator, django_assert_max_num_queries, signed_in
):
    limit = 16 if signed_in == "visitor" else 24
    if signed_in == "curator":
        client.force_login(curator)
    url = fleet["meals_rounds"].get_absolute_url()
    _page_queries(client, url, django_assert_max_num_queries, limit)
    for silo in ("transport", "waste", "planning"):
        _more_case_studies(4, fleet[silo], ["vehicle tracking", "route optimisation", "welfare checks"])
    _page_queries(client, url, django_assert_max_num_queries, limit)


def test_silo_page_queries_do_not_grow_with_data(client, fleet, django_assert_max_num_queries):
    url = fleet["meals"].get_absolute_url()
    _page_queries(client, url, django_assert_max_num_queries, 10)
    for n in range(4):
        extra = FrameworkFactory(slug=f"more-{n}")
        FrameworkLinkFactory(case_study=CaseStudyFactory(primary_silo=fleet["planning"]), framework=extra)
    _more_case_studies(5, fleet["meals"], ["vehicle tracking"])
    _page_queries(client, url, django_assert_max_num_queries, 10)


def test_member_silo_is_not_needed_for_discovery(client, fleet):
    member = MemberProfileFactory(role=MemberProfile.Role.MEMBER, silo=None).user
    client.force_login(member)

    assert client.get(fleet["bus"].get_absolute_url()).status_code == 200
