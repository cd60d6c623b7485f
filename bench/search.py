"""Search benchmark: server-side latency of /search/ next to PostgreSQL's own time for the same SQL.

    python bench/search.py --case-studies 100000 [--json PATH] [--rounds 5]

Loads benchmark content first if the database has fewer published case studies
than asked for (generate_bench_data, timed). Then, for a fixed set of realistic
searches, it requests each page through Django's test client (visitor cache
cleared, so every page is built) and records the SQL the page ran; it then runs
exactly that SQL again on a raw cursor, which is PostgreSQL's time without
Django. Prints a table, writes JSON, and shows EXPLAIN ANALYZE of the main
statement of one common search.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("PORTAL_TESTING", "1")

import django  # noqa: E402

django.setup()

import dbinfo  # noqa: E402  (bench/ is on sys.path when a script runs)
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from measure import percentile  # noqa: E402

from portal.runtime import settle_after_start_up  # noqa: E402
from practices.models import CaseStudy  # noqa: E402

# (label, query string): single words, phrases, several words, rare and common
# terms, typos, and the same with facets chosen, as officers would use them.
SEARCHES: list[tuple[str, dict]] = [
    ("word: safeguarding", {"q": "safeguarding"}),
    ("word: potholes", {"q": "potholes"}),
    ("word: telecare", {"q": "telecare"}),
    ("word: gritters", {"q": "gritters"}),
    ("word: recycling", {"q": "recycling"}),
    ("word: homelessness", {"q": "homelessness"}),
    ("jargon: MASH", {"q": "MASH"}),
    ("jargon: HMO", {"q": "HMO"}),
    ("rare: lidar", {"q": "lidar"}),
    ("rare: blockchain", {"q": "blockchain"}),
    ("rare: drones", {"q": "drones"}),
    ("rare: Shetland", {"q": "Shetland"}),
    ("common: online booking", {"q": "online booking"}),
    ("common: vehicle tracking", {"q": "vehicle tracking"}),
    ("common: self-service", {"q": "self-service"}),
    ("common: mobile working", {"q": "mobile working"}),
    ("phrase: online booking", {"q": '"online booking"'}),
    ("phrase: missed bins", {"q": '"missed bins"'}),
    ("phrase: information sharing agreement", {"q": '"information sharing agreement"'}),
    ("phrase: text message reminder", {"q": '"text message reminder"'}),
    ("words: bin lorry tracking", {"q": "bin lorry tracking"}),
    ("words: school transport tracking", {"q": "school transport tracking"}),
    ("words: bulky waste booking", {"q": "bulky waste booking"}),
    ("words: housing repairs tablets", {"q": "housing repairs tablets"}),
    ("words: scanning benefit forms", {"q": "scanning benefit forms"}),
    ("words: council tax online", {"q": "council tax online"}),
    ("words: meals on wheels rounds", {"q": "meals on wheels rounds"}),
    ("words: where's my bus", {"q": "where's my bus"}),
    ("words: noise complaints app", {"q": "noise complaints app"}),
    ("syntax: tracking -bus", {"q": "vehicle tracking -bus"}),
    ("syntax: chatbot or web chat", {"q": 'chatbot or "web chat"'}),
    ("typo: safegaurding", {"q": "safegaurding"}),
    ("typo: recyling centre", {"q": "recyling centre"}),
    ("facet: vehicle tracking in waste", {"q": "vehicle tracking", "silo": "waste-and-recycling"}),
    ("facet: online booking in London", {"q": "online booking", "region": "london"}),
    ("facets: safeguarding, county, 2019", {"q": "safeguarding", "kind": "county", "year": "2019"}),
    ("facets: telecare, invest to save", {"q": "telecare", "funding": "invest-to-save"}),
    ("facets: tracking, two silos, a tag", {"q": "tracking", "silo": ["transport", "highways"], "tag": "gps"}),
    ("newest: online booking", {"q": "online booking", "sort": "newest"}),
    ("deep page 50: online booking", {"q": "online booking", "page": "50"}),
]
EXPLAINED = {"q": "vehicle tracking", "silo": "waste-and-recycling"}
RESULTS_RE = re.compile(r'role="status">(?:About )?([0-9,]+) results?')


def ensure_case_studies(n: int) -> dict:
    have = CaseStudy.objects.filter(status="published").count()
    info = {"had": have, "generated": 0, "generation_seconds": None}
    if have < n:
        print(f"{have} published case studies; generating {n - have} more", flush=True)
        started = time.perf_counter()
        call_command("generate_bench_data", case_studies=n - have)
        info["generated"] = n - have
        info["generation_seconds"] = round(time.perf_counter() - started, 1)
        print(f"generated in {info['generation_seconds']} s", flush=True)
    # Fresh statistics and visibility map, as autovacuum would leave them.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE practices_searchdocument")
    info["published"] = CaseStudy.objects.filter(status="published").count()
    return info


def replay(statements: list[str]) -> float:
    """PostgreSQL's time for the page's statements, run again on a raw cursor in one transaction."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description:
                cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def measure(rounds: int) -> list[dict]:
    # As a gunicorn worker does once it has loaded the portal (gunicorn.conf.py, decision 0012).
    settle_after_start_up()
    client = Client()
    rows = []
    for label, params in SEARCHES:
        url = "/search/?" + urlencode(params, doseq=True)
        for _ in range(2):  # warm PostgreSQL's caches and Django's
            client.get(url)
        page_ms, pg_ms, queries, statuses = [], [], set(), set()
        total = None
        for _ in range(rounds):
            caches["pages"].clear()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                page_ms.append((time.perf_counter() - started) * 1000)
            statuses.add(response.status_code)
            queries.add(len(ctx.captured_queries))
            statements = [q["sql"] for q in ctx.captured_queries]
            pg_ms.append(replay(statements))
            found = RESULTS_RE.search(response.content.decode())
            total = int(found.group(1).replace(",", "")) if found else 0
        rows.append(
            {
                "search": label,
                "url": url,
                "results": total,
                "page_p50_ms": round(statistics.median(page_ms), 1),
                "page_p95_ms": round(percentile(page_ms, 95), 1),
                "pg_p50_ms": round(statistics.median(pg_ms), 1),
                "pg_p95_ms": round(percentile(pg_ms, 95), 1),
                "queries": sorted(queries),
                "status": sorted(statuses),
                "_page": page_ms,
                "_pg": pg_ms,
            }
        )
    return rows


