"""Browse-page benchmark: server-side latency per page type, queries per page, cached
throughput under gunicorn and worker memory.

    python bench/pages.py --case-studies 100000 [--json PATH]

Latency is measured through Django's test client with the visitor cache cleared
before every request, so it is the cost of building the page. Throughput is
measured with wrk against 2 gunicorn workers serving anonymous (cached) pages.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
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
from app_server import free_port, gunicorn, rss_mb, worker_pids  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from measure import ensure_case_studies, percentile  # noqa: E402

from councils.models import Council, ServiceSilo  # noqa: E402
from portal.runtime import settle_after_start_up  # noqa: E402
from practices.forms.search import list_cursor_token  # noqa: E402
from practices.models import CaseStudy, Framework  # noqa: E402
from practices.selectors.browse import ListPosition  # noqa: E402


def page_urls(samples: int) -> dict[str, list[str]]:
    published = CaseStudy.objects.filter(status="published")
    total = published.count()
    step = max(1, total // samples)
    ids = list(published.order_by("pk").values_list("slug", flat=True)[::step][:samples])
    frameworks = list(Framework.objects.filter(status="published").values_list("slug", flat=True)[:samples])
    councils = list(Council.objects.values_list("slug", flat=True)[:samples])
    silos = list(ServiceSilo.objects.values_list("slug", flat=True)[:samples])
    return {
        "home": ["/"],
        "case study list": ["/case-studies/"],
        "case study list, numbered page 10": ["/case-studies/?page=10"],
        # Deep pages are reached by Next, whose link seeks from the last row shown.
        "case study list, deep page (cursor)": [deep_page_url(total // 2)],
        "case study list, filtered": [f"/case-studies/?silo={slug}" for slug in silos],
        "case study list, filtered page 50 (cursor)": [deep_page_url(980, silo=slug) for slug in silos],
        "case study": [f"/case-studies/{slug}/" for slug in ids],
        "framework list": ["/frameworks/"],
        "framework": [f"/frameworks/{slug}/" for slug in frameworks],
        "council list": ["/councils/"],
        "council": [f"/councils/{slug}/" for slug in councils],
        "silo list": ["/silos/"],
        "silo": [f"/silos/{slug}/" for slug in silos],
        "tag": ["/tags/vehicle-tracking/", "/tags/online-booking/", "/tags/self-service/"],
    }


def deep_page_url(rows_before: int, *, silo: str = "") -> str:
    """The list's Next link to the page after ``rows_before`` rows, as a visitor reaches it."""
    silo_filter = "AND d.silo_ids && ARRAY(SELECT id FROM councils_servicesilo WHERE slug = %s)" if silo else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.published_at, d.id FROM practices_searchdocument d WHERE d.kind = 'case-study' "
            f"{silo_filter} ORDER BY d.published_at DESC, d.id DESC OFFSET %s LIMIT 1",
            [silo, rows_before - 1] if silo else [rows_before - 1],
        )
        row = cursor.fetchone()
    if row is None:
        return f"/case-studies/?silo={silo}" if silo else "/case-studies/"
    position = ListPosition(ListPosition.AFTER, row[0], row[1], rows_before // 20 + 1)
    filters = {"silo": [silo]} if silo else {}
    cursor_value = list_cursor_token(position, filters)
    return f"/case-studies/?silo={silo}&cursor={cursor_value}" if silo else f"/case-studies/?cursor={cursor_value}"


def measure_pages(urls: dict[str, list[str]], rounds: int) -> dict[str, dict]:
    # As a gunicorn worker does once it has loaded the portal (gunicorn.conf.py, decision 0012).
    settle_after_start_up()
    client = Client()
    results = {}
    for name, paths in urls.items():
        timings, queries, statuses = [], set(), set()
        for path in paths:  # warm connections and PostgreSQL's caches
            client.get(path)
        for i in range(rounds):
            path = paths[i % len(paths)]
            caches["pages"].clear()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
            queries.add(len(ctx.captured_queries))
            statuses.add(response.status_code)
        results[name] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 95), 1),
            "p99_ms": round(percentile(timings, 99), 1),
            "queries": sorted(queries),
            "status": sorted(statuses),
            "requests": rounds,
        }
    return results


def measure_throughput(paths: list[str], seconds: int) -> dict:
    if not shutil.which("wrk"):
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    port = free_port()
    env = {**os.environ, "VISITOR_CACHE_SECONDS": "300"}
    args = ["portal.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    with gunicorn(args, port=port, env=env) as server:
        results = {}
        for path in paths:
            url = f"http://127.0.0.1:{port}{path}"
            subprocess.run(["wrk", "-t1", "-c2", "-d2s", url], capture_output=True, check=False)  # warm the cache
            out = subprocess.run(
                ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", url], capture_output=True, text=True, check=False
            ).stdout
            rps = next((float(line.split()[1]) for line in out.splitlines() if line.startswith("Requests/sec")), 0.0)
            non2xx = next((line.strip() for line in out.splitlines() if "Non-2xx" in line), "")
            results[path] = {"requests_per_second": round(rps), "errors": non2xx}
        results["worker_rss_mb"] = [round(rss_mb(pid), 1) for pid in worker_pids(server)]
        return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case-studies", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=60, help="timed requests per page type")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per URL")
    parser.add_argument("--json", type=Path, help="default: bench/results/pages-<size>-pg<major>.json")
    args = parser.parse_args()

    server = dbinfo.server()
    print(dbinfo.describe(server), flush=True)
    total = ensure_case_studies(args.case_studies)
    urls = page_urls(samples=20)
    pages = measure_pages(urls, args.rounds)
    throughput = measure_throughput(["/", urls["case study"][0], "/case-studies/"], args.seconds)

    print(
        f"\nBrowse pages with {total:,} published case studies ({args.rounds} requests each, uncached), "
        f"PostgreSQL {server['server_version']}"
    )
    print(f"{'page':<28}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}  queries")
    for name, row in pages.items():
        print(f"{name:<28}{row['p50_ms']:>8}{row['p95_ms']:>8}{row['p99_ms']:>8}  {row['queries']}")
    print("\nCached anonymous pages, 2 gunicorn workers, wrk -t2 -c8:")
    for path, row in throughput.items():
        print(f"  {path}: {row}")
    args.json = args.json or dbinfo.results_path("pages", args.case_studies, server)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"server": server, "case_studies": total, "pages": pages, "throughput": throughput}, indent=2)
    )
    print(f"\nJSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
