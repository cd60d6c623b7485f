"""The case study list past its numbered pages, in a real browser: Next and Previous by cursor, accessible."""

import pytest

from councils.factories import CouncilFactory, ServiceSiloFactory
from tests.browser.conftest import axe_violations
from tests.conftest import case_studies_in_bulk

pytestmark = pytest.mark.browser


@pytest.fixture
def long_list(transactional_db):
    """Twelve pages of case studies: ten numbered, then two reached by cursor."""
    case_studies_in_bulk(
        230,
        silos=[ServiceSiloFactory(name="Transport", slug="transport")],
        councils=[CouncilFactory()],
        title="Bus stop audit {i}",
        summary="Every stop checked for step-free access.",
        tags=["bus stops"],
    )


def test_next_and_previous_past_the_numbered_pages_are_accessible(page, axe, long_list):
    page.goto("/case-studies/?page=10")
    first_on_ten = page.locator("ol.govuk-list h2").first.inner_text()
    page.click(".govuk-pagination__next a")
    assert "cursor=" in page.url and "page=" not in page.url
    assert "showing 201 to 220" in page.locator("main").inner_text()
    current = page.locator(".govuk-pagination__item--current a")
    assert current.inner_text() == "11" and current.get_attribute("aria-current") == "page"
    assert page.locator("nav.govuk-pagination").get_attribute("aria-label") == "Results pages"
    assert axe_violations(axe, page) == []
    page.click(".govuk-pagination__prev a")
    assert page.url.endswith("/case-studies/?page=10")
    assert page.locator("ol.govuk-list h2").first.inner_text() == first_on_ten


def test_the_cursor_pages_work_without_javascript(no_js_page, long_list):
    no_js_page.goto("/case-studies/?page=10")
    no_js_page.click(".govuk-pagination__next a")
    no_js_page.click(".govuk-pagination__next a")
    assert "showing 221 to 230" in no_js_page.locator("main").inner_text()
    assert no_js_page.locator(".govuk-pagination__next").count() == 0, "the last page has no Next"
