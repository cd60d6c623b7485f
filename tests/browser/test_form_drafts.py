"""In a real browser: the case study form keeps what was typed until the server confirms it was saved."""

import pytest
from django.test import Client

from councils.factories import CouncilFactory, MemberProfileFactory, ServiceSiloFactory
from councils.models import MemberProfile
from practices.models import CaseStudy
from tests.browser.conftest import axe_violations

OUTAGE_PAGE = "<h1>Sorry, the service is unavailable</h1><p>What you just sent has not been saved.</p>"


@pytest.fixture
def officer_browser(context, live_server, transactional_db):
    council = CouncilFactory(name="Bristol City Council", slug="bristol-city-council")
    ServiceSiloFactory(name="Waste and recycling", slug="waste")
    user = MemberProfileFactory(council=council, role=MemberProfile.Role.OFFICER).user
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return user


def kept_copy(page, key="case-study-new"):
    return page.evaluate(f"window.localStorage.getItem('portal-draft:{key}')")


@pytest.mark.browser
def test_answers_survive_a_failed_save_and_are_dropped_once_saved(page, officer_browser, axe):
    page.goto("/submit/new/")
    page.get_by_label("Title").fill("Tracking bin lorries on collection rounds")
    page.get_by_label("Summary").fill("Crews and the contact centre see each lorry's round as it happens.")
    page.get_by_label("Service area").select_option(label="Waste and recycling")

    # The save fails the way it does while the database is down: the server answers 503.
    def outage(route):
        if route.request.method == "POST":
            route.fulfill(status=503, content_type="text/html", body=OUTAGE_PAGE)
        else:
            route.continue_()

    page.route("**/submit/new/", outage)
    page.get_by_role("button", name="Save as draft").click()
    assert "has not been saved" in page.content()
    assert CaseStudy.objects.count() == 0
    assert "Tracking bin lorries" in kept_copy(page)

    # Back on the form, the browser offers the answers back; nothing is filled in until asked.
    page.unroute("**/submit/new/")
    page.goto("/submit/new/")
    banner = page.locator("[data-kept-draft]")
    assert "not confirmed as saved" in banner.inner_text()
    assert page.get_by_label("Title").input_value() == ""
    assert axe_violations(axe, page) == []
    page.get_by_role("button", name="Put my answers back").click()
    assert page.get_by_label("Title").input_value() == "Tracking bin lorries on collection rounds"
    assert banner.count() == 0

    # This time the server saves it, says so, and the browser's copy is dropped.
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url("**/edit/")
    assert CaseStudy.objects.get().title == "Tracking bin lorries on collection rounds"
    assert kept_copy(page) is None
    page.goto("/submit/new/")
    assert page.locator("[data-kept-draft]").count() == 0


@pytest.mark.browser
def test_discarding_the_kept_answers_forgets_them(page, officer_browser):
    page.goto("/submit/new/")
    page.get_by_label("Title").fill("Shared booking for community halls")
    page.goto("/submit/new/")
    page.get_by_role("button", name="Discard them").click()
    assert page.locator("[data-kept-draft]").count() == 0
    page.goto("/submit/new/")
    assert page.locator("[data-kept-draft]").count() == 0
    assert page.get_by_label("Title").input_value() == ""


@pytest.mark.browser
def test_the_outage_page_is_accessible_and_says_what_happened(page, officer_browser, axe, monkeypatch):
    from django.db import OperationalError
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refused(self, *args, **kwargs):
        raise OperationalError("connection refused")

    page.goto("/submit/new/")
    page.get_by_label("Title").fill("Gritter routes on the council website")
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refused)
    with page.expect_response("**/submit/new/") as answer:
        page.get_by_role("button", name="Save as draft").click()
    assert answer.value.status == 503
    assert page.locator("h1").inner_text() == "Sorry, the service is unavailable"
    assert "What you just sent has not been saved." in page.content()
    assert axe_violations(axe, page) == []
    monkeypatch.undo()
    assert "Gritter routes" in kept_copy(page)


@pytest.mark.browser
def test_answers_put_back_after_someone_else_saved_meet_the_conflict_check(page, officer_browser):
    from practices.factories import CaseStudyFactory
    from practices.services.editing import case_study_update
    from tests.test_editing import form_data

    case_study = CaseStudyFactory(lead_council=officer_browser.profile.council, status="draft", published_at=None)
    edit = f"/case-studies/{case_study.slug}/edit/"
    page.goto(edit)
    page.get_by_label("Summary").fill("Typed before the outage, never saved.")
    page.route(
        f"**{edit}",
        lambda route: (
            route.fulfill(status=503, body=OUTAGE_PAGE) if route.request.method == "POST" else route.continue_()
        ),
    )
    page.get_by_role("button", name="Save as draft").click()
    page.unroute(f"**{edit}")

    # Meanwhile a colleague saves a newer version.
    from practices.forms.submission import CaseStudyForm

    form = CaseStudyForm(form_data(case_study, outcomes="A colleague's newer figures."), instance=case_study)
    assert form.is_valid(), form.errors
    case_study_update(
        case_study=case_study, by=officer_browser, content=form.content(), expected_version=case_study.version
    )

    page.goto(edit)
    page.get_by_role("button", name="Put my answers back").click()
    with page.expect_response(f"**{edit}") as answer:
        page.get_by_role("button", name="Save as draft").click()
    assert answer.value.status == 409, "the kept answers were typed against the older version"
    assert "Compare the two versions" in page.content()
    case_study.refresh_from_db()
    assert case_study.outcomes == "A colleague's newer figures."
