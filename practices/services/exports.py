"""Exports in the import format: whole dumps (export_practices) and downloads of a filtered list.

Everything written here re-imports with practices.services.imports: the same
field names, slugs for references, ``;`` between list items in CSV and XLSX.
Only published content leaves the portal, and never a contact's name or email
address or anything about members. Output is deterministic (sorted by slug, no
timestamps) so two exports of the same content are byte for byte the same.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from councils.models import Council
from practices.models import DEFAULT_LICENCE, DEFAULT_LICENCE_URL, CaseStudy, Framework
from practices.selectors import open_data
from practices.services.imports import CSV_LIST_SEPARATOR, FORMAT_VERSION, IGNORED_COLUMNS, KNOWN_COLUMNS

FORMAT_NAME = "council-practice-exchange"
# Case study columns of CSV and XLSX files, in the importer's order: contacts are never exported, and `url`
# is for people (the importer ignores it).
CASE_STUDY_COLUMNS = (
    *(column for column in KNOWN_COLUMNS if column not in ("contact_name", "contact_email")),
    *IGNORED_COLUMNS,
)
TEXT_LIST_COLUMNS = ("lessons", "things_to_avoid")
# Spreadsheets run a cell starting with one of these as a formula; a leading
# space keeps it text there, and the importer strips it again.
_FORMULA_STARTS = ("=", "+", "-", "@")


def licence_metadata() -> dict[str, str]:
    return {"default": DEFAULT_LICENCE, "url": DEFAULT_LICENCE_URL}


def _date(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _slugs(objects: Iterable) -> list[str]:
    return sorted(obj.slug for obj in objects)


def case_study_record(case_study: CaseStudy) -> dict[str, Any]:
    """One case study as the import format has it (its relations as open_data.case_studies_with_details lists them)."""
    return {
        "title": case_study.title,
        "slug": case_study.slug,
        "lead_council": case_study.lead_council.slug if case_study.lead_council else None,
        "partner_councils": _slugs(case_study.partner_council_list),
        "partner_agencies": case_study.partner_agencies,
        "primary_silo": case_study.primary_silo.slug,
        "other_silos": _slugs(case_study.other_silo_list),
        "summary": case_study.summary,
        "problem": case_study.problem,
        "approach": case_study.approach,
        "outcomes": case_study.outcomes,
        "cost_band": case_study.cost_band,
        "funding_source": case_study.funding_source,
        "citizen_groups": _slugs(case_study.citizen_group_list),
        "start_year": case_study.start_year,
        "end_year": case_study.end_year,
        "lessons": list(case_study.lessons),
        "things_to_avoid": list(case_study.things_to_avoid),
        "hosts_visits": case_study.hosts_visits,
        "tags": sorted(tag.name for tag in case_study.tag_list),
        "status": case_study.status,
        "published_at": _date(case_study.published_at),
        "review_by": _date(case_study.review_by),
        "frameworks": [
            {
                "framework": link.framework.slug,
                "customisation": link.customisation,
                "citizen_group": link.citizen_group.slug if link.citizen_group else None,
                "effort": link.effort,
            }
            for link in case_study.published_framework_links
        ],
        "licence": case_study.licence or DEFAULT_LICENCE,
    }


def framework_record(framework: Framework, *, published_origins: set[int]) -> dict[str, Any]:
    origin = framework.generalised_from
    return {
        "title": framework.title,
        "slug": framework.slug,
        "summary": framework.summary,
        "reusable_core": framework.reusable_core,
        "what_varies": framework.what_varies,
        "pitfalls": framework.pitfalls,
        "silos": _slugs(framework.silos.all()),
        "tags": sorted(tag.name for tag in framework.tags.all()),
        "status": framework.status,
        "review_by": _date(framework.review_by),
        "generalised_from": origin.slug if origin is not None and origin.pk in published_origins else None,
        "licence": framework.licence or DEFAULT_LICENCE,
    }


def council_record(council: Council) -> dict[str, Any]:
    return {
        "name": council.name,
        "slug": council.slug,
        "gss_code": council.gss_code or "",
        "kind": council.kind,
        "nation": council.nation,
        "region": council.region,
        "website": council.website,
        "email_domains": sorted(council.email_domains),
    }


def case_study_records(queryset: QuerySet[CaseStudy]) -> list[dict[str, Any]]:
    return [case_study_record(cs) for cs in open_data.case_studies_with_details(queryset)]


def practices_export_bundle() -> dict[str, Any]:
    """Everything published, with what it refers to, in the JSON import format."""
    case_studies = open_data.case_studies_with_details(
        CaseStudy.objects.filter(status=CaseStudy.Status.PUBLISHED).order_by("slug")
    )
    frameworks = open_data.frameworks_with_details(
        Framework.objects.filter(status=Framework.Status.PUBLISHED).order_by("slug")
    )
    case_study_list = list(case_studies)
    published_ids = {cs.pk for cs in case_study_list}
    adoptions = sorted(
        open_data.adoptions_public(),
        key=lambda a: (
            a.council.slug,
            a.case_study.slug if a.case_study else "",
            a.framework.slug if a.framework else "",
        ),
    )
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "licence": licence_metadata(),
        "source": settings.SITE_URL,
        "councils": [council_record(c) for c in Council.objects.order_by("slug")],
        "silos": [
            {"name": s.name, "slug": s.slug, "description": s.description}
            for s in open_data.silos_all().order_by("slug")
        ],
        "citizen_groups": [{"name": g.name, "slug": g.slug} for g in open_data.citizen_groups_all().order_by("slug")],
        "frameworks": [framework_record(f, published_origins=published_ids) for f in frameworks],
        "case_studies": [case_study_record(cs) for cs in case_study_list],
        "adoptions": [
            {
                "council": a.council.slug,
                "case_study": a.case_study.slug if a.case_study else None,
                "framework": a.framework.slug if a.framework else None,
                "silo": a.silo.slug,
                "status": a.status,
                "what_changed": a.what_changed,
                "effort": a.effort,
                "outcome": a.outcome,
            }
            for a in adoptions
        ],
    }


def bundle_json(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"


def case_studies_json(records: list[dict[str, Any]]) -> str:
    """A download of a list: the case studies section of the import format, with its licence."""
    return bundle_json(
        {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "licence": licence_metadata(),
            "source": settings.SITE_URL,
            "case_studies": records,
        }
    )


def _cell(record: dict[str, Any], column: str) -> str:
    if column == "url":
        return settings.SITE_URL.rstrip("/") + f"/case-studies/{record['slug']}/"
    value = record.get(column)
    if column == "frameworks":
        return f"{CSV_LIST_SEPARATOR} ".join(link["framework"] for link in value or [])
    if column in TEXT_LIST_COLUMNS:
        # Points of text may contain ";", so they go one per line; a one-point list gets a line break
        # at its end so it is still read as lines.
        return "\n".join(str(item) for item in value) + (
            "\n" if len(value) == 1 and CSV_LIST_SEPARATOR in value[0] else ""
        )
    if isinstance(value, list):
        return f"{CSV_LIST_SEPARATOR} ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def case_study_rows(records: list[dict[str, Any]]) -> list[list[str]]:
    """The header and one row per case study, as CSV and XLSX hold them."""
    rows = [list(CASE_STUDY_COLUMNS)]
    for record in records:
        row = []
        for column in CASE_STUDY_COLUMNS:
            cell = _cell(record, column)
            row.append(" " + cell if cell.startswith(_FORMULA_STARTS) else cell)
        rows.append(row)
    return rows


def case_studies_csv(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(case_study_rows(records))
    return out.getvalue()


def case_studies_xlsx(records: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "case_studies"
    for row in case_study_rows(records):
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            # Text stays text: openpyxl would otherwise store "=..." as a formula.
            cell.data_type = TYPE_STRING
    notes = workbook.create_sheet("about")
    notes.append(["format", FORMAT_NAME])
    notes.append(["format_version", str(FORMAT_VERSION)])
    notes.append(["licence", DEFAULT_LICENCE + " unless the licence column says otherwise"])
    notes.append(["licence_url", DEFAULT_LICENCE_URL])
    notes.append(["source", settings.SITE_URL])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
