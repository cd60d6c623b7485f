"""Weekly email digest of what members follow (run from cron, e.g. Mondays at 07:00)."""

from django.core.management.base import BaseCommand

from practices.services.digest import digest_send


class Command(BaseCommand):
    help = (
        "Email each follower what is new in the silos, tags and frameworks they follow, with matches from other silos."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Work out who would get an email; send nothing.")

    def handle(self, *args, dry_run=False, **options):
        run = digest_send(dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(f"{verb} {run.sent} digest(s); {run.empty} follower(s) had nothing new.")
