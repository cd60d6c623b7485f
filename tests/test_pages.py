"""Every browse page renders, shows what it should, and uses a constant number of queries."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from councils.factories import CouncilFactory, ServiceSiloFactory
from practices.factories import AdoptionFactory, CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory
from practices.models import CaseStudy

pytestmark = pytest.mark.django_db


def build_corpus(n, *, silos, councils, framework):
    """n published case studies spread over silos and councils, tagged, linked and reused."""
    items = []
    for i in range(n):
        case_study = CaseStudyFactory(
            primary_silo=silos[i % len(silos)],
            lead_council=councils[i % len(councils)],
            tags=["vehicle tracking", f"tag {i % 7}"],
        )
        case_study.other_silos.add(silos[(i + 1) % len(silos)])
        case_study.partner_councils.add(councils[(i + 1) % len(councils)])
        FrameworkLinkFactory(case_study=case_study, framework=framework)
        AdoptionFactory(
            case_study=case_study, council=councils[(i + 2) % len(councils)], silo=silos[(i + 2) % len(silos)]
        )
        items.append(case_study)
    return items


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
        "council list": reverse("councils:council_list"),
        "council": corpus["councils"][0].get_absolute_url(),
        "silo list": reverse("councils:silo_list"),
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


def test_query_counts_do_not_grow_with_data(client, corpus):
    small = build_corpus(25, **corpus)
    few = query_counts(client, pages(corpus, small[0]))
    build_corpus(40, **corpus)
    many = query_counts(client, pages(corpus, small[0]))
    assert many == few, "a page's query count grew with the data"
    assert max(many.values()) <= MAX_QUERIES, many


def test_home_shows_counts_and_latest(client, corpus):
    items = build_corpus(3, **corpus)
    response = client.get("/")
    assert response.context["summary"]["case_study_count"] == 3
    assert items[-1].title in response.content.decode()


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
    """n published case studies inserted in bulk, tagged, linked and reused like the factory corpus."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from taggit.models import Tag, TaggedItem

    from practices.models import Adoption, FrameworkLink

    now = timezone.now()
    created = CaseStudy.objects.bulk_create(
        [
            CaseStudy(
                title=f"Route planning for service vehicles {i}",
                slug=f"bulk-route-planning-{i}",
                lead_council=councils[i % len(councils)],
                primary_silo=silos[i % len(silos)],
                summary="Crews plan rounds from one shared map.",
                things_to_avoid=["Planning rounds without the crews"],
                status=CaseStudy.Status.PUBLISHED,
                published_at=now - timezone.timedelta(minutes=i + 1),
            )
            for i in range(n)
        ],
        batch_size=500,
    )
    content_type = ContentType.objects.get_for_model(CaseStudy)
    tags = [Tag.objects.get_or_create(name=f"tag {k}", defaults={"slug": f"tag-{k}"})[0] for k in range(7)]
    tracking = Tag.objects.get_or_create(name="vehicle tracking", defaults={"slug": "vehicle-tracking"})[0]
    TaggedItem.objects.bulk_create(
        [
            TaggedItem(tag=tag, content_type=content_type, object_id=cs.pk)
            for i, cs in enumerate(created)
            for tag in (tracking, tags[i % 7])
        ],
        batch_size=1000,
    )
    FrameworkLink.objects.bulk_create([FrameworkLink(case_study=cs, framework=framework) for cs in created])
    Adoption.objects.bulk_create(
        [
            Adoption(case_study=cs, council=councils[(i + 2) % len(councils)], silo=silos[(i + 2) % len(silos)])
            for i, cs in enumerate(created)
        ]
    )
    return created


def test_query_counts_hold_with_a_thousand_case_studies(client, corpus):
    small = build_corpus(5, **corpus)
    few = query_counts(client, pages(corpus, small[0]))
    bulk_corpus(1000, **corpus)
    assert CaseStudy.objects.filter(status="published").count() == 1005
    many = query_counts(client, pages(corpus, small[0]))
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
