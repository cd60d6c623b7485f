"""Atom feeds overall and per council, sitemap.xml, and schema.org JSON-LD on case study and framework pages."""

import json
import re

import pytest

from practices.factories import CaseStudyFactory, FrameworkFactory
from practices.models import CaseStudy

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(council, other_council, silo):
    ours = CaseStudyFactory(
        title="Meals on wheels rounds", slug="meals-rounds", lead_council=council, primary_silo=silo
    )
    ours.tags.add("route planning")
    theirs = CaseStudyFactory(title="School bus live map", slug="school-bus-map", lead_council=other_council)
    CaseStudyFactory(
        title="Draft about depots", slug="draft-depots", lead_council=council, status="draft", published_at=None
    )
    return ours, theirs


def test_feed_of_all_new_case_studies(client, published):
    body = client.get("/feeds/case-studies/").content.decode()
    assert "Meals on wheels rounds" in body and "School bus live map" in body
    assert "Draft about depots" not in body


def test_feed_per_council(client, published, council):
    response = client.get(f"/feeds/councils/{council.slug}/")
    body = response.content.decode()
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "Meals on wheels rounds" in body and "School bus live map" not in body
    assert client.get("/feeds/councils/no-such-council/").status_code == 404
    page = client.get(f"/councils/{council.slug}/").content.decode()
    assert f'href="/feeds/councils/{council.slug}/"' in page


def test_sitemap_lists_published_pages_with_the_site_address(client, published, settings):
    settings.SITE_URL = "https://practice.example.gov.uk"
    index = client.get("/sitemap.xml").content.decode()
    assert "<loc>https://practice.example.gov.uk/sitemap-case-studies.xml</loc>" in index
    section = client.get("/sitemap-case-studies.xml").content.decode()
    assert "https://practice.example.gov.uk/case-studies/meals-rounds/" in section
    assert "draft-depots" not in section
    assert "https://practice.example.gov.uk/councils/" in client.get("/sitemap-councils.xml").content.decode()


def _json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "the page has JSON-LD"
    return json.loads(match.group(1))


def test_case_study_page_has_an_article_published_by_its_council(client, published, council):
    data = _json_ld(client.get("/case-studies/meals-rounds/").content.decode())
    assert data["@type"] == "Article"
    assert data["headline"] == "Meals on wheels rounds"
    assert data["publisher"]["name"] == council.name
    assert data["publisher"]["identifier"]["value"] == "E06000023"
    assert data["license"].endswith("/open-government-licence/version/3/")
    assert data["keywords"] == "route planning"


def test_framework_page_has_an_article_published_by_the_council_it_came_from(client, published, council):
    FrameworkFactory(title="Route planning </script><b>", slug="route-planning", generalised_from=published[0])
    html = client.get("/frameworks/route-planning/").content.decode()
    data = _json_ld(html)
    assert data["publisher"]["name"] == council.name
    assert data["headline"] == "Route planning </script><b>"
    assert "</script><b>" not in html.split("application/ld+json")[1].split("</script>")[0], "escaped inside the script"


def test_unpublished_case_study_page_has_no_json_ld(client_for, published):
    draft = CaseStudy.objects.get(slug="draft-depots")
    html = client_for("owner").get(draft.get_absolute_url()).content.decode()
    assert "Draft about depots" in html
    assert "application/ld+json" not in html
