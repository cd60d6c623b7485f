"""Peer comparison with Tantivy, the engine to measure against: our search selector's time as a multiple of Tantivy's.

    python bench/peer_tantivy.py --case-studies 100000 [--rounds 5] [--workdir DIR] [--json PATH]

Builds a throwaway venv with PyPI's ``tantivy`` in a temporary folder (or
--workdir, reused when run again), exports the published corpus from our
database, indexes it in Tantivy (English stemming on title, summary and tags,
and body; BM25; one indexing thread) and then times the same officer queries
on both sides, alternating rounds (bench/peers.py). Tantivy answers top 20
with an exact match count, all words required, in-process on one thread.
Nothing it builds is kept in the repository; figures go to the work folder
unless --json says otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import peers

TANTIVY = "tantivy==0.27.0"

# The worker runs in the throwaway venv: it indexes the exported corpus, says
# it is ready, then answers one JSON line per query.
WORKER = r'''
import json, re, sys, time
import tantivy

corpus, index_dir = sys.argv[1], sys.argv[2]
builder = tantivy.SchemaBuilder()
builder.add_text_field("key", stored=True, tokenizer_name="raw")
for field in ("title", "head", "body"):
    builder.add_text_field(field, stored=False, tokenizer_name="en_stem")
schema = builder.build()
index = tantivy.Index(schema, path=index_dir)
started = time.perf_counter()
writer = index.writer(heap_size=256_000_000, num_threads=1)
count = 0
with open(corpus) as rows:
    for line in rows:
        row = json.loads(line)
        writer.add_document(tantivy.Document(key=row["key"], title=row["title"], head=row["head"], body=row["body"]))
        count += 1
writer.commit()
writer.wait_merging_threads()
index.reload()
index_seconds = time.perf_counter() - started
searcher = index.searcher()
print(json.dumps({"engine": "tantivy " + getattr(tantivy, "__version__", "?"), "documents": count,
                  "index_seconds": round(index_seconds, 1)}), flush=True)

TOKEN = re.compile(r'-?"[^"]*"|\S+')
PLAIN = re.compile(r"^-?[A-Za-z0-9]+$")

def required(text):
    """Our syntax in Tantivy's: every word and phrase required (+), -word left out; odd characters quoted."""
    parts = []
    for token in TOKEN.findall(text):
        negative = token.startswith("-")
        body = token[1:] if negative else token
        if not body.startswith('"') and not PLAIN.match(body):
            body = '"' + body.replace('"', "") + '"'
        parts.append(("-" if negative else "+") + body)
    return " ".join(parts)

for line in sys.stdin:
    q = json.loads(line)["q"]
    started = time.perf_counter()
    try:
        query = index.parse_query(required(q), ["title", "head", "body"], field_boosts={"title": 3.0, "head": 1.5})
        found = searcher.search(query, 20, count=True)
        keys = [searcher.doc(address)["key"][0] for _score, address in found.hits]
        n = found.count
    except ValueError:
        keys, n = [], -1
    ms = (time.perf_counter() - started) * 1000
    print(json.dumps({"ms": ms, "count": n, "top": keys}), flush=True)
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case-studies", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workdir", help="reuse this folder for the venv, corpus and index")
    parser.add_argument("--json", type=Path, help="default: result.json in the work folder")
    args = parser.parse_args()

    n = peers.ensure_case_studies(args.case_studies)
    work = peers.workdir(args.workdir, "tantivy")
    python = peers.make_venv(work, [TANTIVY])
    corpus = work / "corpus.jsonl"
    exported = peers.export_corpus(corpus)
    print(f"exported {exported:,} published items to {corpus}", flush=True)
    (work / "worker.py").write_text(WORKER)
    index_dir = work / "index"
    if index_dir.exists():
        for old in index_dir.iterdir():
            old.unlink()
    index_dir.mkdir(exist_ok=True)
    peer = peers.Peer([str(python), str(work / "worker.py"), str(corpus), str(index_dir)])
    print(f"Tantivy ready: {peer.info}", flush=True)
    try:
        result = peers.compare(peer, "tantivy", args.rounds)
    finally:
        peer.close()
    figures = peers.report(
        "tantivy", result, n=n, rounds=args.rounds, peer_info=peer.info, extra={}, kind="multiple-of-peer"
    )
    path = args.json or work / "result.json"
    path.write_text(json.dumps(figures, indent=2))
    print(f"\nwritten to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
