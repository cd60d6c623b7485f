"""Meaning benchmark: embedding time, query-embedding p95, hybrid search and panel p95, and a gunicorn worker's RSS.

    python bench/embeddings.py --case-studies 100000 [--embed-limit M] [--jobs N] [--samples 200] [--json PATH]

Against the dev database (embedded PostgreSQL 18 with pgvector, or DATABASE_URL).
Benchmark case studies are generated first if there are fewer than asked for
(without embedding), then every missing embedding is computed by the same
service as ``embed_documents`` and timed; with ``--embed-limit M`` only the
first M missing ones are embedded and the time for all of them is extrapolated
from the rate (printed as an estimate). Embedding runs in ``--jobs`` worker
processes, one per core by default, as ``embed_documents`` does; the rate
includes starting them and loading the model in each. Then:

- query embedding: p50/p95 of embedding distinct searches (the per-process
  cache is bypassed);
- search: p50/p95 of the search selector (words fused with meaning, widened
  when few have every word) over lay searches;
- panels: p50/p95 of the four discovery panels of a case study page over a
  sample of case studies;
- RSS: a gunicorn worker serving searches with the model loaded.

Timings on a shared 2-core machine are noisy: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("PORTAL_TESTING", "1")

import django  # noqa: E402

django.setup()

import dbinfo  # noqa: E402  (bench/ is on sys.path when a script runs)
from app_server import gunicorn, rss_mb, worker_pids  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from councils.models import ServiceSilo  # noqa: E402
from practices.models import CaseStudy, SearchDocument, SearchEmbedding  # noqa: E402
from practices.selectors import discovery  # noqa: E402
from practices.selectors.search import SearchRequest, search  # noqa: E402
from practices.semantic import model, storage  # noqa: E402
from practices.services.discovery_stats import discovery_stats_refresh  # noqa: E402
from practices.services.embeddings import default_jobs, embeddings_refresh  # noqa: E402

QUERIES = [
    "stop people dumping rubbish",
    "help at home after hospital",
    "damp and mould in council homes",
    "lonely older people",
    "free school meals without applying",
    "charging electric cars on the street",
    "bins that say when they are full",
    "tenants behind with rent",
    "vehicle tracking",
    "online booking",
    "safeguarding",
    "potholes",
    "Passivhaus",
    "getting people online",
    "school transport routes",
    "recycling contamination",
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(func, *args) -> float:
    started = time.perf_counter()
    func(*args)
    return (time.perf_counter() - started) * 1000


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(statistics.median(values), 2), "p95_ms": round(pct(values, 95), 2)}


def worker_rss_mb(port: int) -> float | None:
    """Start gunicorn with one worker, serve a few searches, and read the worker's RSS."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_TESTING": "1"}
    args = ["portal.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    with gunicorn(args, port=port, env=env, seconds=60) as server:
        for q in QUERIES * 2:
            url = f"http://127.0.0.1:{port}/search/?q={urllib.parse.quote(q)}"
            urllib.request.urlopen(url, timeout=60).read()
        workers = worker_pids(server)
        return rss_mb(workers[0]) if workers else None


def _cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process and of its finished children (the embedding workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _cpu_figures(started: tuple[float, float], embedded: int, jobs: int) -> dict:
    """What the embedding cost in CPU time, and the time for 100,000 on an otherwise idle machine.

    On a shared machine the wall-clock rate says more about the neighbours than
    about the code; the workers' CPU time per document does not (it still grows
    a little under load, as caches are shared). With one worker per core and
    nothing else running, the CPU time of the workers and of this process, shared
    among the cores, is the wall time.
    """
    own, children = (now - then for now, then in zip(_cpu_seconds(), started, strict=True))
    if not embedded:
        return {}
    workers = children if jobs > 1 else own
    idle_rate = embedded / max((workers + own) / jobs if jobs > 1 else own, own, 1e-9)
    return {
        "cpu_seconds_workers": round(workers, 1),
        "cpu_seconds_main": round(own, 1),
        "cpu_ms_per_document": round(1000 * workers / embedded, 1),
        "idle_machine_per_second": round(idle_rate, 1),
        "idle_machine_minutes_for_100000": round(100_000 / idle_rate / 60, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case-studies", type=int, default=100_000)
    parser.add_argument("--embed-limit", type=int, default=0, help="embed at most this many, extrapolate the rest")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="embedding worker processes (default: cores)")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--json", type=Path, help="default: bench/results/embeddings-<size>-pg<major>.json")
    args = parser.parse_args()
    server = dbinfo.server()
    print(dbinfo.describe(server), flush=True)
    if not storage.vectors_available():
        # Not a failure: PostgreSQL 15 here has no pgvector, and search uses words and tags alone.
        print("This database has no pgvector column: nothing to measure here (words and tags only).")
        return 0
    have = CaseStudy.objects.filter(status="published").count()
    if have < args.case_studies:
        started = time.perf_counter()
        call_command("generate_bench_data", case_studies=args.case_studies - have, no_embed=True)
        print(f"generated {args.case_studies - have:,} case studies in {time.perf_counter() - started:,.0f} s")
        discovery_stats_refresh()
    documents = SearchDocument.objects.count()
    figures: dict = {
        "server": server,
        "case_studies": CaseStudy.objects.filter(status="published").count(),
        "documents": documents,
    }

    # Embedding everything that is missing (in chunks, like embed_documents).
    model.encoder()
    missing = documents - SearchEmbedding.objects.count()
    cpu_started = _cpu_seconds()
    started = time.perf_counter()
    if args.embed_limit and missing > args.embed_limit:
        done = 0

        def stop_after(checked, embedded, total):
            nonlocal done
            done = embedded
            if embedded >= args.embed_limit:
                raise StopIteration

        with contextlib.suppress(StopIteration):
            embeddings_refresh(progress=stop_after, jobs=args.jobs)
        seconds = time.perf_counter() - started
        rate = done / seconds
        figures["embedding"] = {
            "jobs": args.jobs,
            "embedded": done,
            "seconds": round(seconds, 1),
            "per_second": round(rate, 1),
            "estimated_minutes_for_100000": round(100_000 / rate / 60, 1),
            "note": "estimate extrapolated from the rate over the documents embedded",
        }
    else:
        report = embeddings_refresh(jobs=args.jobs)
        seconds = time.perf_counter() - started
        rate = report.embedded / seconds if report.embedded else 0
        figures["embedding"] = {
            "jobs": args.jobs,
            "embedded": report.embedded,
            "seconds": round(seconds, 1),
            "per_second": round(rate, 1),
            "estimated_minutes_for_100000": round(100_000 / rate / 60, 1) if rate else None,
        }
    figures["embedding"].update(_cpu_figures(cpu_started, figures["embedding"]["embedded"], args.jobs))
    figures["embedding"]["load_average_after"] = os.getloadavg()
    print("embedding:", figures["embedding"])

    encoder = model.encoder()
    rng = random.Random(7)
    words = [w for q in QUERIES for w in q.split()]
    query_times = []
    for _ in range(args.samples):
        text = " ".join(rng.sample(words, rng.randint(1, 5)))
        query_times.append(timed(encoder.embed, [text]))
    figures["query_embedding"] = summary(query_times)
    print("query embedding:", figures["query_embedding"])

    for q in QUERIES:  # warm up
        search(SearchRequest(q=q))
    search_times = [
        timed(search, SearchRequest(q=q)) for _ in range(max(1, args.samples // len(QUERIES))) for q in QUERIES
    ]
    figures["search"] = summary(search_times)
    print("search (selector, facets included):", figures["search"])

    ids = list(CaseStudy.objects.filter(status="published").values_list("pk", flat=True))
    chosen = CaseStudy.objects.select_related("lead_council", "primary_silo").in_bulk(
        rng.sample(ids, min(args.samples, len(ids)))
    )
    panels = {
        "every panel of a case study page": lambda cs: discovery.case_study_discovery(AnonymousUser(), cs),
        "similar work elsewhere": discovery.case_studies_similar_elsewhere,
        "where else this could apply": discovery.silos_where_else_could_apply,
        "same practice by meaning": discovery.case_studies_same_practice_by_meaning,
        "suggested frameworks": discovery.frameworks_suggested_for,
    }
    figures["panels"] = {}
    for name, func in panels.items():
        times = [timed(func, cs) for cs in chosen.values()]
        figures["panels"][name] = summary(times)
        print(f"panel {name}:", figures["panels"][name])
    silos = list(ServiceSilo.objects.all())
    figures["panels"]["ideas from other silos"] = summary(
        [timed(discovery.frameworks_ideas_from_other_silos, silo) for silo in silos * 5]
    )
    print("panel ideas from other silos:", figures["panels"]["ideas from other silos"])
    connection.close()

    rss = worker_rss_mb(args.port)
    figures["gunicorn_worker_rss_mb"] = round(rss, 1) if rss else None
    print("gunicorn worker RSS with the model loaded (MB):", figures["gunicorn_worker_rss_mb"])
    figures["load_average"] = os.getloadavg()
    print("load average:", figures["load_average"])
    args.json = args.json or dbinfo.results_path("embeddings", args.case_studies, server)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
