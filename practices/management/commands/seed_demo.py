"""Load the demo councils, silos, frameworks, case studies and adoptions. Idempotent."""

from django.core.management.base import BaseCommand

from practices.services.demo import demo_seed
from practices.services.discovery_stats import discovery_stats_refresh_if_stale


class Command(BaseCommand):
    help = "Load realistic demo content; running it again changes nothing."

    def handle(self, *args, **options):
        result = demo_seed()
        # The demo should show its counts at once, not after the worker's next pass.
        discovery_stats_refresh_if_stale()
        self.stdout.write(self.style.SUCCESS(f"Demo content: {result}"))
