"""Refreshes the small aggregates behind the discovery panels and the insights page."""

import time

from django.db import connection

# Order does not matter: each view reads only the base tables.
STATS_VIEWS = (
    "practices_silo_tag_stats",
    "practices_silo_framework_stats",
    "practices_silo_adoption_flows",
    "practices_council_stats",
)


def discovery_stats_refresh() -> float:
    """Recount the aggregates from the base tables; returns the seconds it took.

    CONCURRENTLY lets pages keep reading the previous counts while the new ones
    are built. Callers: curation services (inside their transaction, so the
    panels agree with the change at once), the `refresh_discovery_stats`
    command (cron, every few minutes, which picks up publications and
    adoptions), and bulk loaders after they finish.
    """
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for view in STATS_VIEWS:
            cursor.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
    return time.perf_counter() - started
