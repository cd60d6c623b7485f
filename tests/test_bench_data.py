"""generate_bench_data: fast, varied, clearly marked benchmark content that leaves other content alone."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from bench.generator import bench_data_clear, bench_data_generate
from councils.models import Council
from practices.models import CaseStudy, Framework, SearchDocument
from practices.selectors.search import SearchRequest, search
from practices.services.demo import demo_seed

pytestmark = pytest.mark.django_db


def demo_snapshot():
    return (
        sorted(
            CaseStudy.objects.exclude(slug__startswith="bench-").values_list("slug", "title", "updated_at", "status")
        ),
        sorted(Framework.objects.exclude(slug__startswith="bench-").values_list("slug", "title", "updated_at")),
        Council.objects.exclude(slug__startswith="bench-").count(),
    )


def test_generation_adds_marked_published_content_and_leaves_demo_alone():
    demo_seed()
    before = demo_snapshot()
    result = bench_data_generate(case_studies=120, seed=3)
    assert result.case_studies == 120
    bench = CaseStudy.objects.filter(slug__startswith="bench-")
    assert bench.count() == 120
    assert set(bench.values_list("status", flat=True)) == {"published"}
    assert demo_snapshot() == before, "demo content is untouched"
    # Varied: many silos, councils and tags, a few tags on most items and a long tail.
    assert bench.values("primary_silo").distinct().count() >= 8
    assert bench.values("lead_council").distinct().count() >= 40
    tag_counts = sorted(bench.annotate(n=Count("tags")).values_list("n", flat=True))
    assert tag_counts[0] >= 2
    assert len({t for cs in bench.prefetch_related("tags") for t in cs.tags.names()}) >= 40
    # Searchable straight away.
    assert SearchDocument.objects.filter(case_study__slug__startswith="bench-").count() == 120
    assert search(SearchRequest(q="tracking")).total > 0


def bench_content() -> list[tuple]:
    """What the generated case studies say, in the order they were made (slugs aside: they are numbered on)."""
    rows = (
        CaseStudy.objects.filter(slug__startswith="bench-")
        .order_by("pk")
        .select_related("primary_silo", "lead_council")
        .prefetch_related("tags")
    )
    return [
        (
            cs.title,
            cs.summary,
            cs.problem,
            cs.approach,
            cs.outcomes,
            cs.primary_silo.slug,
            cs.lead_council.name,
            cs.funding_source,
            cs.start_year,
            tuple(cs.lessons),
            tuple(cs.things_to_avoid),
            tuple(sorted(cs.tags.names())),
        )
        for cs in rows
    ]


def test_generation_is_repeatable_with_the_same_seed():
    bench_data_generate(case_studies=30, seed=5)
    first = bench_content()
    bench_data_clear()
    bench_data_generate(case_studies=30, seed=5)
    assert bench_content() == first
    bench_data_clear()
    bench_data_generate(case_studies=30, seed=6)
    assert bench_content() != first, "another seed writes other content"


def test_generation_adds_more_each_time():
    bench_data_generate(case_studies=30, seed=5)
    bench_data_generate(case_studies=30, seed=5)
    assert CaseStudy.objects.filter(slug__startswith="bench-").count() == 60


def test_clear_removes_only_bench_rows():
    demo_seed()
    before = demo_snapshot()
    demo_documents = SearchDocument.objects.count()
    bench_data_generate(case_studies=50)
    removed = bench_data_clear()
    assert removed == 50
    assert not CaseStudy.objects.filter(slug__startswith="bench-").exists()
    assert not Framework.objects.filter(slug__startswith="bench-").exists()
    assert demo_snapshot() == before
    assert SearchDocument.objects.count() == demo_documents
    assert search(SearchRequest(q="safeguarding")).total > 0, "demo search still works"


def test_command_generates_and_clears(capsys):
    call_command("generate_bench_data", case_studies=25)
    assert "Generated 25 case studies" in capsys.readouterr().out
    call_command("generate_bench_data", clear=True)
    assert "Removed 25 benchmark case studies" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Say how many"):
        call_command("generate_bench_data")


def _index_definitions(names) -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)", [list(names)])
        return dict(cursor.fetchall())


def test_a_large_run_builds_the_gin_indexes_again_after_writing(monkeypatch):
    from bench import generator

    before = _index_definitions(generator.SET_ASIDE_INDEXES)
    assert set(before) == set(generator.SET_ASIDE_INDEXES)
    monkeypatch.setattr(generator, "SET_ASIDE_FROM", 20)
    built = []
    bench_data_generate(case_studies=50, seed=7, progress=built.append)  # more than the demo content
    assert [m.split()[1] for m in built if m.startswith("built ")] == list(before)
    assert _index_definitions(generator.SET_ASIDE_INDEXES) == before
    assert search(SearchRequest(q="tracking")).total > 0


def test_a_large_run_that_fails_still_builds_the_indexes_again(monkeypatch):
    from bench import generator

    before = _index_definitions(generator.SET_ASIDE_INDEXES)
    monkeypatch.setattr(generator, "SET_ASIDE_FROM", 20)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(generator, "_copy_relations", broken)
    with pytest.raises(RuntimeError, match="disk is full"):
        bench_data_generate(case_studies=50, seed=7)
    assert _index_definitions(generator.SET_ASIDE_INDEXES) == before
