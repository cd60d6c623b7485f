"""Shared machinery of the peer comparisons (peer_wagtail.py, peer_tantivy.py): corpus export, throwaway venv, timing.

A peer runs in its own process and virtual environment, built in a temporary
folder and never in the project's requirements. This process keeps the project's
Django set up, so our side is timed exactly as the search page calls it: the
``search(SearchRequest)`` selector, with its counts and facets. The peer is
driven over a pipe, one JSON line per query, and reports its own in-process time,
so neither side pays for the other's transport. Rounds alternate which side goes
first, and the query order is shuffled per round, so a noisy neighbour on the
machine hurts both sides alike.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("PORTAL_TESTING", "1")

import django  # noqa: E402

django.setup()

import dbinfo  # noqa: E402
from django.db import connection  # noqa: E402
from measure import ensure_case_studies, percentile  # noqa: E402, F401 - peer_*.py call peers.ensure_case_studies

from practices.models import CaseStudy  # noqa: E402
from practices.selectors import search as search_selector  # noqa: E402

# Thirty searches as officers type them, all words required: single words,
# jargon, rare and common terms, phrases and several words. No facets, because
# the peers are given the text only.
OFFICER_QUERIES = [
    "safeguarding",
    "potholes",
    "telecare",
    "gritters",
    "recycling",
    "homelessness",
    "MASH",
    "HMO",
    "lidar",
    "blockchain",
    "drones",
    "Shetland",
    "online booking",
    "vehicle tracking",
    "self-service",
    "mobile working",
    '"online booking"',
    '"missed bins"',
    '"information sharing agreement"',
    '"text message reminder"',
    "bin lorry tracking",
    "school transport tracking",
    "bulky waste booking",
    "housing repairs tablets",
    "scanning benefit forms",
    "council tax online",
    "meals on wheels rounds",
    "where's my bus",
    "noise complaints app",
    "vehicle tracking -bus",
]

# The same text our search index weighs: title (A); summary and tags (B); the
# rest of the write-up (C). Published items only, as search shows.
_EXPORT_SQL = """
SELECT 'cs-' || cs.id, cs.title,
       cs.summary || ' ' || coalesce(tags.names, ''),
       concat_ws(' ', cs.problem, cs.approach, cs.outcomes,
                 array_to_string(cs.lessons, ' '), array_to_string(cs.things_to_avoid, ' '),
                 s.name, c.name, cs.partner_agencies)
  FROM practices_casestudy cs
  JOIN councils_servicesilo s ON s.id = cs.primary_silo_id
  LEFT JOIN councils_council c ON c.id = cs.lead_council_id
  LEFT JOIN LATERAL (
       SELECT string_agg(t.name, ' ') AS names
         FROM taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id
        WHERE ti.content_type_id = %(cs_ct)s AND ti.object_id = cs.id) tags ON true
 WHERE cs.status = 'published'
UNION ALL
SELECT 'fw-' || f.id, f.title,
       f.summary || ' ' || coalesce(tags.names, ''),
       concat_ws(' ', f.reusable_core, f.what_varies, f.pitfalls)
  FROM practices_framework f
  LEFT JOIN LATERAL (
       SELECT string_agg(t.name, ' ') AS names
         FROM taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id
        WHERE ti.content_type_id = %(fw_ct)s AND ti.object_id = f.id) tags ON true
 WHERE f.status = 'published'
