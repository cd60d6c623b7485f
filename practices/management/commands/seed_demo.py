"""Load the demo councils, silos, frameworks, case studies and adoptions. Idempotent."""

from django.core.management.base import BaseCommand

from practices.services.demo import demo_seed


class Command(BaseCommand):
    help = "Load realistic demo content; running it again changes nothing."

    def handle(self, *args, **options):
        result = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo content: {result}"))
