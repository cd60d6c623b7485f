"""In a real browser: a new officer signs up (confirming their address from the test mailbox),
writes up and submits a case study, and a curator signs in with two-factor authentication and publishes it."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail

from councils.factories import CouncilFactory, MemberProfileFactory, ServiceSiloFactory
from councils.models import MemberProfile
from practices.factories import FrameworkFactory
from practices.models import CaseStudy
from tests.browser.conftest import axe_violations

PASSWORD = "a long and memorable passphrase 9"


@pytest.fixture
def portal(transactional_db, settings):
    # A code made just before a 30-second boundary must still count when checked just after it.
    settings.MFA_TOTP_TOLERANCE = 1
    bristol = CouncilFactory(name="Bristol City Council", slug="bristol-city-council", email_domains=["bristol.gov.uk"])
    CouncilFactory(name="Leeds City Council", slug="leeds-city-council", email_domains=["leeds.gov.uk"])
    ServiceSiloFactory(name="Transport", slug="transport")
    framework = FrameworkFactory(title="Vehicle tracking", slug="vehicle-tracking")
    framework.tags.add("vehicle tracking")
    curator = MemberProfileFactory(
        council=None, role=MemberProfile.Role.CURATOR, user__email="curator@example.com", user__password=PASSWORD
    ).user
    EmailAddress.objects.create(user=curator, email=curator.email, verified=True, primary=True)
    secret = generate_totp_secret()
    TOTP.activate(curator, secret)
    return {"bristol": bristol, "curator": curator, "secret": secret}


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def no_axe_violations(axe, page, name):
    violations = axe_violations(axe, page)
    assert violations == [], f"{name}: {violations}"


@pytest.mark.browser
def test_new_officer_signs_up_submits_and_a_curator_publishes(page, portal, axe):
    # Sign up with a council address; a disposable one is refused first, keeping what was typed.
    page.goto("/")
    page.get_by_role("link", name="Create an account").click()
    no_axe_violations(axe, page, "sign-up")
    page.get_by_label("Full name").fill("Priya Shah")
    page.get_by_label("Work email address").fill("priya@mailinator.com")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert (
        "Addresses from disposable email services cannot be used" in page.locator(".govuk-error-summary").inner_text()
    )
    assert page.get_by_label("Full name").input_value() == "Priya Shah"
    no_axe_violations(axe, page, "sign-up with errors")
    page.get_by_label("Work email address").fill("priya.shah@bristol.gov.uk")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert page.locator("h1").inner_text() == "Check your email"

    # Confirm the address with the link from the test mailbox.
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm email address").click()
    assert "is confirmed" in page.content()

    # Say they write up their council's work, then write one up.
    page.get_by_role("link", name="Your account").click()
    assert "Bristol City Council" in page.locator("main").inner_text()
    page.get_by_label("I also write up my council's work and record what it reused").check()
    page.get_by_role("button", name="Save your details").click()
    page.get_by_role("link", name="Submit").first.click()
    page.get_by_role("button", name="Start a new case study").click()
    no_axe_violations(axe, page, "case study form")
    page.get_by_label("Title").fill("Live arrival times for school buses")
    page.get_by_label("Summary").fill("Parents see where the school bus is on their phone.")
    page.get_by_label("Main service area").select_option(label="Transport")
    page.get_by_label("The problem").fill("Parents waited in the rain and phoned the depot 600 times a term.")
    page.get_by_label("What you did").fill("We fitted GPS units to 40 buses and published positions on a web page.")
    page.get_by_label("Outcomes").fill("Calls to the depot fell from 600 to 90 a term.")
    page.get_by_label("Things to avoid").fill("Buying hardware before agreeing data standards")
    page.get_by_label("Year it started").fill("2021")
    page.get_by_label("Contact email address").fill("school.transport@bristol.gov.uk")
    page.get_by_label("Tags (optional)").fill("vehicle tracking, real-time information")
    page.get_by_role("button", name="Send for review").click()
    assert "has been sent to the curators for review" in page.content()
    case_study = CaseStudy.objects.get()
    assert case_study.status == CaseStudy.Status.SUBMITTED
    assert case_study.lead_council == portal["bristol"]
    page.goto("/accounts/logout/")
    page.get_by_role("button", name="Sign out").click()

    # The curator signs in with a password and a code from their authenticator app.
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Work email address").fill("curator@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("h1").inner_text() == "Enter your security code"
    page.get_by_label("Code").fill(current_code(portal["secret"]))
    page.get_by_role("button", name="Sign in").click()

    # ...finds the submission at the top of the review queue and publishes it.
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name="Live arrival times for school buses").click()
    no_axe_violations(axe, page, "review page")
    page.get_by_role("button", name="Publish").click()
    assert "is published" in page.content()
    assert "Vehicle tracking" in page.locator(".govuk-summary-card").first.inner_text(), "a framework is suggested"
    case_study.refresh_from_db()
    assert case_study.status == CaseStudy.Status.PUBLISHED

    # Visitors can now read it.
    visitor = page.context.browser.new_page(base_url=page.url.split("/review/")[0])
    visitor.goto(case_study.get_absolute_url())
    assert visitor.locator("h1").inner_text() == "Live arrival times for school buses"
    visitor.close()


def sign_in_as(context, live_server, user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


@pytest.mark.browser
def test_account_submission_and_review_pages_have_no_axe_violations(page, context, live_server, axe, portal):
    from practices.factories import CaseStudyFactory
    from practices.services.workflow import case_study_submit

    bristol = portal["bristol"]
    officer = MemberProfileFactory(council=bristol, role=MemberProfile.Role.OFFICER).user
    published = CaseStudyFactory(lead_council=bristol, contact_email="team@bristol.gov.uk", hosts_visits=True)
    waiting = CaseStudyFactory(lead_council=bristol, status="draft", published_at=None, created_by=officer)
    case_study_submit(case_study=waiting, by=officer)
    outsider = MemberProfileFactory(council=CouncilFactory(slug="leeds-2", email_domains=["leeds2.gov.uk"])).user
    pages = {
        None: ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"],
        officer: [
            "/submit/",
            "/submit/new/",
            f"/case-studies/{published.slug}/edit/",
            f"/submit/{published.slug}/preview/",
            f"/case-studies/{published.slug}/history/",
            "/accounts/profile/",
            "/accounts/email/",
            "/accounts/password/change/",
            "/accounts/2fa/",
        ],
        outsider: [
            f"/case-studies/{published.slug}/reuse/",
            f"/case-studies/{published.slug}/contact/",
            f"/case-studies/{published.slug}/visit/",
            published.get_absolute_url(),
        ],
        portal["curator"]: ["/review/", f"/review/{waiting.slug}/", f"/review/{published.slug}/frameworks/"],
    }
    failures = {}
    for user, urls in pages.items():
        context.clear_cookies()
        if user is not None:
            sign_in_as(context, live_server, user)
        for url in urls:
            response = page.goto(url)
            assert response.status == 200, f"{url}: {response.status}"
            assert page.locator("h1").count() == 1, f"{url} has one main heading"
            violations = axe_violations(axe, page)
            if violations:
                failures[url] = violations
    # The form with every error showing, too.
    sign_in_as(context, live_server, officer)
    page.goto("/submit/new/")
    page.get_by_label("Year it started").fill("long ago")
    page.get_by_role("button", name="Save as draft").click()
    assert page.locator(".govuk-error-summary").count() == 1
    violations = axe_violations(axe, page)
    if violations:
        failures["form with errors"] = violations
    assert failures == {}
