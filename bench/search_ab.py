"""Before and after: the search selector of another git revision and this checkout's, alternately, on the same data.

    python bench/search_ab.py --against main [--rounds 3]

Loads the search selector as it is at --against (from git: the package
practices/selectors/search/, or the single search.py it was before) beside the
current one, then calls both with the searches of bench/search.py and four case
study list requests (unfiltered, page 500, one silo, its page 50), alternating
which goes first each round, in one process: so a noisy machine slows both
alike and the multiple between them is fair. Prints each request's median and
the p50/p95/p99 of all searches for both, with the totals each reported.
Needs benchmark content already loaded (bench/search.py makes it).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import statistics
import subprocess
import sys
import tarfile
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
from search import SEARCHES, percentile  # noqa: E402

from practices.selectors import search as current  # noqa: E402
from practices.views.search import CASE_STUDIES_ONLY  # noqa: E402

LISTS = [
    ("list", {"page": 1}),
    ("list, page 500", {"page": 500}),
    ("list, one silo", {"filters": {"silo": ["transport"]}}),
    ("list, one silo, page 50", {"filters": {"silo": ["transport"]}, "page": 50}),
]


def load_revision(revision: str):
    """The search selector at a git revision, imported as the module ``search_before``."""
    target = Path(tempfile.mkdtemp(prefix="search-ab-"))
    single = subprocess.run(
        ["git", "show", f"{revision}:practices/selectors/search.py"], cwd=ROOT, check=False, capture_output=True
    )
    if single.returncode == 0:
        path = target / "search_before.py"
        path.write_bytes(single.stdout)
        spec = importlib.util.spec_from_file_location("search_before", path)
    else:
        # A package: its parts import each other relatively, so it loads under another name.
        archive = subprocess.run(
            ["git", "archive", "--format=tar", revision, "practices/selectors/search"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
        package = target / "practices" / "selectors" / "search"
        spec = importlib.util.spec_from_file_location(
            "search_before", package / "__init__.py", submodule_search_locations=[str(package)]
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules["search_before"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def requests() -> list[tuple[str, dict]]:
    out = []
    for label, params in SEARCHES:
        filters = {k: v if isinstance(v, list) else [v] for k, v in params.items() if k not in ("q", "sort", "page")}
        out.append(
            (
                label,
                {
                    "q": params.get("q", ""),
                    "filters": filters,
                    "sort": params.get("sort", "relevance"),
                    "page": int(params.get("page", 1)),
                },
            )
        )
    for label, extra in LISTS:
        out.append((label, {"q": "", "sort": "newest", "fixed": CASE_STUDIES_ONLY, **extra}))
    return out


def timed(module, kwargs: dict) -> tuple[float, int]:
    kwargs = {**kwargs, "filters": {k: list(v) for k, v in kwargs.get("filters", {}).items()}}
    if "fixed" in kwargs:
        kwargs["fixed"] = {k: list(v) for k, v in kwargs["fixed"].items()}
    started = time.perf_counter()
    outcome = module.search(module.SearchRequest(**kwargs))
    return (time.perf_counter() - started) * 1000, outcome.total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="git revision to compare with (default main)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    before = load_revision(args.against)
    print(dbinfo.describe(dbinfo.server()), flush=True)
    cases = requests()
    times = {label: {"before": [], "after": []} for label, _ in cases}
    totals: dict[tuple[str, str], int] = {}
    for round_no in range(args.rounds + 1):  # round 0 warms both
        for label, kwargs in cases:
            sides = [("before", before), ("after", current)]
            if round_no % 2:
                sides.reverse()
            for side, module in sides:
                ms, total = timed(module, kwargs)
                totals[(label, side)] = total
                if round_no:
                    times[label][side].append(ms)
    print(f"\n{'request':40} {'before ms':>10} {'total':>8} {'after ms':>10} {'total':>8}")
    for label, sides in times.items():
        print(
            f"{label[:40]:40} {statistics.median(sides['before']):>10.1f} {totals[(label, 'before')]:>8} "
            f"{statistics.median(sides['after']):>10.1f} {totals[(label, 'after')]:>8}"
        )
    for side in ("before", "after"):
        values = [ms for label, sides in times.items() if not label.startswith("list") for ms in sides[side]]
        print(
            f"searches {side:6} ({args.against if side == 'before' else 'this checkout'}): p50/p95/p99 = "
            + "/".join(f"{percentile(values, p):.1f}" for p in (50, 95, 99))
            + " ms"
        )
    print(dbinfo.describe(dbinfo.server()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