def explain(params: dict) -> list[str]:
    client = Client()
    with CaptureQueriesContext(connection) as ctx:
        client.get("/search/?" + urlencode(params, doseq=True))
    statements = [q["sql"] for q in ctx.captured_queries]
    main = max(statements, key=len)
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            if sql is main:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(sql)
    return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case-studies", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="timed requests per search")
    parser.add_argument("--json", type=Path, help="default: bench/results/search-<size>-pg<major>.json")
    args = parser.parse_args()

    server = dbinfo.server()
    print(dbinfo.describe(server), flush=True)
    data = ensure_case_studies(args.case_studies)
    rows = measure(args.rounds)
    page_all = [ms for row in rows for ms in row.pop("_page")]
    pg_all = [ms for row in rows for ms in row.pop("_pg")]
    summary = {
        "requests": len(page_all),
        "searches": len(rows),
        "page_ms": {p: round(percentile(page_all, n), 1) for p, n in (("p50", 50), ("p95", 95), ("p99", 99))},
        "postgresql_ms": {p: round(percentile(pg_all, n), 1) for p, n in (("p50", 50), ("p95", 95), ("p99", 99))},
        "queries_per_page": sorted({q for row in rows for q in row["queries"]}),
    }
    summary["page_to_postgresql_p95"] = round(summary["page_ms"]["p95"] / summary["postgresql_ms"]["p95"], 2)
    summary["page_to_postgresql_p50"] = round(summary["page_ms"]["p50"] / summary["postgresql_ms"]["p50"], 2)
    plan = explain(EXPLAINED)

    width = max(len(row["search"]) for row in rows)
    print(
        f"\nSearch page at {data['published']:,} published case studies, {args.rounds} requests per search, "
        f"PostgreSQL {server['server_version']}\n"
    )
    print(
        f"{'search':{width}}  {'results':>8}  {'page p50':>8}  {'page p95':>8}  {'pg p50':>7}  {'pg p95':>7}  queries"
    )
    for row in rows:
        print(
            f"{row['search']:{width}}  {row['results'] if row['results'] is not None else '-':>8}  "
            f"{row['page_p50_ms']:>8}  {row['page_p95_ms']:>8}  {row['pg_p50_ms']:>7}  {row['pg_p95_ms']:>7}  "
            f"{','.join(map(str, row['queries']))}"
        )
    print(
        f"\nall {summary['requests']} requests: page p50/p95/p99 = "
        f"{summary['page_ms']['p50']}/{summary['page_ms']['p95']}/{summary['page_ms']['p99']} ms; "
        f"PostgreSQL p50/p95/p99 = {summary['postgresql_ms']['p50']}/{summary['postgresql_ms']['p95']}/"
        f"{summary['postgresql_ms']['p99']} ms; page/PostgreSQL at p95 = {summary['page_to_postgresql_p95']}x; "
        f"queries per page: {summary['queries_per_page']}"
    )
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the main statement for {EXPLAINED}:\n")
    print("\n".join(plan))

    args.json = args.json or dbinfo.results_path("search", args.case_studies, server)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"server": server, "data": data, "summary": summary, "searches": rows, "plan": plan}, indent=2)
    )
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
