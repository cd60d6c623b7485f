"""Peer comparison with Wagtail 8's default database search backend, on the same corpus and queries as our selector.

    python bench/peer_wagtail.py --case-studies 100000 [--rounds 5] [--workdir DIR] [--json PATH]

Builds a throwaway Wagtail project in a temporary folder (or --workdir, reused
when run again) with its own venv (``pip install wagtail`` there, never in the
project's requirements) and its own database on the same PostgreSQL server as
ours (<our database>_peer_wagtail, dropped and made anew). It loads the corpus
exported from our database into one indexed model (title, summary and tags,
body), indexes it with ``update_index``, and times the same officer queries on
both sides, alternating rounds (bench/peers.py): Wagtail's ``search()`` with all
words required, ordered by relevance, top 20 and the count. Nothing it builds is
kept in the repository; figures go to the work folder unless --json says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import peers
from django.db import connection

WAGTAIL = ["wagtail>=8,<9", "psycopg[binary]>=3.2"]

SETTINGS = """
import os
SECRET_KEY = "throwaway peer benchmark"
DEBUG = False
USE_TZ = True
INSTALLED_APPS = [
    "corpus",
    "wagtail.search",
    "wagtail",
    "taggit",
    "modelcluster",
    "django.contrib.contenttypes",
    "django.contrib.auth",
]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": os.environ["PEER_DB_NAME"],
    "USER": os.environ["PEER_DB_USER"],
    "PASSWORD": os.environ.get("PEER_DB_PASSWORD", ""),
    "HOST": os.environ["PEER_DB_HOST"],
    "PORT": os.environ.get("PEER_DB_PORT", ""),
}}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
WAGTAIL_SITE_NAME = "peer"
WAGTAILADMIN_STATIC_FILE_VERSION_STRINGS = False
STATIC_URL = "/static/"
"""

MODELS = """
from django.db import models
from wagtail.search import index


class Item(index.Indexed, models.Model):
    key = models.CharField(max_length=40)
    title = models.TextField()
    head = models.TextField()
    body = models.TextField()

    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("head", boost=1.5),
        index.SearchField("body"),
    ]
"""

WORKER = r"""
import io, json, os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ["DJANGO_SETTINGS_MODULE"] = "peersettings"
import django
django.setup()
import wagtail
from django.core.management import call_command
from wagtail.search.backends import get_search_backend
from wagtail.search.utils import parse_query_string
from corpus.models import Item

info = {"engine": "wagtail " + wagtail.__version__ + ", database backend"}
if sys.argv[1] == "build":
    call_command("migrate", run_syncdb=True, verbosity=0)
    started = time.perf_counter()
    batch = []
    with open(sys.argv[2]) as rows:
        for line in rows:
            row = json.loads(line)
            batch.append(Item(key=row["key"], title=row["title"], head=row["head"], body=row["body"]))
            if len(batch) == 2000:
                Item.objects.bulk_create(batch)
                batch = []
    Item.objects.bulk_create(batch)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    call_command("update_index", stdout=io.StringIO())
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics, as autovacuum would leave them
    info.update(documents=Item.objects.count(), load_seconds=round(load_seconds, 1),
                index_seconds=round(time.perf_counter() - started, 1))
    print(json.dumps(info), flush=True)
    sys.exit(0)

backend = get_search_backend()
info["documents"] = Item.objects.count()
print(json.dumps(info), flush=True)
for line in sys.stdin:
    q = json.loads(line)["q"]
    started = time.perf_counter()
    _filters, query = parse_query_string(q, operator="and")
    results = backend.search(query, Item)
    keys = [item.key for item in results[:20]]
    n = results.count()
    ms = (time.perf_counter() - started) * 1000
    print(json.dumps({"ms": ms, "count": n, "top": keys}), flush=True)
"""


def peer_database(*, fresh: bool) -> dict:
    """A database beside ours on the same server, dropped and made anew when fresh."""
    ours = connection.settings_dict
    name = f"{ours['NAME']}_peer_wagtail"
    if fresh:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    return {
        "PEER_DB_NAME": name,
        "PEER_DB_USER": ours.get("USER") or "postgres",
        "PEER_DB_PASSWORD": ours.get("PASSWORD") or "",
        "PEER_DB_HOST": ours.get("HOST") or "",
        "PEER_DB_PORT": str(ours.get("PORT") or ""),
    }


def write_project(work: Path) -> None:
    (work / "peersettings.py").write_text(SETTINGS)
    (work / "corpus").mkdir(exist_ok=True)
    (work / "corpus" / "__init__.py").write_text("")
    (work / "corpus" / "models.py").write_text(MODELS)
    (work / "worker.py").write_text(WORKER)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case-studies", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", help="reuse this folder for the venv and corpus")
    parser.add_argument("--json", type=Path, help="default: result.json in the work folder")
    parser.add_argument(
        "--keep-index",
        action="store_true",
        help="reuse the peer database built by an earlier run with the same --workdir (its index takes minutes)",
    )
    args = parser.parse_args()

    n = peers.ensure_case_studies(args.case_studies)
    work = peers.workdir(args.workdir, "wagtail")
    python = peers.make_venv(work, WAGTAIL)
    corpus = work / "corpus.jsonl"
    exported = peers.export_corpus(corpus)
    print(f"exported {exported:,} published items to {corpus}", flush=True)
    write_project(work)
    built = work / "built.json"
    reuse = args.keep_index and built.exists()
    env = {**os.environ, **peer_database(fresh=not reuse)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if reuse:
        info = json.loads(built.read_text())
        print(f"Wagtail index of an earlier run reused: {info}", flush=True)
    else:
        build = peers.Peer([str(python), str(work / "worker.py"), "build", str(corpus)], env=env, cwd=work)
        build.close()
        info = build.info
        built.write_text(json.dumps(info))
        print(f"Wagtail loaded and indexed: {info}", flush=True)
    peer = peers.Peer([str(python), str(work / "worker.py"), "serve"], env=env, cwd=work)
    try:
        result = peers.compare(peer, "wagtail", args.rounds)
    finally:
        peer.close()
    figures = peers.report(
        "wagtail", result, n=n, rounds=args.rounds, peer_info=info, extra={}, kind="faster-than-peer"
    )
    path = args.json or work / "result.json"
    path.write_text(json.dumps(figures, indent=2))
    print(f"\nwritten to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
