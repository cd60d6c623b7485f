"""Recount the aggregates behind discovery panels and /insights/ (run from cron every few minutes)."""

from django.core.management.base import BaseCommand

from practices.services.discovery_stats import discovery_stats_refresh


class Command(BaseCommand):
    help = "Refresh the silo/tag, silo/framework, adoption-flow and council aggregates used by discovery."

    def handle(self, *args, **options):
        seconds = discovery_stats_refresh()
        self.stdout.write(f"Discovery aggregates refreshed in {seconds:.2f} s.")
