"""Every browse page renders, shows what it should, and uses a constant number of queries."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from councils.factories import CouncilFactory, ServiceSiloFactory
from practices.factories import CaseStudyFactory, FrameworkFactory
from practices.models import CaseStudy
from practices.services.discovery_stats import discovery_stats_refresh, discovery_stats_refresh_if_stale
from practices.services.imports import practices_import
from practices.services.search_index import search_index_update
from tests.conftest import case_studies_in_bulk

pytestmark = pytest.mark.django_db


def build_corpus(n, *, silos, councils, framework):
    """n published case studies spread over silos and councils, tagged, linked and reused.

    Built through the import service, so each is indexed for search like real
    content, then the summaries are recounted as the worker would: the pages
    show what was built. Returns them newest first.
    """
    start = CaseStudy.objects.count()
    today = timezone.localdate()
    records, adoptions = [], []
    for i in range(start, start + n):
        slug = f"route-planning-{i}"
        records.append(
            {
                "slug": slug,
                "title": f"Route planning for service vehicles {i}",
                "lead_council": councils[i % len(councils)].slug,
                "partner_councils": [councils[(i + 1) % len(councils)].slug],
                "primary_silo": silos[i % len(silos)].slug,
                "other_silos": [silos[(i + 1) % len(silos)].slug],
                "summary": "Crews plan rounds from one shared map.",
                "things_to_avoid": ["Planning rounds without the crews"],
                "status": "published",
                # One day apart, newest last, so "newest first" is unambiguous.
                "published_at": (today - timezone.timedelta(days=10_000 - i)).isoformat(),
                "tags": ["vehicle tracking", f"tag {i % 7}"],
                "frameworks": [{"framework": framework.slug}],
            }
        )
        adoptions.append(
            {
                "council": councils[(i + 2) % len(councils)].slug,
                "case_study": slug,
                "silo": silos[(i + 2) % len(silos)].slug,
                "status": "live",
            }
        )
    practices_import({"case_studies": records, "adoptions": adoptions})
    discovery_stats_refresh_if_stale()
    return list(CaseStudy.objects.filter(slug__in=[r["slug"] for r in records]).order_by("-published_at"))


@pytest.fixture
def corpus(db):
    silos = [
        ServiceSiloFactory(name=name, slug=slug)
        for name, slug in [
            ("Transport", "transport"),
            ("Waste and recycling", "waste"),
            ("Adult social care", "adult-social-care"),
        ]
    ]
    councils = [CouncilFactory() for _ in range(4)]
    framework = FrameworkFactory(slug="vehicle-tracking", title="Vehicle tracking")
    framework.silos.set(silos)
    framework.tags.add("vehicle tracking")
    return {"silos": silos, "councils": councils, "framework": framework}


def pages(corpus, case_study):
    return {
        "home": "/",
        "case study list": reverse("practices:case_study_list"),
        "case study list page 2": reverse("practices:case_study_list") + "?page=2",
        "case study": case_study.get_absolute_url(),
        "framework list": reverse("practices:framework_list"),
        "framework": corpus["framework"].get_absolute_url(),
        "council list": reverse("practices:council_list"),
        "council": corpus["councils"][0].get_absolute_url(),
        "silo list": reverse("practices:silo_list"),
        "silo": corpus["silos"][0].get_absolute_url(),
        "tag": reverse("practices:tag_detail", args=["vehicle-tracking"]),
        "accessibility": reverse("accessibility"),
    }


def query_counts(client, urls):
    counts = {}
    for name, url in urls.items():
        caches["pages"].clear()  # count the work of building the page, not of serving it from the visitor cache
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, f"{name} returned {response.status_code}"
        counts[name] = len(ctx.captured_queries)
    return counts


# The most queries any browse page may make; pinned so it cannot creep up.
MAX_QUERIES = 12


def assert_pages_show(client, corpus, items, *, total):
    """Each page shows the corpus (newest first; counts from the summaries), so the query counts are of real pages."""
    newest, oldest = items[0], items[-1]
    council, silo = corpus["councils"][0], corpus["silos"][0]
    caches["pages"].clear()
    home = client.get("/")
    assert home.context["summary"]["case_study_count"] == total
    assert newest.title in home.content.decode()
    listing = client.get(reverse("practices:case_study_list")).content.decode()
    assert newest.title in listing and f"{total:,}" in listing
    if total > 20:
        page_two = client.get(reverse("practices:case_study_list") + "?page=2").content.decode()
        assert "Route planning for service vehicles" in page_two and newest.title not in page_two
    assert oldest.title in client.get(oldest.get_absolute_url()).content.decode()
    frameworks = client.get(reverse("practices:framework_list"))
    assert [f.implementation_count for f in frameworks.context["page"]] == [total]
    assert ">Transport</h3>" in client.get(corpus["framework"].get_absolute_url()).content.decode()
    councils = client.get(reverse("practices:council_list")).context["councils"]
    assert sum(c.published_count for c in councils) == total
    led_by_council = [item for item in items if item.lead_council_id == council.pk]
    assert led_by_council[0].title in client.get(council.get_absolute_url()).content.decode()
    silos = client.get(reverse("practices:silo_list")).context["silos"]
    assert sum(s.published_count for s in silos) == total
    in_silo = [item for item in items if item.primary_silo_id == silo.pk]
    assert in_silo[0].title in client.get(silo.get_absolute_url()).content.decode()
    assert newest.title in client.get(reverse("practices:tag_detail", args=["vehicle-tracking"])).content.decode()


def test_query_counts_do_not_grow_with_data(client, corpus):
    small = build_corpus(25, **corpus)
    assert_pages_show(client, corpus, small, total=25)
    few = query_counts(client, pages(corpus, small[-1]))
    everything = build_corpus(40, **corpus) + small
    assert_pages_show(client, corpus, everything, total=65)
    many = query_counts(client, pages(corpus, small[-1]))
    assert many == few, "a page's query count grew with the data"
    assert max(many.values()) <= MAX_QUERIES, many


def test_home_shows_counts_and_latest(client, corpus):
    items = build_corpus(3, **corpus)
    response = client.get("/")
    assert response.context["summary"]["case_study_count"] == 3
    assert items[0].title in response.content.decode()


def test_case_study_page_shows_what_to_avoid_frameworks_and_reuse(client, corpus):
    case_study = build_corpus(1, **corpus)[0]
    html = client.get(case_study.get_absolute_url()).content.decode()
    assert "Things to avoid" in html
    assert case_study.things_to_avoid[0] in html
    assert "Vehicle tracking" in html
    assert corpus["councils"][2].name in html, "the adopting council is listed"


def test_contact_details_are_for_signed_in_members_only(client, corpus, colleague):
    case_study = build_corpus(1, **corpus)[0]
    case_study.contact_email = "fleet.services@bristol.gov.uk"
    case_study.save()
    assert "fleet.services@bristol.gov.uk" not in client.get(case_study.get_absolute_url()).content.decode()
    client.force_login(colleague)
    assert "fleet.services@bristol.gov.uk" in client.get(case_study.get_absolute_url()).content.decode()


def test_framework_page_groups_implementations_by_silo(client, corpus):
    build_corpus(3, **corpus)
    response = client.get(corpus["framework"].get_absolute_url())
    html = response.content.decode()
    for silo in corpus["silos"]:
        assert f">{silo.name}</h3>" in html
    assert "What implementers said to avoid" in html


class TestDraftVisibility:
    @pytest.fixture
    def draft(self, council, silo, officer):
        return CaseStudyFactory(
            status=CaseStudy.Status.DRAFT, lead_council=council, primary_silo=silo, created_by=officer
        )

    def test_visitors_and_other_councils_get_404(self, client, draft, outsider):
        assert client.get(draft.get_absolute_url()).status_code == 404
        client.force_login(outsider)
        assert client.get(draft.get_absolute_url()).status_code == 404

    def test_members_of_the_same_council_who_do_not_write_get_404(self, client, draft, colleague):
        client.force_login(colleague)
        assert client.get(draft.get_absolute_url()).status_code == 404

    @pytest.mark.parametrize("who", ["officer", "curator"])
    def test_own_council_officers_and_curators_see_it(self, client, draft, who, request):
        client.force_login(request.getfixturevalue(who))
        response = client.get(draft.get_absolute_url())
        assert response.status_code == 200
        assert "Draft" in response.content.decode()

    def test_drafts_are_not_listed(self, client, draft):
        assert draft.title not in client.get(reverse("practices:case_study_list")).content.decode()


def test_unknown_pages_get_the_site_404(client, db):
    response = client.get("/case-studies/no-such-thing/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_healthz_reports_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["search"].startswith(("on:", "off"))


def bulk_corpus(n, *, silos, councils, framework):
    """n published case studies like build_corpus's, older than its, inserted in bulk.

    Row by row through the importer a thousand take minutes; these go in with
    bulk inserts and then through the services a bulk loader uses: the search
    index for the new ids, and the summary recount.
    """
    from practices.models import Adoption, FrameworkLink

    created = case_studies_in_bulk(
        n,
        silos=silos,
        councils=councils,
        title="Route planning for service vehicles {i}",
        summary="Crews plan rounds from one shared map.",
        tags=["vehicle tracking"],
        varied_tags=[f"tag {k}" for k in range(7)],
        days_ago=20_000,
    )
    FrameworkLink.objects.bulk_create([FrameworkLink(case_study=cs, framework=framework) for cs in created])
    Adoption.objects.bulk_create(
        [
            Adoption(case_study=cs, council=councils[(i + 2) % len(councils)], silo=silos[(i + 2) % len(silos)])
            for i, cs in enumerate(created)
        ]
    )
    # Links feed the framework facet and the summaries: index and recount once they exist.
    search_index_update(case_study_ids=[cs.pk for cs in created])
    discovery_stats_refresh()
    return created


def test_query_counts_hold_with_a_thousand_case_studies(client, corpus):
    small = build_corpus(5, **corpus)
    assert_pages_show(client, corpus, small, total=5)
    few = query_counts(client, pages(corpus, small[-1]))
    everything = small + bulk_corpus(1000, **corpus)
    assert_pages_show(client, corpus, everything, total=1005)
    many = query_counts(client, pages(corpus, small[-1]))
    print("queries per page with 1,005 case studies:", many)
    assert many == few
    assert max(many.values()) <= MAX_QUERIES, many


def test_visitors_get_cached_pages_and_members_fresh_ones(client, corpus, colleague, django_assert_num_queries):
    case_study = build_corpus(1, **corpus)[0]
    caches["pages"].clear()
    client.get(case_study.get_absolute_url())
    with django_assert_num_queries(0):
        response = client.get(case_study.get_absolute_url())
    assert case_study.title in response.content.decode()
    assert response["Cache-Control"] == "no-cache", "browsers must not keep the visitors' copy"
    client.force_login(colleague)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(case_study.get_absolute_url())
    assert len(ctx.captured_queries) > 0, "signed-in members are never served the visitors' copy"
    assert "Sign in as a member" not in response.content.decode()
