"""The open data API: what each endpoint shows, to whom, in how many queries, with caching, CORS and limits."""

import pytest
from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from api.services import api_token_create
from practices.factories import AdoptionFactory, CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory
from practices.models import CaseStudy
from practices.services.search_index import search_index_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(council, other_council, silo):
    framework = FrameworkFactory(title="Vehicle tracking", slug="vehicle-tracking")
    published = []
    for n in range(6):
        case_study = CaseStudyFactory(
            title=f"Bin lorry tracking {n}",
            slug=f"bin-lorry-tracking-{n}",
            lead_council=council if n % 2 else other_council,
            primary_silo=silo,
            contact_email=f"fleet{n}@bristol.gov.uk",
            contact_name=f"Fleet officer {n}",
        )
        case_study.tags.add("vehicle tracking", "gps")
        FrameworkLinkFactory(case_study=case_study, framework=framework, customisation="Added crew tablets")
        published.append(case_study)
    draft = CaseStudyFactory(
        title="Secret draft of school bus tracking",
        slug="secret-draft",
        lead_council=council,
        primary_silo=silo,
        status=CaseStudy.Status.DRAFT,
        published_at=None,
    )
    AdoptionFactory(council=other_council, case_study=published[1], silo=silo)
    AdoptionFactory(council=other_council, case_study=None, framework=framework, silo=silo)
    search_index_update(case_study_ids=[cs.pk for cs in [*published, draft]], framework_ids=[framework.pk])
    return {"published": published, "draft": draft, "framework": framework}


def _token_client(user) -> Client:
    _, raw = api_token_create(user=user, name="Reporting")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


# (list, items in the fixture, queries per page: the page, then one per relation it shows)
LISTS = [
    ("/api/v1/case-studies/", 6, 6),
    ("/api/v1/frameworks/", 1, 3),
    ("/api/v1/councils/", 2, 1),
    ("/api/v1/silos/", 1, 1),
    ("/api/v1/tags/", 2, 1),
    ("/api/v1/adoptions/", 2, 1),
]


@pytest.mark.parametrize("url,count,queries", LISTS)
def test_lists_show_published_items_in_a_fixed_number_of_queries(
    client, content, url, count, queries, django_assert_num_queries, settings
):
    # Rate-limit counts go to the shared cache: Redis in production, a database table in
    # development. Counted here are the page's own queries, so the counts live in memory.
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == count
    # Twice as much content must not cost more queries.
    for n in range(6, 12):
        cs = CaseStudyFactory(slug=f"more-{n}", primary_silo=content["published"][0].primary_silo)
        cs.tags.add(f"tag {n}")
        FrameworkLinkFactory(case_study=cs, framework=content["framework"])
        AdoptionFactory(case_study=cs, silo=cs.primary_silo)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200 and response.json()["results"]


def test_case_study_shows_its_content_but_never_contacts(client, content):
    data = client.get("/api/v1/case-studies/bin-lorry-tracking-1/").json()
    assert data["title"] == "Bin lorry tracking 1"
    assert data["lead_council"]["gss_code"] == "E06000023"
    assert data["frameworks"][0] == {
        "framework": "vehicle-tracking",
        "title": "Vehicle tracking",
        "customisation": "Added crew tablets",
        "citizen_group": None,
        "effort": "",
    }
    assert data["licence"]["name"] == "Open Government Licence v3.0"
    assert "contact_email" not in data and "@bristol.gov.uk" not in str(data) and "Fleet officer" not in str(data)


def test_filters_match_the_site_facets(client, content):
    by_council = client.get("/api/v1/case-studies/?council=E06000023").json()["results"]
    assert {cs["slug"] for cs in by_council} == {"bin-lorry-tracking-1", "bin-lorry-tracking-3", "bin-lorry-tracking-5"}
    assert len(client.get("/api/v1/case-studies/?tag=gps&framework=vehicle-tracking").json()["results"]) == 6
    assert client.get("/api/v1/case-studies/?tag=no-such-tag").json()["results"] == []
    assert client.get("/api/v1/case-studies/?region=south-west&region=west-midlands&year=2019").json()["results"]


@pytest.mark.parametrize("query", ["year=1066", "year=twenty", "region=atlantis", "tag=Not%20A%20Slug", "page_size=x"])
def test_impossible_filter_values_are_a_400_with_the_reason(client, content, query):
    response = client.get(f"/api/v1/case-studies/?{query}")
    if query == "page_size=x":  # DRF ignores a page size it cannot read, and uses the default
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()


def test_cursor_pages_walk_every_item_once(client, content):
    seen, url = [], "/api/v1/case-studies/?page_size=4"
    while url:
        data = client.get(url).json()
        seen.extend(cs["slug"] for cs in data["results"])
        url = data["next"]
    assert seen == sorted(cs.slug for cs in content["published"])


def test_councils_by_slug_or_gss_code(client, content):
    assert client.get("/api/v1/councils/E06000023/").json()["slug"] == "bristol-city-council"
    assert client.get("/api/v1/councils/bristol-city-council/").json()["gss_code"] == "E06000023"
    assert client.get("/api/v1/councils/E99999999/").status_code == 404


