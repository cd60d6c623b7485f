"""Keeps the small aggregates behind the discovery panels and the insights page current, outside writes.

Writes never refresh the summary views themselves: at 100,000 case studies a
refresh takes about a second and would hold every publish, adoption and
curation action that long. A write calls ``discovery_stats_mark_stale`` inside
its transaction (one small insert), and after commit the worker
(``manage.py run_worker``, or cron with ``--once``) calls
``discovery_stats_refresh_if_stale``, which folds however many marks have piled
up into one refresh. Pages meanwhile read the last good counts:
``REFRESH ... CONCURRENTLY`` swaps the new rows in without blocking readers.
"""

from __future__ import annotations

import time

from django.db import connection, transaction

from practices.models import SummaryStaleMark
from practices.semantic import storage as semantic_storage

# Order does not matter: each view reads only the base tables.
STATS_VIEWS = (
    "practices_silo_tag_stats",
    "practices_silo_framework_stats",
    "practices_silo_adoption_flows",
    "practices_council_stats",
)

# Any number of workers and cron runs may start; this session-level advisory
# lock lets one refresh at a time, and the others skip rather than wait.
REFRESH_LOCK_KEY = 0x5052_4143  # "PRAC"


def discovery_stats_mark_stale() -> None:
    """Note, inside the caller's transaction, that the summaries need recounting once it commits."""
    SummaryStaleMark.objects.create()


def discovery_stats_refresh() -> float:
    """Recount the aggregates from the base tables now; returns the seconds it took.

    For the worker, the `refresh_discovery_stats` command and bulk loaders once
    they have finished: never call it inside a request's write.
    """
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for view in STATS_VIEWS:
            cursor.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
    # The panels' centre in meaning moves with what is published, like the counts.
    semantic_storage.centre_refresh()
    return time.perf_counter() - started


def discovery_stats_refresh_if_stale() -> float | None:
    """Refresh once if any write marked the summaries stale; returns the seconds taken, or None if nothing ran.

    Marks made while the refresh runs are newer than the ones it clears, so they
    bring on the next refresh: no change is ever missed, and a burst of writes
    costs one refresh, not one each. Call it outside any write's transaction
    (the worker runs in autocommit), or the write waits for the refresh.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REFRESH_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return None  # another worker is refreshing; it will see our marks
        try:
            newest = SummaryStaleMark.objects.order_by("-pk").values_list("pk", flat=True).first()
            if newest is None:
                return None
            seconds = discovery_stats_refresh()
            with transaction.atomic():
                SummaryStaleMark.objects.filter(pk__lte=newest).delete()
            return seconds
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK_KEY])


def discovery_stats_pending() -> bool:
    """Whether a write is waiting for the summaries to catch up (for tests and the worker's status line)."""
    return SummaryStaleMark.objects.exists()
