"""Import case studies (and councils, silos, frameworks, adoptions) from a CSV or JSON file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from practices.services import ImportRejected, practices_import
from practices.services.discovery_stats import discovery_stats_refresh_if_stale
from practices.services.imports import parse_import_file


class Command(BaseCommand):
    help = "Import practices from FILE (.json or .csv; see docs/import-format.md). Re-importing changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            content = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            result = practices_import(parse_import_file(content, filename=file.name))
        except ImportRejected as exc:
            raise CommandError(str(exc)) from exc
        discovery_stats_refresh_if_stale()
        self.stdout.write(self.style.SUCCESS(f"Imported {file.name}: {result}"))
