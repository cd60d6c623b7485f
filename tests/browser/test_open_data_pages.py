"""The open data pages people use, in a real browser: API tokens and the curators' upload, accessible and working."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from councils.factories import MemberProfileFactory
from councils.models import Council, MemberProfile
from practices.models import CaseStudy
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def _sign_in(context, live_server, role):
    user = MemberProfileFactory(council=Council.objects.order_by("slug").first(), role=role).user
    if role == MemberProfile.Role.CURATOR:
        TOTP.activate(user, generate_totp_secret())  # curator pages demand a second factor
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return user


def test_token_page_makes_a_token_and_has_no_axe_violations(page, context, live_server, axe, demo_content):
    _sign_in(context, live_server, MemberProfile.Role.OFFICER)
    page.goto("/accounts/api-tokens/")
    assert axe_violations(axe, page) == []
    page.fill("#token-name", "Monthly figures")
    page.click("text=Create token")
    assert page.locator(".app-token").inner_text().startswith("cpx_")
    assert axe_violations(axe, page) == []


def test_upload_preview_and_import_as_a_curator(page, context, live_server, axe, demo_content, tmp_path):
    _sign_in(context, live_server, MemberProfile.Role.CURATOR)
    council = Council.objects.exclude(gss_code=None).order_by("slug").first()
    sheet = tmp_path / "highways.csv"
    sheet.write_text(
        "title,slug,lead_council,primary_silo,summary\n"
        f"Pothole reports with photos,pothole-photo-reports,{council.gss_code},Transport,Residents send photos.\n"
    )
    page.goto("/curate/import/")
    assert axe_violations(axe, page) == []
    page.set_input_files("#id_file", str(sheet))
    page.click("text=Check the file")
    assert "Create" in page.locator("table").inner_text()
    assert axe_violations(axe, page) == []
    page.click("text=Import highways.csv")
    assert "1 created" in page.locator(".govuk-notification-banner").inner_text()
    assert CaseStudy.objects.get(slug="pothole-photo-reports").status == "draft"


def _sheet(tmp_path, rows: int):
    council = Council.objects.exclude(gss_code=None).order_by("slug").first()
    sheet = tmp_path / "gritting.csv"
    sheet.write_text(
        "title,slug,lead_council,primary_silo,summary\n"
        + "".join(
            f"Gritting route {n},gritting-route-{n},{council.gss_code},Transport,Sensors pick the routes.\n"
            for n in range(rows)
        )
    )
    return sheet


# Registered after the page's own submit handler, this keeps the form on the page (so it can be looked at
# while it would be on its way) and counts the submits the page let through: the page's handler refuses a
# second one by preventing it first.
_HOLD_SUBMITS = """() => {
  const form = document.querySelector('form[data-progress]')
  window.submitsSent = 0
  form.addEventListener('submit', (event) => {
    if (!event.defaultPrevented) window.submitsSent++
    event.preventDefault()
  })
}"""
_SEND_HELD_FORM = "document.querySelector('form[data-progress]').submit()"


def test_a_big_upload_says_it_is_being_checked_and_cannot_be_sent_twice(
    page, context, live_server, axe, demo_content, tmp_path
):
    _sign_in(context, live_server, MemberProfile.Role.CURATOR)
    page.goto("/curate/import/")
    status = page.locator("[data-progress-status]")
    assert status.get_attribute("aria-live") == "polite" and status.inner_text() == ""
    page.set_input_files("#id_file", str(_sheet(tmp_path, 120)))
    page.wait_for_function("document.querySelector('form[data-progress]').progressCount != null")
    page.evaluate(_HOLD_SUBMITS)
    button = page.locator("button", has_text="Check the file")
    button.click()
    assert status.inner_text() == "Checking 120 rows of gritting.csv… this should take a few seconds."
    assert button.get_attribute("aria-disabled") == "true"
    button.click(force=True)  # a second press while the first is on its way (Playwright sees it as disabled)
    assert page.evaluate("window.submitsSent") == 1
    assert axe_violations(axe, page) == []
    with page.expect_navigation():
        page.evaluate(_SEND_HELD_FORM)
    assert "Checked 120 records in gritting.csv in" in page.locator("main").inner_text()

    page.evaluate(_HOLD_SUBMITS)
    page.click("text=Import gritting.csv")
    progress = page.locator("[data-progress-status]")
    assert progress.inner_text() == "Importing 120 records from gritting.csv… this should take a few seconds."
    assert axe_violations(axe, page) == []
    with page.expect_navigation():
        page.evaluate(_SEND_HELD_FORM)
    banner = page.locator(".govuk-notification-banner")
    assert "120 created" in banner.inner_text() and "120 records checked and saved in" in banner.inner_text()
    assert CaseStudy.objects.filter(slug__startswith="gritting-route-").count() == 120


def test_the_upload_works_and_says_how_long_it_takes_without_javascript(
    no_js_page, live_server, demo_content, tmp_path
):
    _sign_in(no_js_page.context, live_server, MemberProfile.Role.CURATOR)
    no_js_page.goto("/curate/import/")
    assert "up to a minute for 10,000 rows" in no_js_page.locator("main").inner_text()
    no_js_page.set_input_files("#id_file", str(_sheet(tmp_path, 3)))
    no_js_page.click("text=Check the file")
    assert "Checked 3 records in gritting.csv in" in no_js_page.locator("main").inner_text()
    no_js_page.click("text=Import gritting.csv")
    assert "3 records checked and saved in" in no_js_page.locator(".govuk-notification-banner").inner_text()
