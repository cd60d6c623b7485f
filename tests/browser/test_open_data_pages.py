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
