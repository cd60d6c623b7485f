"""`make bench`: every benchmark in turn at the same data size (BENCH_CASE_STUDIES, default 100,000).

Measures the server in DATABASE_URL when it is set (scripts/with-db.sh then starts no
embedded server), otherwise the embedded PostgreSQL. Each script prints the server's
version and files its figures as bench/results/<kind>-<size>-pg<major>.json.

Above 100,000 case studies the meaning benchmark embeds EMBED_LIMIT documents
(BENCH_EMBED_LIMIT to change) and extrapolates the rest: embedding a million
takes over two hours on a 2-core machine.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = os.environ.get("BENCH_CASE_STUDIES", "100000")
SCRIPTS = ["pages.py", "search.py", "discovery.py", "embeddings.py", "writes.py", "open_data_api.py"]
EMBED_LIMIT = os.environ.get("BENCH_EMBED_LIMIT", "0" if int(N) <= 100_000 else "20000")


def arguments(script: str) -> list[str]:
    extra = ["--embed-limit", EMBED_LIMIT] if script == "embeddings.py" and EMBED_LIMIT != "0" else []
    return ["--case-studies", N, *extra]


def main() -> int:
    failed = []
    target = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "the embedded PostgreSQL"
    print(f"== benchmarks at {int(N):,} case studies against {target}", flush=True)
    for script in SCRIPTS:
        path = ROOT / "bench" / script
        if not path.exists():
            print(f"== {script}: missing, skipped")
            continue
        print(f"== {script} {' '.join(arguments(script))}", flush=True)
        if subprocess.run([sys.executable, str(path), *arguments(script)], cwd=ROOT).returncode:
            failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
