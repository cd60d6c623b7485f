"""Discovery pages in a real browser: /insights/ and the curator tools pass axe (WCAG 2.2 A/AA) and work without JavaScript."""

import pytest

from practices.models import CaseStudy
from practices.services.discovery_stats import discovery_stats_refresh
from tests.browser.conftest import axe_violations, sign_in_curator


@pytest.fixture
def demo_with_stats(demo_content):
    discovery_stats_refresh()


def test_insights_page_has_no_axe_violations_and_a_text_alternative(page, axe, demo_with_stats):
    response = page.goto("/insights/")

    assert response.status == 200
    assert axe_violations(axe, page) == []
    svg = page.locator("svg[role=img]").first
    labelled_by = svg.get_attribute("aria-labelledby").split()
    assert page.locator(f"#{labelled_by[0]}").text_content() == "Service silos as islands joined by bridges"
    assert "silos and" in page.locator(f"#{labelled_by[1]}").text_content()
    assert page.locator("table.govuk-table").count() >= 3


def test_insights_works_without_javascript(no_js_page, demo_with_stats):
    no_js_page.goto("/insights/")

    assert no_js_page.locator("svg[role=img]").count() == 4
    assert no_js_page.get_by_text("Islands and bridges as a table").is_visible()


def test_curator_pages_and_case_study_panels_have_no_axe_violations(page, context, live_server, axe, demo_with_stats):
    sign_in_curator(context, live_server)
    unlinked = CaseStudy.objects.filter(status="published", framework_links=None).order_by("slug").first()
    tag = unlinked.tags.order_by("slug").first()
    failures = {}
    for url in [
        unlinked.get_absolute_url(),
        "/curate/",
        "/curate/unlinked/",
        f"/curate/case-studies/{unlinked.slug}/",
        f"/curate/case-studies/{unlinked.slug}/generalise/",
        "/curate/tags/",
        f"/curate/tags/{tag.slug}/",
        "/curate/freshness/",
        "/curate/audit/",
        "/follows/",
    ]:
        response = page.goto(url)
        assert response.status == 200, url
        violations = axe_violations(axe, page)
        if violations:
            failures[url] = violations
    assert failures == {}


def test_generalise_form_errors_pass_axe(page, context, live_server, axe, demo_with_stats):
    sign_in_curator(context, live_server)
    unlinked = CaseStudy.objects.filter(status="published", framework_links=None).order_by("slug").first()
    page.goto(f"/curate/case-studies/{unlinked.slug}/generalise/")
    page.fill("#id_title", "")
    page.get_by_role("button", name="Create framework").click()

    assert page.locator(".govuk-error-summary").is_visible()
    assert axe_violations(axe, page) == []
