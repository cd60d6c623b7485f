"""Recount the discovery summaries now, whether or not a write marked them stale (repair, or after bulk loads)."""

from django.core.management.base import BaseCommand

from practices.services.discovery_stats import discovery_stats_refresh


class Command(BaseCommand):
    help = "Recount the discovery summaries now. The run_worker command does this after writes."

    def handle(self, *args, **options):
        seconds = discovery_stats_refresh()
        self.stdout.write(f"Discovery aggregates refreshed in {seconds:.2f} s.")
