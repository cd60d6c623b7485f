"""Accounts: sign-up only on a known council's domain, email verification joins the council,
sign-in by email, password reset, roles, and two-factor authentication (required for curators)."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from councils.factories import CouncilFactory, MemberProfileFactory, ServiceSiloFactory
from councils.models import MemberProfile
from councils.services import council_for_email
from practices.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_accounts_seed

pytestmark = pytest.mark.django_db
User = get_user_model()
SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture(autouse=True)
def clock_drift(settings):
    # A code made just before a 30-second boundary must still count when checked just after it.
    settings.MFA_TOTP_TOLERANCE = 1


def signup(client, **overrides):
    data = {
        "full_name": "Priya Shah",
        "email": "priya.shah@bristol-city-council.gov.uk",
        "password1": "long enough passphrase 42",
        "job_title": "Fleet manager",
        "silo": "",
    }
    data.update(overrides)
    return client.post(SIGNUP, data)


def confirmation_link(message) -> str:
    return re.search(r"https?://testserver(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


class TestSignUp:
    def test_council_address_gets_a_confirmation_email_and_no_council_until_confirmed(self, client, council):
        response = signup(client)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/confirm-email/"
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["priya.shah@bristol-city-council.gov.uk"]
        assert mail.outbox[0].subject == "[Council Practice Exchange] Confirm your email address"
        user = User.objects.get(email="priya.shah@bristol-city-council.gov.uk")
        assert user.first_name == "Priya Shah"
        assert user.profile.council is None, "membership waits for a confirmed address"
        assert user.profile.role == MemberProfile.Role.MEMBER
        assert "_auth_user_id" not in client.session, "unconfirmed accounts are not signed in"

    def test_confirming_the_address_joins_the_council_and_signs_in(self, client, council):
        signup(client)
        link = confirmation_link(mail.outbox[0])
        page = client.get(link)
        assert page.status_code == 200
        assert (
            "Confirm that <strong>priya.shah@bristol-city-council.gov.uk</strong> is your email address"
            in page.content.decode()
        )
        response = client.post(link)
        assert response.status_code == 302
        user = User.objects.get(email="priya.shah@bristol-city-council.gov.uk")
        assert user.profile.council == council
        assert EmailAddress.objects.get(user=user).verified
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_confirm_link_is_post_only_in_effect(self, client, council):
        signup(client)
        client.get(confirmation_link(mail.outbox[0]))
        assert not EmailAddress.objects.get(email="priya.shah@bristol-city-council.gov.uk").verified

    def test_subdomain_of_a_council_domain_counts(self, client, council):
        signup(client, email="ann@schools.bristol-city-council.gov.uk")
        signup_message = mail.outbox[0]
        client.post(confirmation_link(signup_message))
        assert User.objects.get(email="ann@schools.bristol-city-council.gov.uk").profile.council == council

    @pytest.mark.parametrize(
        ("email", "message"),
        [
            ("someone@gmail.com", "No council on the portal uses addresses ending ‘@gmail.com’"),
            ("someone@mailinator.com", "Addresses from disposable email services cannot be used"),
            ("someone@x.yopmail.com", "Addresses from disposable email services cannot be used"),
            ("not an address", "Enter an email address in the correct format"),
            ("", "Enter your work email address"),
        ],
    )
    def test_bad_addresses_are_refused_beside_the_field_keeping_what_was_typed(self, client, council, email, message):
        silo = ServiceSiloFactory(name="Transport", slug="transport")
        response = signup(client, email=email, silo=str(silo.pk))
        html = response.content.decode()
        assert response.status_code == 200
        assert '<h2 class="govuk-error-summary__title">There is a problem</h2>' in html
        assert message in html
        assert 'href="#id_email"' in html, "the error summary links to the field"
        assert 'id="id_email-error"' in html, "the message is also beside the field"
        assert 'value="Priya Shah"' in html and 'value="Fleet manager"' in html
        assert f'value="{silo.pk}" selected' in html
        assert html.count("<title>Error: ") == 1
        assert not User.objects.exists()
        assert mail.outbox == []

    def test_missing_name_and_password_are_named(self, client, council):
        html = signup(client, full_name="", password1="").content.decode()
        assert "Enter your full name" in html
        assert "Create a password" in html

    def test_weak_password_is_refused(self, client, council):
        html = signup(client, password1="password").content.decode()
        assert "This password is too common" in html
        assert not User.objects.exists()

    def test_domain_lookup_prefers_the_most_specific_council(self, db):
        CouncilFactory(slug="county", email_domains=["shire.gov.uk"])
        district = CouncilFactory(slug="district", email_domains=["north.shire.gov.uk"])
        assert council_for_email("a@north.shire.gov.uk") == district
        assert council_for_email("a@gov.uk") is None

    def test_signup_page_is_govuk_and_has_csrf(self, client, council):
        html = client.get(SIGNUP).content.decode()
        assert 'name="csrfmiddlewaretoken"' in html
        assert 'class="govuk-input"' in html
        assert 'autocomplete="email"' in html


@pytest.fixture
def verified_member(council):
    profile = MemberProfileFactory(council=council, user__email="sam@bristol-city-council.gov.uk")
    EmailAddress.objects.create(user=profile.user, email=profile.user.email, verified=True, primary=True)
    return profile.user


class TestSignIn:
    def test_sign_in_with_email_and_password(self, client, verified_member):
        response = client.post(
            LOGIN, {"login": "SAM@bristol-city-council.gov.uk", "password": "correct horse battery staple"}
        )
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(verified_member.pk)
        assert "Your account" in client.get("/").content.decode()

    def test_wrong_password_is_refused_with_a_message_and_keeps_the_email(self, client, verified_member):
        response = client.post(LOGIN, {"login": "sam@bristol-city-council.gov.uk", "password": "nope"})
        html = response.content.decode()
        assert "There is a problem" in html
        assert "The email address and/or password you specified are not correct." in html
        assert 'value="sam@bristol-city-council.gov.uk"' in html

    def test_unverified_address_cannot_sign_in_and_is_sent_a_link(self, client, council):
        user = MemberProfileFactory(council=council, user__email="new@bristol-city-council.gov.uk").user
        EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
        response = client.post(LOGIN, {"login": user.email, "password": "correct horse battery staple"})
        assert response["Location"] == "/accounts/confirm-email/"
        assert "_auth_user_id" not in client.session
        assert mail.outbox[0].to == [user.email]

    def test_password_reset_sends_a_link_that_works(self, client, verified_member):
        client.post("/accounts/password/reset/", {"email": verified_member.email})
        assert mail.outbox[0].subject == "[Council Practice Exchange] Reset your password"
        link = re.search(r"https?://testserver(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body).group(1)
        form_url = client.get(link)["Location"]
        response = client.post(
            form_url, {"password1": "a brand new passphrase 7", "password2": "a brand new passphrase 7"}
        )
        assert response.status_code == 302
        verified_member.refresh_from_db()
        assert verified_member.check_password("a brand new passphrase 7")

    def test_sign_out_needs_post(self, client, verified_member):
        client.force_login(verified_member)
        assert "Are you sure you want to sign out?" in client.get("/accounts/logout/").content.decode()
        assert "_auth_user_id" in client.session
        client.post("/accounts/logout/")
        assert "_auth_user_id" not in client.session

    def test_login_required_pages_send_visitors_to_sign_in(self, client):
        response = client.get("/submit/")
        assert response["Location"] == "/accounts/login/?next=/submit/"

    def test_admin_sign_in_goes_through_the_portal_sign_in(self, client):
        response = client.get("/admin/login/?next=/admin/")
        assert response["Location"].startswith("/accounts/login/")


class TestTwoFactor:
    def test_member_with_an_authenticator_is_asked_for_a_code(self, client, verified_member):
        secret = with_totp(verified_member)
        response = client.post(LOGIN, {"login": verified_member.email, "password": "correct horse battery staple"})
        assert response["Location"] == "/accounts/2fa/authenticate/"
        assert "_auth_user_id" not in client.session
        page = client.get("/accounts/2fa/authenticate/").content.decode()
        assert "Enter your security code" in page
        wrong = client.post(
            "/accounts/2fa/authenticate/", {"code": "000000" if totp_code(secret) != "000000" else "111111"}
        )
        assert "Incorrect code." in wrong.content.decode()
        client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
        assert client.session["_auth_user_id"] == str(verified_member.pk)

    def test_curator_without_two_factor_is_sent_to_set_it_up_after_sign_in(self, client, other_council):
        curator = MemberProfileFactory(
            council=other_council, role=MemberProfile.Role.CURATOR, user__email="cur@leeds-city-council.gov.uk"
        ).user
        EmailAddress.objects.create(user=curator, email=curator.email, verified=True, primary=True)
        response = client.post(LOGIN, {"login": curator.email, "password": "correct horse battery staple"})
        assert response["Location"] == "/accounts/2fa/totp/activate/"

    def test_curator_without_two_factor_cannot_use_the_review_queue(self, client, curator_without_2fa):
        client.force_login(curator_without_2fa)
        response = client.get("/review/", follow=True)
        assert response.redirect_chain[0][0] == "/accounts/2fa/totp/activate/"
        assert "Curators must turn on two-factor authentication" in response.content.decode()

    def test_setting_up_an_authenticator_app(self, client, curator_without_2fa):
        curator = curator_without_2fa
        client.force_login(curator)
        # Security settings ask for the password again first.
        reauthenticate = client.get("/accounts/2fa/totp/activate/")["Location"]
        assert reauthenticate.startswith("/accounts/reauthenticate/")
        assert "Confirm it is you" in client.get(reauthenticate).content.decode()
        client.post(reauthenticate, {"password": "correct horse battery staple"})
        page = client.get("/accounts/2fa/totp/activate/")
        html = page.content.decode()
        assert "Set up an authenticator app" in html
        assert 'src="data:image/svg+xml' in html, "the QR code is shown"
        secret = page.context["form"].secret
        bad = client.post("/accounts/2fa/totp/activate/", {"code": "12"})
        assert "There is a problem" in bad.content.decode()
        client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
        assert Authenticator.objects.filter(user=curator, type=Authenticator.Type.TOTP).exists()
        assert client.get("/review/").status_code == 200


class TestProfileAndRoles:
    def test_member_chooses_to_write_and_becomes_an_officer(self, client, colleague):
        client.force_login(colleague)
        assert client.get("/submit/").status_code == 403
        response = client.post(
            reverse("councils:profile"),
            {"full_name": "Sam Jones", "job_title": "Analyst", "silo": "", "writes": "officer"},
        )
        assert response.status_code == 302
        colleague.profile.refresh_from_db()
        assert colleague.profile.role == MemberProfile.Role.OFFICER
        assert client.get("/submit/").status_code == 200

    def test_someone_without_a_council_cannot_become_an_officer(self, client, db):
        user = MemberProfileFactory(council=None).user
        client.force_login(user)
        form = client.get(reverse("councils:profile")).context["form"]
        assert "writes" not in form.fields
        client.post(reverse("councils:profile"), {"full_name": "X", "writes": "officer"})
        user.profile.refresh_from_db()
        assert user.profile.role == MemberProfile.Role.MEMBER

    def test_profile_errors_keep_what_was_typed(self, client, colleague):
        client.force_login(colleague)
        response = client.post(
            reverse("councils:profile"), {"full_name": "", "job_title": "x" * 201, "writes": "member"}
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert "Enter your full name" in html
        assert "Job title must be 200 characters or fewer" in html
        assert 'value="' + "x" * 201 + '"' in html

    def test_header_links_depend_on_who_is_signed_in(self, client, colleague, curator):
        html = client.get("/").content.decode()
        assert "Sign in" in html and "Create an account" in html and "Review queue" not in html
        client.force_login(colleague)
        html = client.get("/").content.decode()
        assert "Your account" in html and "Sign out" in html and "Review queue" not in html
        client.force_login(curator)
        assert "Review queue" in client.get("/").content.decode()
        assert ">Submit<" in html, "Submit is in the site navigation"


def test_demo_accounts_are_created_once(db):
    CouncilFactory(slug="bristol-city-council")
    CouncilFactory(slug="leeds-city-council")
    first = demo_accounts_seed()
    assert first.created == len(DEMO_ACCOUNTS)
    again = demo_accounts_seed()
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(DEMO_ACCOUNTS))
    officer = User.objects.get(email="officer.bristol@example.com")
    assert officer.check_password(DEMO_PASSWORD)
    assert officer.profile.council.slug == "bristol-city-council"
    assert officer.profile.role == "officer"
    assert User.objects.get(email="curator@example.com").profile.role == "curator"
    assert EmailAddress.objects.filter(verified=True).count() == len(DEMO_ACCOUNTS)


@pytest.mark.parametrize("who", ["officer", "colleague", "outsider", "curator", "visitor"])
def test_everyone_signed_in_has_their_own_account_page(client, request, who):
    if who == "visitor":
        assert client.get(reverse("councils:profile"))["Location"] == "/accounts/login/?next=/accounts/profile/"
        return
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse("councils:profile"))
    assert response.status_code == 200
    assert user.profile.council.name in response.content.decode()
    assert response.context["member"] == user.profile, "you only ever see your own details"
