"""Import case studies (and councils, silos, frameworks, adoptions) from a CSV, JSON or XLSX file."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from practices.services import ImportRejected, practices_import
from practices.services.discovery_stats import discovery_stats_refresh_if_stale
from practices.services.imports import import_file_read, practices_import_preview

OUTCOME_WORDS = {"created": "create", "updated": "change", "unchanged": "unchanged", "problem": "problem"}


class Command(BaseCommand):
    help = (
        "Import practices from FILE (.json, .csv or .xlsx; see docs/import-format.md). Re-importing changes nothing. "
        "--dry-run shows what each record would do and saves nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="show what would change, row by row; save nothing")
        parser.add_argument(
            "--as-draft", action="store_true", help="items new to the portal land as drafts, whatever the file says"
        )

    def handle(self, *args, file: Path, dry_run: bool = False, as_draft: bool = False, **options):
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            parsed = import_file_read(raw, filename=file.name)
        except ImportRejected as exc:
            raise CommandError(str(exc)) from exc
        options = {"tabular": parsed.tabular, "new_status": "draft" if as_draft else None}
        if dry_run:
            self._preview(file, parsed.data, options)
            return
        try:
            result = practices_import(parsed.data, progress=self._progress, **options)
        except ImportRejected as exc:
            raise CommandError(str(exc)) from exc
        discovery_stats_refresh_if_stale()
        self.stdout.write(self.style.SUCCESS(f"Imported {file.name}: {result}"))

    def _progress(self, done: int, total: int) -> None:
        # Progress goes to stderr so stdout stays the summary scripts read.
        if total >= 500:
            sys.stderr.write(f"\r{done:,} of {total:,} case studies checked")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    def _preview(self, file: Path, data, options) -> None:
        try:
            result = practices_import_preview(data, progress=self._progress, **options)
        except ImportRejected as exc:
            raise CommandError(str(exc)) from exc
        problems = [row for row in result.rows if row.problems]
        for row in result.rows:
            self.stdout.write(f"{row.label}: {OUTCOME_WORDS[row.outcome]}" + (f" – {row.title}" if row.title else ""))
            for problem in row.problems:
                self.stdout.write(f"    problem: {problem}")
        summary = (
            f"Dry run of {file.name}: would create {result.created}, change {result.updated}, "
            f"leave {result.unchanged} unchanged; {len(problems)} record(s) with problems. Nothing was saved."
        )
        if problems:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