"""


def summarise(values: list[float]) -> dict:
    return {
        "p50": round(statistics.median(values), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
    }


def export_corpus(path: Path) -> int:
    """Write every published item as one JSON line: key, title, head (summary and tags), body."""
    from django.contrib.contenttypes.models import ContentType

    from practices.models import Framework

    params = {
        "cs_ct": ContentType.objects.get_for_model(CaseStudy).id,
        "fw_ct": ContentType.objects.get_for_model(Framework).id,
    }
    count = 0
    with path.open("w") as out, connection.cursor() as cursor:
        cursor.execute(_EXPORT_SQL, params)
        while rows := cursor.fetchmany(5000):
            for key, title, head, body in rows:
                out.write(json.dumps({"key": key, "title": title, "head": head, "body": body}) + "\n")
                count += 1
    return count


def make_venv(workdir: Path, packages: list[str]) -> Path:
    """A virtual environment in the work folder with the peer's packages (reused when already there)."""
    venv = workdir / "venv"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if not (python.exists() and marker.exists() and marker.read_text() == " ".join(packages)):
        print(f"building a throwaway venv in {venv} with {' '.join(packages)}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
        marker.write_text(" ".join(packages))
    return python


class Peer:
    """A worker process answering one JSON line per query with its own timing."""

    def __init__(self, argv: list[str], env: dict | None = None, cwd: Path | None = None):
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=cwd, bufsize=1
        )
        ready = self.proc.stdout.readline()
        if not ready:
            raise RuntimeError("the peer worker stopped before it was ready")
        self.info = json.loads(ready)

    def ask(self, query: str) -> dict:
        self.proc.stdin.write(json.dumps({"q": query}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the peer worker stopped")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def ours(query: str) -> dict:
    started = time.perf_counter()
    outcome = search_selector.search(search_selector.SearchRequest(q=query))
    ms = (time.perf_counter() - started) * 1000
    return {"ms": ms, "count": outcome.total}


def compare(peer: Peer, name: str, rounds: int, seed: int = 13) -> dict:
    """Alternate our selector and the peer over the officer queries; one warm-up round is not counted."""
    rng = random.Random(seed)
    times: dict[str, list[float]] = {"ours": [], name: []}
    counts: dict[str, dict[str, int]] = {"ours": {}, name: {}}
    per_query: dict[str, dict[str, list[float]]] = {q: {"ours": [], name: []} for q in OFFICER_QUERIES}
    for round_no in range(rounds + 1):
        order = OFFICER_QUERIES[:]
        rng.shuffle(order)
        for query in order:
            sides = [("ours", ours), (name, peer.ask)]
            if round_no % 2:
                sides.reverse()
            for side, run in sides:
                answer = run(query)
                counts[side][query] = answer["count"]
                if round_no:  # round 0 warms caches on both sides
                    times[side].append(answer["ms"])
                    per_query[query][side].append(answer["ms"])
    return {"times": times, "counts": counts, "per_query": per_query}


def report(name: str, result: dict, *, n: int, rounds: int, peer_info: dict, extra: dict, kind: str) -> dict:
    server = dbinfo.server()
    ours_s = summarise(result["times"]["ours"])
    peer_s = summarise(result["times"][name])
    multiple = {p: round(ours_s[p] / peer_s[p], 2) if peer_s[p] else None for p in ours_s}
    print(f"\n{name} against our search selector: {n:,} case studies, {len(OFFICER_QUERIES)} queries, {rounds} rounds")
    print(dbinfo.describe(server))
    print(f"{'query':34} {'ours n':>8} {name + ' n':>12} {'ours p50':>9} {name + ' p50':>12}")
    for query, sides in result["per_query"].items():
        print(
            f"{query[:34]:34} {result['counts']['ours'][query]:>8} {result['counts'][name][query]:>12} "
            f"{statistics.median(sides['ours']):>9.1f} {statistics.median(sides[name]):>12.2f}"
        )
    print(f"\nours   p50/p95/p99 = {ours_s['p50']}/{ours_s['p95']}/{ours_s['p99']} ms")
    print(f"{name:6} p50/p95/p99 = {peer_s['p50']}/{peer_s['p95']}/{peer_s['p99']} ms")
    if kind == "faster-than-peer":
        print(
            "ours is "
            + ", ".join(f"{round(peer_s[p] / ours_s[p], 1)}x faster at {p}" for p in ("p50", "p95", "p99"))
            + f" than {name}"
        )
    else:
        print(f"ours takes {multiple['p50']}x / {multiple['p95']}x / {multiple['p99']}x {name}'s time at p50/p95/p99")
    same = sum(1 for q in OFFICER_QUERIES if result["counts"]["ours"][q] == result["counts"][name][q])
    print(f"same match count on {same} of {len(OFFICER_QUERIES)} queries")
    return {
        "server": server,
        "case_studies": n,
        "rounds": rounds,
        "queries": OFFICER_QUERIES,
        "peer": peer_info,
        "ours_ms": ours_s,
        "peer_ms": peer_s,
        "ours_over_peer": multiple,
        "same_count_queries": same,
        "counts": result["counts"],
        **extra,
    }


def workdir(given: str | None, name: str) -> Path:
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix=f"peer-{name}-"))
