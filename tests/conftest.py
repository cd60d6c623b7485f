"""Fixtures shared by the tests: the same cast of users everywhere."""

import os

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
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


# The roles every access test asks about, in the order the tables in the tests list them.
WHO = ["owner", "colleague", "outsider", "curator", "visitor"]


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


def case_studies_in_bulk(
    n, *, silos, councils, title: str, summary: str, tags: list[str], varied_tags: list[str] = (), days_ago: int = 0
):
    """n published case studies inserted in bulk, spread over the silos and councils in turn, tagged and indexed.

    For tests that need more data than factories make quickly: rows go in with
    bulk_create, then the search index service indexes them as a bulk loader
    would. Each carries every tag in ``tags`` and one of ``varied_tags`` in
    turn. Returns them newest first ("{i}" in the title is the item's number).
    """
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from taggit.models import Tag, TaggedItem

    from practices.models import CaseStudy
    from practices.services.search_index import search_index_update

    now = timezone.now() - timezone.timedelta(days=days_ago)
    start = CaseStudy.objects.count()
    created = CaseStudy.objects.bulk_create(
        [
            CaseStudy(
                title=title.format(i=start + i),
                slug=f"bulk-{start + i}",
                lead_council=councils[i % len(councils)],
                primary_silo=silos[i % len(silos)],
                summary=summary,
                things_to_avoid=["Planning rounds without the crews"],
                status=CaseStudy.Status.PUBLISHED,
                published_at=now - timezone.timedelta(minutes=i),
            )
            for i in range(n)
        ],
        batch_size=500,
    )
    content_type = ContentType.objects.get_for_model(CaseStudy)
    every = [Tag.objects.get_or_create(name=name)[0] for name in tags]
    varied = [Tag.objects.get_or_create(name=name)[0] for name in varied_tags]
    TaggedItem.objects.bulk_create(
        [
            TaggedItem(tag=tag, content_type=content_type, object_id=cs.pk)
            for i, cs in enumerate(created)
            for tag in [*every, *([varied[i % len(varied)]] if varied else [])]
        ],
        batch_size=1000,
    )
    search_index_update(case_study_ids=[cs.pk for cs in created])
    return created


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
