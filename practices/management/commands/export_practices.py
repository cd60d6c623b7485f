"""Export everything published in the import format (JSON by default; CSV or XLSX for case studies only)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from practices.models import CaseStudy
from practices.services.exports import (
    bundle_json,
    case_studies_csv,
    case_studies_xlsx,
    case_study_records,
    practices_export_bundle,
)


class Command(BaseCommand):
    help = (
        "Write everything published (councils, silos, citizen groups, frameworks, case studies, adoptions) in the "
        "import format, under the Open Government Licence v3.0 unless an item says otherwise. "
        "Re-importing the file into an empty portal and exporting again gives the same file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")
        parser.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args, format: str, output: Path | None, **options):
        if format == "json":
            content: str | bytes = bundle_json(practices_export_bundle())
        else:
            records = case_study_records(CaseStudy.objects.filter(status=CaseStudy.Status.PUBLISHED).order_by("slug"))
            content = case_studies_csv(records) if format == "csv" else case_studies_xlsx(records)
        if output is not None:
            if isinstance(content, bytes):
                output.write_bytes(content)
            else:
                output.write_text(content, encoding="utf-8")
            self.stderr.write(f"Wrote {output}")
        elif isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            self.stdout.write(content, ending="")
