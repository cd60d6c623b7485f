"""What the benchmarks share: the percentile they report, and enough published case studies to measure."""

from __future__ import annotations

import time

from django.core.management import call_command

from practices.models import CaseStudy


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile: the smallest value with at least pct% of the values at or below it."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def ensure_case_studies(n: int) -> int:
    """Generate benchmark case studies until n are published; returns how many are."""
    have = CaseStudy.objects.filter(status="published").count()
    if have < n:
        print(f"{have:,} published case studies; generating {n - have:,} more", flush=True)
        started = time.perf_counter()
        call_command("generate_bench_data", case_studies=n - have)
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    return CaseStudy.objects.filter(status="published").count()
