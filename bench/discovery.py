"""Discovery benchmark: latency (p50/p95/p99) and queries of each discovery panel's selector.

    python bench/discovery.py --case-studies 100000 [--samples 300] [--json PATH]

Runs against the dev database (DJANGO_SETTINGS_MODULE=portal.settings, PORTAL_TESTING=1),
generating benchmark case studies first if there are fewer than asked for, then
refreshing the discovery aggregates. Each panel is timed on the server side, selector
call to Python objects, over a seeded random sample of published case studies (half of
them linked to a framework, so "the same practice" has work to do) and of silos.
Target (TARGETS.md): p95 <= 30 ms per panel at 100,000 case studies.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("PORTAL_TESTING", "1")

import django  # noqa: E402

django.setup()

import dbinfo  # noqa: E402  (bench/ is on sys.path when a script runs)
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from measure import ensure_case_studies, percentile  # noqa: E402

from councils.models import ServiceSilo  # noqa: E402
from practices.models import CaseStudy  # noqa: E402
from practices.selectors import discovery  # noqa: E402
from practices.selectors.insights import insights_overview  # noqa: E402
from practices.services.discovery_stats import STATS_VIEWS, discovery_stats_refresh  # noqa: E402

TARGET_P95_MS = 30.0
WARM_UP = 10


def sample_case_studies(count: int, rng: random.Random) -> list[CaseStudy]:
    """Half linked to a framework, half any published case study; lead council joined as the page has it."""
    published = CaseStudy.objects.filter(status="published")
    linked_ids = list(published.filter(framework_links__isnull=False).values_list("pk", flat=True).distinct())
    all_ids = list(published.values_list("pk", flat=True))
    chosen = rng.sample(linked_ids, min(len(linked_ids), count // 2))
    chosen += rng.sample(all_ids, min(len(all_ids), count - len(chosen)))
    found = CaseStudy.objects.select_related("lead_council", "primary_silo").in_bulk(chosen)
    return [found[pk] for pk in chosen]


def sample_cross_silo_implementations(count: int, rng: random.Random) -> list[CaseStudy]:
    """Case studies implementing a framework that is implemented in several silos: the panel's worst case."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT fl.case_study_id FROM practices_frameworklink fl
              JOIN practices_casestudy c ON c.id = fl.case_study_id AND c.status = 'published'
             WHERE fl.framework_id IN (SELECT framework_id FROM practices_silo_framework_stats
                                        WHERE implementations > 0 GROUP BY framework_id HAVING count(*) > 1)
            """
        )
        ids = [row[0] for row in cursor.fetchall()]
    chosen = rng.sample(ids, min(len(ids), count))
    found = CaseStudy.objects.select_related("lead_council", "primary_silo").in_bulk(chosen)
    return [found[pk] for pk in chosen]


def measure(name: str, func, args: list) -> dict:
    for arg in args[:WARM_UP]:
        func(arg)
    timings, queries, results = [], [], []
    for arg in args:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = func(arg)
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
        results.append(len(result) if hasattr(result, "__len__") else 1)
    row = {
        "panel": name,
        "samples": len(args),
        "p50_ms": round(percentile(timings, 50), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "p99_ms": round(percentile(timings, 99), 2),
        "max_ms": round(max(timings), 2),
        "queries_max": max(queries),
        "non_empty": sum(1 for n in results if n),
    }
    print(
        f"{name:<38} p50 {row['p50_ms']:7.2f}  p95 {row['p95_ms']:7.2f}  p99 {row['p99_ms']:7.2f} ms"
        f"  queries <= {row['queries_max']:2d}  non-empty {row['non_empty']}/{row['samples']}",
        flush=True,
    )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case-studies", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="default: bench/results/discovery-<size>-pg<major>.json")
    args = parser.parse_args()

    server = dbinfo.server()
    print(dbinfo.describe(server), flush=True)
    total = ensure_case_studies(args.case_studies)
    refresh_seconds = discovery_stats_refresh()
    with connection.cursor() as cursor:
        for view in STATS_VIEWS:
            cursor.execute(f"ANALYZE {view}")
    print(f"{total} published case studies; aggregates refreshed in {refresh_seconds:.2f} s", flush=True)

    rng = random.Random(args.seed)
    case_studies = sample_case_studies(args.samples, rng)
    silos = list(ServiceSilo.objects.all())
    silo_samples = [silos[i % len(silos)] for i in range(args.samples)]
    rng.shuffle(silo_samples)

    cross_silo = sample_cross_silo_implementations(args.samples, rng)
    rows = [
        measure("same practice in other silos", discovery.case_studies_same_practice_other_silos, case_studies),
        measure("same practice (cross-silo frameworks)", discovery.case_studies_same_practice_other_silos, cross_silo),
        measure("where else this could apply", discovery.silos_where_else_could_apply, case_studies),
        measure("similar work elsewhere", discovery.case_studies_similar_elsewhere, case_studies),
        measure("ideas from other silos", discovery.frameworks_ideas_from_other_silos, silo_samples),
        measure(
            "suggested frameworks (curators)", discovery.frameworks_suggested_for, case_studies[: args.samples // 3]
        ),
        measure("insights overview (whole page data)", lambda _: insights_overview(), list(range(30))),
    ]
    panels = rows[:5]
    passed = all(row["p95_ms"] <= TARGET_P95_MS for row in panels)
    print(f"target p95 <= {TARGET_P95_MS:.0f} ms per panel: {'met' if passed else 'NOT met'}")
    args.json = args.json or dbinfo.results_path("discovery", args.case_studies, server)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "server": server,
                    "case_studies": total,
                    "aggregate_refresh_seconds": round(refresh_seconds, 2),
                    "target_p95_ms": TARGET_P95_MS,
                    "target_met": passed,
                    "panels": rows,
                },
                indent=2,
            )
        )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
