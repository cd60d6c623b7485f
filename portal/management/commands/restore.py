"""manage.py restore FILE: replace the database's contents with a backup (see docs/deploy.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore the database from a backup made by `manage.py backup`. Stop the app servers first."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup to restore")
        parser.add_argument("--no-input", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, file, no_input=False, **options):
        path = Path(file)
        if not no_input:
            answer = input(f"This replaces everything in the database with {path}. Type 'restore' to go on: ")
            if answer.strip() != "restore":
                raise CommandError("Nothing was restored.")
        try:
            backup_restore(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored from {path}")
