"""The long-running worker: after writes commit, embeds the items they marked and refreshes the discovery summaries."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections

from practices.services.discovery_stats import discovery_stats_refresh_if_stale
from practices.services.embeddings import embeddings_refresh_marked


class Command(BaseCommand):
    help = (
        "Embed what writes have changed and refresh the discovery summaries whenever writes have marked them "
        "stale, coalescing bursts of writes. "
        "Runs until stopped; --once does one pass (for cron). Safe to run several at once: one refreshes, "
        "the others skip."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit (for cron)")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between checks for stale summaries (default 1)"
        )

    def handle(self, *args, once: bool, interval: float, **options):
        self.stopping = False
        # SIGTERM (from `make run` on Ctrl-C, or a process manager) ends the loop between passes.
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        if not once:
            self.stdout.write(
                f"Worker started: embedding changed write-ups and refreshing stale summaries every {interval:g} s."
            )
        while not self.stopping:
            close_old_connections()
            try:
                # Vectors first, so the summaries' centre in meaning includes them.
                embedded = embeddings_refresh_marked()
                seconds = discovery_stats_refresh_if_stale()
            except OperationalError as error:
                # The database is away (restarting, failing over): try again next pass.
                self.stderr.write(f"Database unavailable, will retry: {error}".strip())
                embedded, seconds = 0, None
            if embedded:
                self.stdout.write(f"Embedded {embedded} changed document{'s' if embedded != 1 else ''}.")
            if seconds is not None:
                self.stdout.write(f"Discovery summaries refreshed in {seconds:.2f} s.")
            if once:
                break
            time.sleep(interval)

    def _stop(self, signum, frame):
        self.stopping = True
