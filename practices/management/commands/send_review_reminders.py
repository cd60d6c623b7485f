"""Remind owners of published items past their review-by date (run daily from cron)."""

from django.core.management.base import BaseCommand

from practices.services.freshness import review_reminders_send


class Command(BaseCommand):
    help = "Email owners of published case studies and frameworks whose review-by date has passed."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List who would be reminded; send nothing.")

    def handle(self, *args, dry_run=False, **options):
        run = review_reminders_send(dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(
            f"{verb} {len(run.recipients) if dry_run else run.emails} reminder(s) about "
            f"{run.case_studies} case stud{'y' if run.case_studies == 1 else 'ies'} and {run.frameworks} framework(s)."
        )
