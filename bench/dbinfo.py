"""Which PostgreSQL a benchmark measured, and where its figures are filed (bench/results/<kind>-<size>-pg<major>.json)."""

from __future__ import annotations

import os
from pathlib import Path

from django.db import connection

RESULTS = Path(__file__).resolve().parent / "results"


def server() -> dict:
    """The server the default connection talks to: its version and whether it is the embedded one or DATABASE_URL."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT extname FROM pg_extension ORDER BY extname")
        extensions = [row[0] for row in cursor.fetchall()]
    settings = connection.settings_dict
    source = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded"
    return {
        "server_version": version,
        "major": int(version.split(".")[0].split()[0]),
        "source": source,
        "host": settings.get("HOST") or "local socket",
        "database": settings.get("NAME"),
        "extensions": extensions,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def size_label(n: int) -> str:
    """100000 -> '100k', 1000000 -> '1m'; other sizes as they are."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def results_path(kind: str, n: int, info: dict) -> Path:
    return RESULTS / f"{kind}-{size_label(n)}-pg{info['major']}.json"


def describe(info: dict) -> str:
    """One line for the top of a benchmark's output."""
    where = "embedded server" if info["source"] == "embedded" else f"DATABASE_URL ({info['host']}/{info['database']})"
    return (
        f"PostgreSQL {info['server_version']} on {where}; {info['cpus']} CPUs, "
        f"load average {'/'.join(str(x) for x in info['load_average'])} at the start"
    )
