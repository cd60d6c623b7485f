"""Every browse page type in a real browser: accessible (axe, WCAG 2.2 A/AA), light, usable without JavaScript."""

import pytest
from django.test import Client

from councils.factories import MemberProfileFactory
from councils.models import Council, ServiceSilo
from practices.models import CaseStudy, Framework
from tests.browser.conftest import axe_violations

MAX_PAGE_BYTES = 250_000
MAX_JS_BYTES = 50_000


def page_types() -> dict[str, str]:
    """One URL of each page type, chosen from the demo content."""
    case_study = CaseStudy.objects.filter(status="published").exclude(framework_links=None).order_by("slug").first()
    framework = Framework.objects.filter(status="published").order_by("slug").first()
    council = Council.objects.filter(case_studies__status="published").order_by("slug").first()
    silo = ServiceSilo.objects.filter(case_studies__status="published").order_by("slug").first()
    tag = case_study.tags.order_by("slug").first()
    return {
        "home": "/",
        "case study list": "/case-studies/",
        "case study": case_study.get_absolute_url(),
        "framework list": "/frameworks/",
        "framework": framework.get_absolute_url(),
        "council list": "/councils/",
        "council": council.get_absolute_url(),
        "silo list": "/silos/",
        "silo": silo.get_absolute_url(),
        "tag": f"/tags/{tag.slug}/",
        "accessibility statement": "/accessibility/",
        "API reference": "/api/v1/docs/",
        "not found": "/case-studies/no-such-case-study/",
    }


def sign_in(context, live_server):
    """Give the browser the session cookie of a signed-in council member."""
    user = MemberProfileFactory(council=Council.objects.order_by("slug").first()).user
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    return user


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_every_page_type_has_no_axe_violations(page, context, live_server, axe, demo_content, signed_in):
    if signed_in:
        sign_in(context, live_server)
    failures = {}
    for name, url in page_types().items():
        response = page.goto(url)
        assert response.status == (404 if name == "not found" else 200), f"{name}: {response.status}"
        assert page.locator("h1").count() == 1, f"{name} has one main heading"
        violations = axe_violations(axe, page)
        if violations:
            failures[name] = violations
    assert failures == {}


def test_pages_are_light(page, live_server, demo_content, page_weight):
    heaviest = {}
    for name, url in page_types().items():
        fresh = page.context.new_page()
        weight = page_weight(fresh)
        fresh.goto(url, wait_until="networkidle")
        heaviest[name] = (weight.total, weight.javascript)
        fresh.close()
    for name, (total, javascript) in heaviest.items():
        assert total <= MAX_PAGE_BYTES, f"{name} weighs {total} bytes compressed"
        assert javascript <= MAX_JS_BYTES, f"{name} ships {javascript} bytes of JavaScript"


def test_main_journey_crosses_silos(page, demo_content):
    """Home → case studies → a case study → its framework → the same practice in another silo."""
    page.goto("/")
    page.get_by_role("link", name="All case studies").click()
    assert page.locator("h1").inner_text() == "Case studies"
    case_study = CaseStudy.objects.filter(status="published").exclude(framework_links=None).order_by("slug").first()
    link = case_study.framework_links.select_related("framework").first()
    page.goto(case_study.get_absolute_url())
    page.get_by_role("link", name=link.framework.title).first.click()
    assert page.locator("h1").inner_text() == link.framework.title
    elsewhere = (
        link.framework.case_studies.filter(status="published")
        .exclude(primary_silo=case_study.primary_silo)
        .order_by("slug")
        .first()
    )
    assert elsewhere is not None, "the demo framework has an implementation in another silo"
    page.get_by_role("link", name=elsewhere.title).first.click()
    assert page.locator("h1").inner_text() == elsewhere.title
    assert elsewhere.primary_silo.name in page.locator(".govuk-caption-l").inner_text()


def test_pages_work_without_javascript(no_js_page, demo_content):
    for name, url in page_types().items():
        response = no_js_page.goto(url)
        assert response.status in (200, 404), name
        assert no_js_page.locator("main h1").is_visible(), f"{name} shows its heading without JavaScript"
    no_js_page.goto("/case-studies/")
    no_js_page.get_by_role("link", name="Next page").click()
    assert "page=2" in no_js_page.url
    assert no_js_page.locator("main h1").is_visible()


def test_navigation_marks_the_current_section(page, demo_content):
    page.goto("/frameworks/")
    current = page.locator(".govuk-service-navigation__item--active")
    assert current.inner_text().strip() == "Frameworks"
