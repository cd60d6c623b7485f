"""Fixtures shared by the tests: the same cast of users everywhere."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from councils.factories import CouncilFactory, MemberProfileFactory, ServiceSiloFactory
from councils.models import MemberProfile


@pytest.fixture
def council(db):
    return CouncilFactory(name="Bristol City Council", slug="bristol-city-council", gss_code="E06000023")


@pytest.fixture
def other_council(db):
    return CouncilFactory(name="Leeds City Council", slug="leeds-city-council", gss_code="E08000035")


@pytest.fixture
def silo(db):
    return ServiceSiloFactory(name="Transport", slug="transport")


@pytest.fixture
def officer(council):
    return MemberProfileFactory(council=council, role=MemberProfile.Role.OFFICER).user


@pytest.fixture
def colleague(council):
    """A member of the same council who is not an officer."""
    return MemberProfileFactory(council=council, role=MemberProfile.Role.MEMBER).user


@pytest.fixture
def outsider(other_council):
    """A member of another council."""
    return MemberProfileFactory(council=other_council, role=MemberProfile.Role.OFFICER).user


@pytest.fixture
def curator(other_council):
    """A curator who has set up an authenticator app, as every curator page demands."""
    user = MemberProfileFactory(council=other_council, role=MemberProfile.Role.CURATOR).user
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def curator_without_2fa(other_council):
    """A curator who has not set up an authenticator app yet: sent to set one up by every curator page."""
    return MemberProfileFactory(council=other_council, role=MemberProfile.Role.CURATOR).user


@pytest.fixture(autouse=True)
def empty_cache(request):
    """Each test starts without cached pages or rate-limit counts from the one before.

    Rate-limit counts live in the shared cache, a database table in tests: a test
    in a transaction loses them with its rollback; tests that commit (browser
    tests, live servers) clear the table first.
    """
    from django.core.cache import caches

    caches["pages"].clear()
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        caches["default"].clear()


@pytest.fixture
def people(officer, colleague, outsider, curator, curator_without_2fa):
    """The people every access test asks about, by role."""
    return {
        "owner": officer,
        "colleague": colleague,
        "outsider": outsider,
        "curator": curator,
        "curator_without_2fa": curator_without_2fa,
        "visitor": None,
    }


@pytest.fixture
def client_for(people):
    """A test client signed in as one of `people` ("visitor" stays signed out)."""

    def make(who):
        client = Client()
        if people[who] is not None:
            client.force_login(people[who])
        return client

    return make


@pytest.fixture(autouse=True)
def semantic_availability_known(request, django_db_blocker):
    """Ask once, before the test, whether the test database keeps embeddings.

    Each process asks once and remembers (practices.semantic.storage); asking
    here keeps that one query out of the pages whose queries a test counts.
    """
    names = set(request.fixturenames)
    if not {"db", "transactional_db", "live_server"} & names:
        return
    from practices.semantic import storage

    request.getfixturevalue("transactional_db" if {"transactional_db", "live_server"} & names else "db")
    with django_db_blocker.unblock():
        storage.vectors_available()
