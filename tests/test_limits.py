"""Limits that hold in production: counted per client behind trusted proxies, per account and per target email,
in the shared cache (never one process's memory)."""

import subprocess
import sys

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core import mail
from django.test import RequestFactory

from councils.factories import MemberProfileFactory
from portal.client_address import client_ip

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
SIGNUP = "/accounts/signup/"
RESET = "/accounts/password/reset/"
PASSWORD = "correct horse battery staple"
PROXY = "10.0.0.5"  # the TLS proxy in front of the app servers


@pytest.fixture(autouse=True)
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def from_address(address: str) -> dict:
    """What the proxy passes on for a client at `address`."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address}


@pytest.fixture
def real_officer(council):
    profile = MemberProfileFactory(council=council, user__email="jo.officer@bristol-city-council.gov.uk")
    EmailAddress.objects.create(user=profile.user, email=profile.user.email, verified=True, primary=True)
    return profile.user


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


class TestClientAddress:
    @pytest.mark.parametrize(
        ("count", "forwarded", "expected"),
        [
            (0, "203.0.113.9", PROXY),  # no proxy trusted: the header is the client's own say-so
            (1, "203.0.113.9", "203.0.113.9"),
            (1, "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # the left entry was typed by the client
            (2, "1.2.3.4, 203.0.113.9, 10.0.0.9", "203.0.113.9"),
            (2, "203.0.113.9", PROXY),  # shorter than the proxy chain: not through every proxy
            (1, "not-an-address", PROXY),
            (1, "", PROXY),
            (1, "2001:db8::1", "2001:db8::1"),
        ],
    )
    def test_the_client_is_counted_from_the_right(self, settings, count, forwarded, expected):
        settings.TRUSTED_PROXY_COUNT = count
        request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
        assert client_ip(request) == expected


class TestSharedCounts:
    def test_counts_live_in_the_database_cache_without_redis_and_pages_stay_in_memory(self):
        assert django_settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
        assert django_settings.CACHES["pages"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"

    def test_with_redis_both_caches_are_redis(self):
        code = "import django; django.setup(); from django.conf import settings; print(settings.CACHES)"
        env = {
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": "postgres://x@/y",
            "PORTAL_TESTING": "1",
            "REDIS_URL": "redis://127.0.0.1:6379/10",
        }
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.count("RedisCache") == 2
        assert "LocMem" not in result.stdout and "DatabaseCache" not in result.stdout


class TestSignInLimits:
    def test_a_flood_against_unknown_accounts_does_not_lock_out_a_real_officer(self, client, real_officer):
        attacker = client.__class__()
        refused = 0
        for n in range(20):
            response = attacker.post(
                LOGIN,
                {"login": f"nobody{n}@bristol-city-council.gov.uk", "password": "guess"},
                **from_address("203.0.113.9"),
            )
            refused += response.status_code == 429 or "Too many failed" in response.content.decode()
        assert refused >= 10, "the attacker's address is stopped"
        client.post(LOGIN, {"login": real_officer.email, "password": PASSWORD}, **from_address("198.51.100.7"))
        assert signed_in(client)

    def test_failures_against_one_account_lock_that_account_from_every_address(self, client, real_officer, council):
        for n in range(5):
            client.post(LOGIN, {"login": real_officer.email, "password": "wrong"}, **from_address(f"203.0.113.{n + 1}"))
        response = client.post(
            LOGIN, {"login": real_officer.email, "password": PASSWORD}, **from_address("198.51.100.7")
        )
        assert not signed_in(client)
        assert "Too many failed" in response.content.decode()
        # Another account is not affected, even from the addresses that failed.
        other = MemberProfileFactory(council=council, user__email="ali.other@bristol-city-council.gov.uk").user
        EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
        client.post(LOGIN, {"login": other.email, "password": PASSWORD}, **from_address("203.0.113.1"))
        assert signed_in(client)


def signup(client, email, address):
    data = {
        "full_name": "Priya Shah",
        "email": email,
        "password1": "long enough passphrase 42",
        "job_title": "",
        "silo": "",
    }
    return client.post(SIGNUP, data, **from_address(address))


class TestSignUpAndResetLimits:
    def test_sign_ups_from_one_address_are_limited(self, client, council):
        statuses = [
            signup(client.__class__(), f"new.person{n}@bristol-city-council.gov.uk", "203.0.113.9").status_code
            for n in range(8)
        ]
        assert statuses[:5] == [302] * 5
        assert statuses[5:] == [429] * 3
        # Someone at another address is not held up.
        assert signup(client, "someone.else@bristol-city-council.gov.uk", "198.51.100.7").status_code == 302

    def test_sign_ups_naming_one_address_send_it_three_emails_an_hour_whoever_asks(self, client, council):
        target = "victim@bristol-city-council.gov.uk"
        responses = [signup(client.__class__(), target, f"203.0.113.{n + 1}") for n in range(6)]
        assert [r.status_code for r in responses[:3]] == [302] * 3
        assert all(r.status_code == 200 for r in responses[3:])
        assert "several sign-ups with this email address" in responses[3].content.decode()
        sent = len([m for m in mail.outbox if target in m.to])
        assert 1 <= sent <= 3

    def test_password_resets_for_one_address_are_limited_whoever_asks(self, client, real_officer):
        for n in range(6):
            client.__class__().post(RESET, {"email": real_officer.email}, **from_address(f"203.0.113.{n + 1}"))
        assert len([m for m in mail.outbox if real_officer.email in m.to]) == 3

    def test_password_resets_from_one_address_are_limited(self, client, real_officer):
        statuses = [
            client.post(
                RESET, {"email": f"someone{n}@bristol-city-council.gov.uk"}, **from_address("203.0.113.9")
            ).status_code
            for n in range(7)
        ]
        assert statuses[:5] == [302] * 5
        assert statuses[5:] == [429] * 2
