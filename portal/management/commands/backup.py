"""manage.py backup [FILE]: the whole database in pg_dump's custom format (see docs/deploy.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backups import BackupError, backup_create, default_backup_path


class Command(BaseCommand):
    help = "Back up the database to FILE (default: backups/portal-<time>.dump, or under BACKUP_DIR)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="where to write the backup")

    def handle(self, *args, file=None, **options):
        path = Path(file) if file else default_backup_path()
        try:
            backup_create(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size:,} bytes)")
