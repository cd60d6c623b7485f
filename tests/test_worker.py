"""Summaries refreshed after commit by the worker: writes only mark them stale, pages read the last good counts."""

import pytest
from django.core.management import call_command
from django.db import connection, connections

from practices.factories import CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory
from practices.models import CaseStudy, SummaryStaleMark
from practices.selectors.browse import frameworks_published
from practices.services.discovery_stats import REFRESH_LOCK_KEY, discovery_stats_refresh
from practices.services.workflow import case_study_archive

pytestmark = pytest.mark.django_db(transaction=True)


def implementations(framework) -> int:
    return frameworks_published().get(pk=framework.pk).implementation_count


@pytest.fixture
def linked(db):
    link = FrameworkLinkFactory(case_study=CaseStudyFactory(), framework=FrameworkFactory())
    discovery_stats_refresh()
    return link


def run_worker_once() -> str:
    from io import StringIO

    out = StringIO()
    call_command("run_worker", "--once", stdout=out)
    return out.getvalue()


def test_a_write_leaves_the_last_good_counts_until_the_worker_runs(linked, curator):
    assert implementations(linked.framework) == 1
    case_study_archive(case_study=linked.case_study, by=curator)

    # The write committed without refreshing: pages still read the previous counts.
    assert SummaryStaleMark.objects.count() == 1
    assert implementations(linked.framework) == 1

    assert "Discovery summaries refreshed" in run_worker_once()
    assert implementations(linked.framework) == 0
    assert not SummaryStaleMark.objects.exists()


def test_a_burst_of_writes_costs_one_refresh(linked, curator):
    more = [FrameworkLinkFactory(framework=linked.framework).case_study for _ in range(3)]
    for case_study in [linked.case_study, *more]:
        case_study_archive(case_study=case_study, by=curator)
    assert SummaryStaleMark.objects.count() == 4

    assert run_worker_once().count("refreshed") == 1
    assert implementations(linked.framework) == 0
    assert run_worker_once() == "", "nothing stale, nothing done"


def test_a_second_worker_skips_while_another_holds_the_lock(linked, curator):
    case_study_archive(case_study=linked.case_study, by=curator)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [REFRESH_LOCK_KEY])
        assert run_worker_once() == ""
        assert SummaryStaleMark.objects.count() == 1, "the marks wait for the worker holding the lock"
        with other.cursor() as cursor:
            # Let go explicitly: a closed connection's lock is freed only once its server process has gone.
            cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK_KEY])
    finally:
        other.close()
    assert "refreshed" in run_worker_once()
    assert implementations(linked.framework) == 0


def test_no_write_refreshes_a_summary_inside_its_transaction(linked, curator):
    """The statement log of a publish holds no REFRESH: the slow part happens after commit."""
    from django.test.utils import CaptureQueriesContext

    draft = CaseStudyFactory(status=CaseStudy.Status.SUBMITTED, published_at=None)
    from practices.services.workflow import case_study_publish

    with CaptureQueriesContext(connection) as queries:
        case_study_publish(case_study=draft, by=curator)
    statements = [query["sql"] for query in queries.captured_queries]
    assert any("practices_searchdocument" in sql for sql in statements), "the publish itself ran"
    assert not [sql for sql in statements if "REFRESH MATERIALIZED VIEW" in sql]


def test_the_worker_embeds_what_a_committed_write_marked(settings):
    from practices.models import EmbeddingStaleMark, SearchEmbedding
    from practices.semantic import storage
    from practices.services.search_index import search_index_update

    storage.forget_availability()
    if not storage.vectors_available():
        pytest.skip("this server has no pgvector: writes leave no mark and there is nothing to embed")
    settings.EMBEDDINGS_AFTER_COMMIT = True
    item = CaseStudyFactory(title="Sensors in road gullies")
    search_index_update(case_study_ids=[item.pk])
    assert EmbeddingStaleMark.objects.count() == 1
    assert not SearchEmbedding.objects.filter(document__case_study=item).exists()

    assert "Embedded 1 changed document." in run_worker_once()
    assert SearchEmbedding.objects.filter(document__case_study=item).exists()
    assert not EmbeddingStaleMark.objects.exists()
