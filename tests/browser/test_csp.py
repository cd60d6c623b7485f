"""The strict Content-Security-Policy leaves GOV.UK Frontend working: its scripts run, nothing is blocked."""

import pytest

from practices.factories import CaseStudyFactory


@pytest.fixture
def published(transactional_db):
    return CaseStudyFactory(tags=["vehicle tracking"])


def test_govuk_frontend_runs_under_the_policy_and_nothing_is_blocked(page, published):
    blocked = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    for url in ["/", f"/case-studies/{published.slug}/", "/search/?q=tracking", "/accounts/login/"]:
        response = page.goto(url)
        assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
        classes = page.evaluate("document.body.className")
        assert "govuk-frontend-supported" in classes, f"{url}: base.html's inline script was blocked"
        # GOV.UK Frontend's module ran: the skip link and service navigation are initialised.
        assert page.locator("[data-module=govuk-skip-link][data-govuk-skip-link-init]").count() == 1, url
    assert blocked == []
