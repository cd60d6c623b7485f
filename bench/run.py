"""`make bench`: every benchmark in turn at the same data size (BENCH_CASE_STUDIES, default 100,000)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = os.environ.get("BENCH_CASE_STUDIES", "100000")
SCRIPTS = ["pages.py", "search.py", "discovery.py", "embeddings.py", "writes.py", "open_data_api.py"]


def main() -> int:
    failed = []
    for script in SCRIPTS:
        path = ROOT / "bench" / script
        if not path.exists():
            print(f"== {script}: missing, skipped")
            continue
        print(f"== {script} --case-studies {N}", flush=True)
        if subprocess.run([sys.executable, str(path), "--case-studies", N], cwd=ROOT).returncode:
            failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
