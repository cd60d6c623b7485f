"""API benchmark: server-side latency of the /api/v1/ list and search endpoints.

    python bench/open_data_api.py --case-studies 100000 [--rounds 20] [--json bench/results/api.json]

Loads benchmark content first if the database has fewer published case studies
than asked for (generate_bench_data). Each request goes through Django's test
client in this process (no network, no gunicorn), as an anonymous client with
rate limits lifted, so the figures are the server's own time: routing, queries,
serialisation and the ETag. Prints p50 / p95 / max in milliseconds and the
queries each request ran, and writes JSON.

The machine may be shared: figures vary from run to run, so quote the
conditions (data size, PostgreSQL server, other load) with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("PORTAL_TESTING", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import signals  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402
from measure import ensure_case_studies, percentile  # noqa: E402

from portal.runtime import settle_after_start_up  # noqa: E402

REQUESTS: list[tuple[str, str]] = [
    ("case studies, first page", "/api/v1/case-studies/"),
    ("case studies, 100 a page", "/api/v1/case-studies/?page_size=100"),
    ("case studies, next page (cursor)", "NEXT:/api/v1/case-studies/"),
    ("case studies in a silo", "/api/v1/case-studies/?silo=waste-and-recycling"),
    ("case studies with a tag", "/api/v1/case-studies/?tag=vehicle-tracking"),
    ("case studies by region and year", "/api/v1/case-studies/?region=london&year=2021"),
    ("case studies by council (GSS)", "/api/v1/case-studies/?council=E06000023"),
    ("case studies implementing a framework", "/api/v1/case-studies/?framework=FRAMEWORK"),
    ("frameworks", "/api/v1/frameworks/"),
    ("framework with implementations", "/api/v1/frameworks/FRAMEWORK/"),
    ("councils", "/api/v1/councils/"),
    ("adoptions", "/api/v1/adoptions/"),
    ("tags", "/api/v1/tags/"),
    ("search: vehicle tracking", "/api/v1/search/?q=vehicle+tracking"),
    ("search: online booking in London", "/api/v1/search/?q=online+booking&region=london"),
    ("search: safeguarding", "/api/v1/search/?q=safeguarding"),
    ("search: typo recyling", "/api/v1/search/?q=recyling"),
    ("search: no words, newest", "/api/v1/search/?type=case-study"),
    ("search: facet only (silo)", "/api/v1/search/?silo=transport"),
]


def resolve(client: Client, url: str) -> str:
    if "FRAMEWORK" in url:
        # The most implemented published framework: the heaviest framework page.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT f.slug FROM practices_framework f JOIN practices_frameworklink l ON l.framework_id = f.id"
                " WHERE f.status = 'published' GROUP BY f.slug ORDER BY count(*) DESC, f.slug LIMIT 1"
            )
            row = cursor.fetchone()
        url = url.replace("FRAMEWORK", row[0] if row else "none")
    if url.startswith("NEXT:"):
        return client.get(url[5:]).json()["next"].split("testserver", 1)[1]
    return url


def measure(rounds: int) -> list[dict]:
    # Keep one connection, as a gunicorn worker with CONN_MAX_AGE does, so the
    # query log below sees every statement.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # As a gunicorn worker does once it has loaded the portal (gunicorn.conf.py).
    settle_after_start_up()
    client = Client()
    rows = []
    for label, url in REQUESTS:
        url = resolve(client, url)
        response = client.get(url)  # warm-up, and a check it answers
        if response.status_code != 200:
            rows.append({"label": label, "url": url, "status": response.status_code})
            continue
        items = len(response.json().get("results", response.json().get("implementations", [])))
        timings = []
        statements = []

        def count(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        for _ in range(rounds):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        rows.append(
            {
                "label": label,
                "url": url,
                "items": items,
                "queries": len(statements),
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 95), 1),
                "max_ms": round(max(timings), 1),
            }
        )
        print(
            f"{label:42} {rows[-1]['p50_ms']:8.1f} {rows[-1]['p95_ms']:8.1f} {rows[-1]['max_ms']:8.1f}"
            f" {rows[-1]['queries']:4d} {items:4d}",
            flush=True,
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case-studies", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "api.json")
    args = parser.parse_args()
    settings.API_RATES = {"anonymous": "100000000/minute", "token": "100000000/minute"}
    published = ensure_case_studies(args.case_studies)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server,) = cursor.fetchone()
    print(
        f"{published:,} published case studies; PostgreSQL {server}; {args.rounds} rounds per request; os.cpu_count()={os.cpu_count()}"
    )
    print(f"{'request':42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'sql':>4} {'rows':>4}")
    rows = measure(args.rounds)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "published_case_studies": published,
                "postgresql": server,
                "database": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
                "python": platform.python_version(),
                "rounds": args.rounds,
                "results": rows,
            },
            indent=2,
        )
        + "\n"
    )
    worst = max((row["p95_ms"] for row in rows if "p95_ms" in row), default=0)
    print(f"worst p95: {worst:.1f} ms (target 100 ms at 100,000). Written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
