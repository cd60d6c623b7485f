"""Fixtures shared by the tests: the same cast of users everywhere."""

import os

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings

from councils.factories import CouncilFactory, MemberProfileFactory, ServiceSiloFactory
from councils.models import MemberProfile

# Property-based tests: a modest, repeatable run in `make test`; `make fuzz` (HYPOTHESIS_PROFILE=fuzz)
# draws at least 1,000 fresh inputs per target. Requests take what they take: no deadline.
_HYPOTHESIS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("default", max_examples=25, derandomize=True, **_HYPOTHESIS)
settings.register_profile("fuzz", max_examples=1000, **_HYPOTHESIS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_terminal_summary(terminalreporter):
    """After the property-based tests: how many inputs each target answered, and with what."""
    from tests.fuzzing import TALLY

    if not TALLY:
        return
    terminalreporter.section("inputs per target (property-based tests)")
    for target, counts in sorted(TALLY.items()):
        statuses = " ".join(f"{code}:{n}" for code, n in sorted(counts.items()) if code != "inputs")
        terminalreporter.write_line(f"{target:<45} {counts['inputs']:>6} inputs   500s: {counts['500']}   {statuses}")


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
    return MemberProfileFactory(council=other_council, role=MemberProfile.Role.CURATOR).user


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts without cached pages from the one before."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def people(officer, colleague, outsider, curator):
    """The five people every access test asks about, by role; a test module may override `curator`."""
    return {"owner": officer, "colleague": colleague, "outsider": outsider, "curator": curator, "visitor": None}


@pytest.fixture
def client_for(people):
    """A test client signed in as one of `people` ("visitor" stays signed out)."""

    def make(who):
        client = Client()
        if people[who] is not None:
            client.force_login(people[who])
        return client

    return make
