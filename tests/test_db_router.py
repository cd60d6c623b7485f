"""The read-replica router: reads go to the replica; writes, reads in a transaction and reads after a write go to the primary.

In tests the "replica" alias is a mirror of the test database, so which alias each query used is what we check.
"""

import pytest
from django.db import connections, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from councils.models import ServiceSilo
from portal.db_router import PIN_COOKIE, PrimaryReplicaRouter, _pinned
from practices.factories import FrameworkFactory
from practices.models import CaseStudy

# Transactional: the usual test-wide transaction would (rightly) keep every read on the primary.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def new_request():
    """Setting up data wrote to the primary and so pinned this thread; a request starts unpinned."""
    _pinned.set(False)


@pytest.fixture(autouse=True)
def routed():
    """The router on, and each test starting as a fresh request would: not pinned."""
    token = _pinned.set(False)
    with override_settings(DATABASE_ROUTERS=["portal.db_router.PrimaryReplicaRouter"]):
        yield
    _pinned.reset(token)


class QueriesByAlias:
    def __enter__(self):
        self.captures = {alias: CaptureQueriesContext(connections[alias]) for alias in ("default", "replica")}
        for capture in self.captures.values():
            capture.__enter__()
        return self

    def __exit__(self, *exc):
        for capture in self.captures.values():
            capture.__exit__(*exc)

    def sql(self, alias) -> list[str]:
        return [q["sql"] for q in self.captures[alias].captured_queries]


def test_reads_go_to_the_replica_until_something_is_written(silo):
    new_request()
    router = PrimaryReplicaRouter()
    assert router.db_for_read(ServiceSilo) == "replica"
    assert router.db_for_write(CaseStudy) == "default"
    assert router.db_for_read(ServiceSilo) == "default", "read-after-write stays on the primary"


def test_reads_inside_a_transaction_stay_on_the_primary(silo):
    new_request()
    router = PrimaryReplicaRouter()
    with transaction.atomic():
        assert router.db_for_read(ServiceSilo) == "default"
    assert router.db_for_read(ServiceSilo) == "replica"


def test_migrations_run_on_the_primary_only():
    router = PrimaryReplicaRouter()
    assert router.allow_migrate("default", "practices")
    assert not router.allow_migrate("replica", "practices")


def test_a_browse_page_reads_from_the_replica():
    FrameworkFactory(title="Vehicle tracking", slug="vehicle-tracking")
    with QueriesByAlias() as queries:
        response = Client().get(reverse("practices:framework_list"))
    assert "Vehicle tracking" in response.content.decode()
    assert queries.sql("replica"), "the page's reads went to the replica"
    assert queries.sql("default") == []


def test_a_post_writes_to_the_primary_and_the_next_pages_read_from_it(officer, silo):
    client = Client()
    client.force_login(officer)
    with QueriesByAlias() as queries:
        response = client.post(
            reverse("practices:submit_new"),
            {"title": "Shared fleet booking", "primary_silo": silo.pk, "action": "save"},
        )
    assert response.status_code == 302
    assert not any(sql.startswith(("INSERT", "UPDATE", "DELETE")) for sql in queries.sql("replica"))
    assert any(sql.startswith("INSERT") for sql in queries.sql("default"))
    assert response.cookies[PIN_COOKIE]["max-age"] == 5

    # The redirect after saving reads what was just written: from the primary, because of the cookie.
    with QueriesByAlias() as queries:
        page = client.get(response["Location"])
    assert "Shared fleet booking" in page.content.decode()
    assert queries.sql("replica") == []


def test_without_the_cookie_a_signed_in_page_reads_from_the_replica(officer):
    client = Client()
    client.force_login(officer)
    with QueriesByAlias() as queries:
        response = client.get(reverse("practices:submit_home"))
    assert response.status_code == 200
    assert queries.sql("replica")
    assert queries.sql("default") == []


def test_a_pinned_request_does_not_pin_the_next_one_on_the_same_thread(officer, silo):
    client = Client()
    client.force_login(officer)
    new_request()
    client.post(reverse("practices:submit_new"), {"title": "Pinned", "primary_silo": silo.pk, "action": "save"})
    assert _pinned.get() is False
    client.cookies.pop(PIN_COOKIE)
    with QueriesByAlias() as queries:
        client.get(reverse("practices:framework_list"))
    assert queries.sql("default") == []