def test_framework_lists_its_implementations(client, content):
    data = client.get("/api/v1/frameworks/vehicle-tracking/").json()
    assert len(data["implementations"]) == 6
    assert data["implementations"][0]["customisation"] == "Added crew tablets"
    assert data["implementations_api_url"].endswith("/api/v1/case-studies/?framework=vehicle-tracking")


def test_search_uses_the_site_engine_with_facets(client, content):
    data = client.get("/api/v1/search/?q=lorry&type=case-study").json()
    assert data["count"] == 6
    assert data["results"][0]["url"].startswith("http")
    assert "<mark>" in data["results"][0]["snippet_html"]
    assert {facet["key"] for facet in data["facets"]} >= {"silo", "tag"}
    assert client.get("/api/v1/search/?q=secret").json()["count"] == 0
    assert client.get("/api/v1/search/?page=0").status_code == 400


def test_unpublished_work_needs_a_token_of_an_officer_of_its_council(content, officer, outsider, colleague):
    visitor = Client()
    assert visitor.get("/api/v1/case-studies/secret-draft/").status_code == 404
    assert _token_client(outsider).get("/api/v1/case-studies/secret-draft/").status_code == 404
    assert _token_client(colleague).get("/api/v1/case-studies/secret-draft/").status_code == 404, (
        "members read published"
    )
    own = _token_client(officer)
    assert own.get("/api/v1/case-studies/secret-draft/").json()["status"] == "draft"
    assert "secret-draft" in [cs["slug"] for cs in own.get("/api/v1/case-studies/?page_size=100").json()["results"]]


def test_signed_in_browser_session_does_not_unlock_unpublished_work(content, officer):
    browser = Client()
    browser.force_login(officer)
    assert browser.get("/api/v1/case-studies/secret-draft/").status_code == 404


def test_revoked_and_wrong_tokens_are_refused(content, officer):
    token, raw = api_token_create(user=officer, name="Old script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/silos/").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    token.revoked_at = timezone.now()
    token.save()
    response = client.get("/api/v1/silos/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    assert Client(HTTP_AUTHORIZATION="Bearer nonsense").get("/api/v1/silos/").status_code == 401


def test_etag_and_last_modified_give_304(client, content):
    first = client.get("/api/v1/case-studies/")
    assert first["ETag"] and first["Last-Modified"]
    assert client.get("/api/v1/case-studies/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get("/api/v1/case-studies/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    CaseStudy.objects.filter(slug="bin-lorry-tracking-0").update(title="Renamed", updated_at=timezone.now())
    assert client.get("/api/v1/case-studies/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_cors_allows_get_from_any_site_without_credentials(client, content):
    response = client.get("/api/v1/silos/", HTTP_ORIGIN="https://data.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options(
        "/api/v1/silos/", HTTP_ORIGIN="https://data.example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")
    assert "Access-Control-Allow-Origin" not in client.get("/case-studies/", HTTP_ORIGIN="https://x.example")


def test_writes_are_refused(client, content):
    assert client.post("/api/v1/case-studies/", {}, content_type="application/json").status_code == 405
    assert client.delete("/api/v1/case-studies/bin-lorry-tracking-1/").status_code == 405


def test_rate_limits_count_anonymous_clients_and_tokens_separately(content, officer, settings):
    settings.API_RATES = {"anonymous": "3/minute", "token": "5/minute"}
    visitor = Client()
    statuses = [visitor.get("/api/v1/silos/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert visitor.get("/api/v1/silos/")["Retry-After"]
    with_token = _token_client(officer)
    assert [with_token.get("/api/v1/silos/").status_code for _ in range(6)] == [200] * 5 + [429]


def test_schema_and_docs(client, content):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert {"/api/v1/case-studies/", "/api/v1/councils/{slug}/", "/api/v1/search/"} <= set(schema["paths"])
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "GET /api/v1/case-studies/" in html and "govuk-table" in html
    assert "<script>" not in html.split("</header>")[1].replace('<script type="module"', ""), "no inline scripts"


def test_tokens_are_made_shown_once_and_revoked_on_the_account_page(officer):
    browser = Client()
    browser.force_login(officer)
    page = browser.post("/accounts/api-tokens/new/", {"name": "LGA monthly report"}, follow=True)
    html = page.content.decode()
    assert "Your new token ‘LGA monthly report’" in html
    token = ApiToken.objects.get(user=officer)
    assert token.prefix in html and "cpx_" in html
    assert "Your new token" not in browser.get("/accounts/api-tokens/").content.decode(), "shown once"
    browser.post(f"/accounts/api-tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert Client().get("/accounts/api-tokens/").status_code == 302, "visitors sign in first"


def test_nobody_can_revoke_someone_elses_token(officer, outsider):
    token, _ = api_token_create(user=officer, name="Bristol dashboard")
    browser = Client()
    browser.force_login(outsider)
    page = browser.post(f"/accounts/api-tokens/{token.pk}/revoke/", follow=True)
    assert "There is no such token on your account." in page.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
