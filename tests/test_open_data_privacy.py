"""Nothing unpublished, no contact and nothing about members leaks through the API, exports, feeds or sitemap.

The crawl follows every link the open data doors give out, as a visitor and as a
member (and token holder) of another council, and looks for text that must stay inside.
"""

import io
import json
import re
import zipfile
from urllib.parse import urlsplit

import pytest
from django.test import Client

from api.services import api_token_create
from councils.models import MemberProfile
from practices.factories import AdoptionFactory, CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory
from practices.models import CaseStudy, Framework
from practices.services.search_index import search_index_update

pytestmark = pytest.mark.django_db

SECRETS = [
    "Hidden draft about gritting",
    "hidden-draft-gritting",
    "Returned write-up on parking permits",
    "returned-parking-permits",
    "Unreleased framework for depot routing",
    "unreleased-depot-routing",
    "fleet.team@bristol.gov.uk",
    "Pat Fleetmanager",
    "Head of secret projects",
    "officer.private@bristol.gov.uk",
]


@pytest.fixture
def portal(council, other_council, silo, officer):
    MemberProfile.objects.filter(user=officer).update(job_title="Head of secret projects")
    officer.email = "officer.private@bristol.gov.uk"
    officer.first_name = "Pat"
    officer.save()
    framework = FrameworkFactory(title="Vehicle tracking", slug="vehicle-tracking")
    hidden_framework = FrameworkFactory(
        title="Unreleased framework for depot routing", slug="unreleased-depot-routing", status=Framework.Status.DRAFT
    )
    published = []
    for n in range(3):
        cs = CaseStudyFactory(
            title=f"Gritter tracking {n}",
            slug=f"gritter-tracking-{n}",
            lead_council=council,
            primary_silo=silo,
            contact_name="Pat Fleetmanager",
            contact_email="fleet.team@bristol.gov.uk",
            created_by=officer,
        )
        cs.tags.add("gritting", "vehicle tracking")
        FrameworkLinkFactory(case_study=cs, framework=framework)
        FrameworkLinkFactory(case_study=cs, framework=hidden_framework)
        published.append(cs)
    draft = CaseStudyFactory(
        title="Hidden draft about gritting",
        slug="hidden-draft-gritting",
        lead_council=council,
        primary_silo=silo,
        status=CaseStudy.Status.DRAFT,
        published_at=None,
    )
    draft.tags.add("gritting")
    returned = CaseStudyFactory(
        title="Returned write-up on parking permits",
        slug="returned-parking-permits",
        lead_council=council,
        primary_silo=silo,
        status=CaseStudy.Status.RETURNED,
        published_at=None,
    )
    AdoptionFactory(council=other_council, case_study=draft, silo=silo, confirmed_by=officer)
    AdoptionFactory(council=other_council, case_study=published[0], silo=silo, confirmed_by=officer)
    AdoptionFactory(council=other_council, case_study=None, framework=hidden_framework, silo=silo)
    search_index_update(
        case_study_ids=[cs.pk for cs in [*published, draft, returned]],
        framework_ids=[framework.pk, hidden_framework.pk],
    )
    return {"council": council, "other_council": other_council, "silo": silo}


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
            return " ".join(workbook.read(name).decode() for name in workbook.namelist() if name.endswith(".xml"))
    return response.content.decode()


def _crawl(client: Client, start: list[str]) -> dict[str, str]:
    """Fetch every URL and every same-site API, feed, sitemap or download URL they mention."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue:
        url = queue.pop()
        if url in seen or len(seen) > 400:
            continue
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        text = _text(response) if response.status_code == 200 else ""
        seen[url] = text
        for found in re.findall(r"https?://[^\s\"'<>]+|/(?:api/v1|feeds|sitemap)[^\s\"'<>]*", text):
            parts = urlsplit(found.replace("&amp;", "&"))
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if re.match(r"^/(api/v1/(?!docs|schema)|feeds/|sitemap)", path):
                queue.append(path)
    return seen


def _doors(portal) -> list[str]:
    council, silo = portal["council"], portal["silo"]
    return [
        "/api/v1/",
        "/api/v1/case-studies/?page_size=2",
        "/api/v1/frameworks/unreleased-depot-routing/",
        "/api/v1/case-studies/hidden-draft-gritting/",
        "/api/v1/search/?q=gritting",
        "/api/v1/search/?q=parking",
        "/api/v1/search/?q=depot routing&type=framework",
        "/api/v1/tags/",
        "/api/v1/adoptions/",
        "/case-studies/download.csv",
        "/case-studies/download.json",
        "/case-studies/download.xlsx",
        "/search/download.csv?q=gritting",
        "/search/download.json?q=parking",
        "/search/download.xlsx?q=gritting",
        "/feeds/case-studies/",
        f"/feeds/councils/{council.slug}/",
        f"/feeds/silos/{silo.slug}/",
        "/feeds/tags/gritting/",
        "/feeds/frameworks/vehicle-tracking/",
        "/feeds/frameworks/unreleased-depot-routing/",
        "/sitemap.xml",
    ]


@pytest.mark.parametrize("who", ["visitor", "other council member", "other council token"])
def test_crawl_finds_nothing_that_must_stay_inside(portal, outsider, who):
    if who == "visitor":
        client = Client()
    elif who == "other council member":
        client = Client()
        client.force_login(outsider)
    else:
        _, raw = api_token_create(user=outsider, name="Crawler")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    pages = _crawl(client, _doors(portal))
    everything = "\n".join(pages.values())
    # The crawl really reached the published content through every door.
    assert len(pages) > 25
    assert "gritter-tracking-2" in pages["/case-studies/download.csv"]
    assert "Gritter tracking 0" in pages["/feeds/case-studies/"]
    assert any("/sitemap-case-studies.xml" in url for url in pages)
    assert json.loads(pages["/api/v1/search/?q=gritting"])["count"] == 3
    for secret in SECRETS:
        assert secret not in everything, f"{secret!r} leaked"


def test_a_token_of_the_lead_council_does_see_its_drafts_but_still_no_contacts(portal, officer):
    _, raw = api_token_create(user=officer, name="Own drafts")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    pages = _crawl(client, ["/api/v1/case-studies/?page_size=100"])
    everything = "\n".join(pages.values())
    assert "hidden-draft-gritting" in everything and "returned-parking-permits" in everything
    assert "fleet.team@bristol.gov.uk" not in everything and "Pat Fleetmanager" not in everything
