"""Import councils, silos, frameworks, case studies and adoptions from JSON, CSV or XLSX.

The format is described in docs/import-format.md. Records are matched on their
slug (adoptions and links on their natural pair), so importing the same file
twice changes nothing. An import is all or nothing: every problem is reported
with the record it came from, and none of the file is saved if any is found.
A preview (``practices_import_preview``, ``import_practices --dry-run`` and the
curators' upload page) runs the same import and rolls it back, reporting what
each row would do.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from councils.models import GSS_PATTERN, Council, ServiceSilo
from practices.models import (
    CASE_STUDY_CONTENT_FIELDS,
    DEFAULT_LICENCE,
    Adoption,
    CaseStudy,
    CitizenGroup,
    Framework,
    FrameworkLink,
)
from practices.services.discovery_stats import discovery_stats_mark_stale
from practices.services.search_index import search_index_update
from practices.services.tags import tag_slug_available
from practices.services.workflow import REQUIRED_FOR_REVIEW

SECTIONS = ("councils", "silos", "citizen_groups", "frameworks", "case_studies", "adoptions")
# Keys a file may carry beside the sections: what it is, its licence and where it came from.
METADATA_KEYS = ("format", "format_version", "licence", "source")
FORMAT_VERSION = 2
CSV_LIST_SEPARATOR = ";"
# Columns a CSV or XLSX file must have; the rest default to empty.
REQUIRED_COLUMNS = ("title", "slug", "lead_council", "primary_silo", "summary")
# Columns exports add for people that an import ignores.
IGNORED_COLUMNS = ("url",)
_GSS_RE = re.compile(GSS_PATTERN)


@dataclass
class RowReport:
    """What one record of the file does (or would do): created, updated, unchanged, or its problems."""

    section: str
    index: int
    label: str  # how the file identifies it: "row 5 'slug'" or "case_studies[3] 'slug'"
    title: str = ""
    outcome: str = "unchanged"
    problems: list[str] = field(default_factory=list)

    def note(self, outcome: str, *, main: bool) -> None:
        """Record an outcome: the record's own sets it; a change to its links makes an unchanged record updated."""
        if main:
            self.outcome = outcome
        elif outcome != "unchanged" and self.outcome == "unchanged":
            self.outcome = "updated"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[RowReport] = field(default_factory=list, repr=False)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class ImportRejected(Exception):
    """The file had problems; nothing from it was saved."""

    errors: list[str] = field(default_factory=list)
    rows: list[RowReport] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.errors)} problem(s); nothing was imported:\n" + "\n".join(self.errors)


@dataclass
class ImportFile:
    """A file turned into import sections; ``tabular`` files (CSV, XLSX) hold one case study per row."""

    data: dict[str, list[dict]]
    tabular: bool = False


_CSV_LISTS = {"partner_councils", "other_silos", "citizen_groups", "lessons", "things_to_avoid", "tags", "frameworks"}
KNOWN_COLUMNS = (
    "title",
    "slug",
    "lead_council",
    "partner_councils",
    "partner_agencies",
    "primary_silo",
    "other_silos",
    "summary",
    "problem",
    "approach",
    "outcomes",
    "cost_band",
    "funding_source",
    "citizen_groups",
    "start_year",
    "end_year",
    "lessons",
    "things_to_avoid",
    "contact_name",
    "contact_email",
    "hosts_visits",
    "tags",
    "status",
    "published_at",
    "review_by",
    "frameworks",
    "licence",
)


def parse_import_file(content: str, *, filename: str) -> dict[str, list[dict]]:
    """Turn the text of a .json or .csv file into import sections."""
    return _parse_text(content, filename=filename).data


def import_file_read(raw: bytes, *, filename: str) -> ImportFile:
    """Turn an uploaded or read .csv, .json or .xlsx file into import sections, or say clearly why not."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return ImportFile(_xlsx_sections(raw), tabular=True)
    if not name.endswith((".csv", ".json")):
        raise ImportRejected(["Choose a .csv, .json or .xlsx file."])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            [
                f"The file is not UTF-8 text: byte {exc.start + 1} cannot be read. "
                "In Excel, save it as ‘CSV UTF-8 (comma delimited)’, or upload the .xlsx workbook itself."
            ]
        ) from exc
    if "\x00" in text:
        raise ImportRejected(
            ["The file contains NUL characters, so it is not a text file. Check you chose the right file."]
        )
    return _parse_text(text, filename=filename)


def _parse_text(content: str, *, filename: str) -> ImportFile:
    if filename.lower().endswith(".csv"):
        try:
            rows = list(csv.reader(io.StringIO(content)))
        except csv.Error as exc:
            raise ImportRejected([f"The file is not valid CSV: {exc}"]) from exc
        return ImportFile(_table_sections(rows), tabular=True)
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ImportRejected([f"The file is not valid JSON: {exc}"]) from exc
    if isinstance(data, list):
        return ImportFile({"case_studies": data})
    if not isinstance(data, dict) or not set(data) <= set(SECTIONS) | set(METADATA_KEYS):
        raise ImportRejected([f"A JSON import is a list of case studies or an object with keys {', '.join(SECTIONS)}."])
    version = data.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise ImportRejected(
            [f"This file is format version {version!r}; this portal reads versions 1 to {FORMAT_VERSION}."]
        )
    return ImportFile({key: value for key, value in data.items() if key in SECTIONS})


def _table_sections(rows: list[list[str]]) -> dict[str, list[dict]]:
    """Rows of a CSV or XLSX file (the first naming the columns) as case study records."""
    rows = [row for row in rows]
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ImportRejected(["The file is empty: its first row must name the columns (title, slug, ...)."])
    header = [cell.strip().lower() for cell in rows[0]]
    problems = []
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        problems.append(
            f"The file has no {', '.join(repr(c) for c in missing)} column{'s' if len(missing) > 1 else ''}. "
            f"The first row must name the columns; these are required: {', '.join(REQUIRED_COLUMNS)}."
        )
    unknown = [c for c in header if c and c not in KNOWN_COLUMNS and c not in IGNORED_COLUMNS]
    if unknown:
        problems.append(
            f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(c) for c in unknown)}: "
            "see the import format for the column names."
        )
    repeated = sorted({c for c in header if c and header.count(c) > 1})
    if repeated:
        problems.append(f"The column{'s' if len(repeated) > 1 else ''} {', '.join(map(repr, repeated))} appear twice.")
    if problems:
        raise ImportRejected(problems)
    records = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # spreadsheets often end with blank rows
        cells = dict(zip(header, row, strict=False))
        record = _csv_row({k: v for k, v in cells.items() if k and k not in IGNORED_COLUMNS})
        record["_row"] = number
        records.append(record)
    return {"case_studies": records}


def _xlsx_sections(raw: bytes) -> dict[str, list[dict]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportRejected(
            ["The file is not an Excel workbook (.xlsx). Save it from Excel as .xlsx, or as CSV UTF-8."]
        ) from exc
    try:
        sheet = workbook["case_studies"] if "case_studies" in workbook.sheetnames else workbook.worksheets[0]
        rows: list[list[str]] = []
        formulas = []
        for number, row in enumerate(sheet.iter_rows(), start=1):
            cells = []
            for column, cell in enumerate(row, start=1):
                value = cell.value
                if getattr(cell, "data_type", None) == "f":
                    formulas.append(
                        f"row {number}: cell {get_column_letter(column)}{number} holds a formula "
                        f"({str(value)[:40]}). Replace it with the value itself: copy, then paste as values."
                    )
                    value = None
                cells.append(_xlsx_text(value))
            rows.append(cells)
    finally:
        workbook.close()
    if formulas:
        raise ImportRejected(formulas)
    return _table_sections(rows)


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# The authored fields held as plain text (the others are references, years, lists and a flag, each read below).
_CASE_STUDY_TEXT_FIELDS = tuple(
    name
    for name in CASE_STUDY_CONTENT_FIELDS
    if isinstance(CaseStudy._meta.get_field(name), models.CharField | models.TextField)
)


def _csv_row(row: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        value = (value or "").strip()
        if key in _CSV_LISTS:
            # One item per line when the cell has several lines (so items may contain ";"), else ";" between items.
            separator = "\n" if "\n" in value else CSV_LIST_SEPARATOR
            record[key] = [part.strip() for part in value.split(separator) if part.strip()]
        elif key == "hosts_visits":
            record[key] = value.lower() in {"yes", "true", "1", "y"}
        elif key in {"start_year", "end_year"}:
            # ASCII digits only; anything else is left for validation to report against its record.
            record[key] = int(value) if value.isascii() and value.isdigit() else (value or None)
        else:
            record[key] = value or ("" if key not in {"published_at", "review_by"} else None)
    record["frameworks"] = [{"framework": slug} for slug in record.get("frameworks", [])]
    return record


def _stored(obj: models.Model, name: str):
    """The field's current value as stored: foreign keys by id, so unsaved objects are safe to compare."""
    field = obj._meta.get_field(name)
    return getattr(obj, field.attname)


def _stored_form(obj: models.Model, name: str, value):
    field = obj._meta.get_field(name)
    if field.many_to_one:
        return value.pk if value is not None else None
    return value


def _check_constraint_errors(obj: models.Model) -> list[str]:
    """The model's check constraints that obj breaks, asked of the database in one statement.

    Django asks one statement (inside its own savepoint) per constraint; at
    thousands of rows that is most of an import's time.
    """
    from django.db import connection
    from django.db.models import BooleanField, ExpressionWrapper, Q, Value
    from django.db.models.functions import Coalesce
    from django.db.models.sql import Query
    from django.db.models.sql.constants import SINGLE

    checks = [c for c in obj._meta.constraints if isinstance(c, models.CheckConstraint)]
    if not checks:
        return []
    against = obj._get_field_expression_map(meta=obj._meta)
    query = Query(None)
    for name, value in against.items():
        query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
    for index, constraint in enumerate(checks):
        condition = ExpressionWrapper(Q(constraint.condition), output_field=BooleanField())
        query.add_annotation(Coalesce(condition, True, output_field=BooleanField()), f"ok_{index}")
    with transaction.atomic():
        row = query.get_compiler(connection=connection).execute_sql(SINGLE)
    return [str(checks[i].get_violation_error_message()) for i, ok in enumerate(row) if not ok]


class _Lookup(dict):
    """Records by slug, and by name (any case) and GSS code where they have one: what a person may type."""

    def __init__(self, objects, *, names: str | None = None, gss: bool = False):
        super().__init__()
        for obj in objects:
            if names:
                self.setdefault(str(getattr(obj, names)).casefold(), obj)
        for obj in objects:
            self[obj.slug] = obj
        if gss:
            for obj in objects:
                if obj.gss_code:
                    self[obj.gss_code] = obj

    def find(self, value):
        text = str(value).strip()
        if _GSS_RE.match(text.upper()):
            text = text.upper()
        return self.get(text) or self.get(text.casefold())


class _Importer:
    def __init__(self, *, by=None, tabular: bool = False, new_status: str | None = None, progress=None):
        self.by = by
        self.tabular = tabular
        self.new_status = new_status
        self.progress: Callable[[int, int], None] | None = progress
        self.result = ImportResult()
        self.errors: list[str] = []
        self.rows: list[RowReport] = []
        self._row: RowReport | None = None
        self.reindex_case_studies: set[int] = set()
        self.reindex_frameworks: set[int] = set()
        self._pending: list[tuple] = []

    def _start(self, section: str, index: int, record: dict, *, key: str | None = "slug") -> str:
        if self.tabular and section == "case_studies":
            label = f"row {record.get('_row', index + 2)}"
        else:
            label = f"{section}[{index}]"
        if key:
            label += f" {record.get(key)!r}"
        title = record.get("title") or record.get("name") or ""
        self._row = RowReport(section, index, label, title=str(title)[:200])
        self.rows.append(self._row)
        return label

    def _error(self, where: str, text: str) -> None:
        message = f"{where}: {text}"
        self.errors.append(message)
        if self._row is not None:
            prefix = self._row.label
            self._row.problems.append(message[len(prefix) + 2 :] if message.startswith(prefix + ": ") else message)
            self._row.outcome = "problem"

    def _note(self, outcome: str | None, *, main: bool) -> None:
        if outcome is not None and self._row is not None and self._row.outcome != "problem":
            self._row.note(outcome, main=main)

    # Lookups, refreshed as sections are saved.
    def _lookup(self, model) -> _Lookup:
        return _Lookup(list(model.objects.all()))

    def _councils(self) -> _Lookup:
        return _Lookup(list(Council.objects.all()), names="name", gss=True)

    def _silos(self) -> _Lookup:
        return _Lookup(list(ServiceSilo.objects.all()), names="name")

    def _groups(self) -> _Lookup:
        return _Lookup(list(CitizenGroup.objects.all()), names="name")

    def _ref(self, where: str, table: _Lookup, slug, label: str, *, required=True):
        if slug in (None, ""):
            if required:
                self._error(where, f"{label} is required.")
            return None
        obj = table.find(slug) if isinstance(slug, str | int) else None
        if obj is None:
            self._error(where, f"unknown {label} '{slug}'.")
        return obj

    def _refs(self, where: str, table: _Lookup, slugs, label: str) -> list:
        if not isinstance(slugs, list | tuple):
            slugs = [] if slugs in (None, "") else [slugs]
        found = [self._ref(where, table, slug, label) for slug in slugs]
        return [obj for obj in found if obj is not None]

    def _duplicate(self, where: str, seen: dict, key) -> bool:
        if key in seen:
            self._error(where, f"appears twice in the file (first at {seen[key]}); each record must appear once.")
            return True
        seen[key] = where
        return False

    def _save(
        self, where: str, obj: models.Model, values: dict, *, m2m=None, tags=None, unique=True, main=True
    ) -> str | None:
        """Apply values to obj; save only what differs. Returns the outcome, or None on error."""
        creating = obj.pk is None
        changed = [name for name, value in values.items() if _stored(obj, name) != _stored_form(obj, name, value)]
        for name in changed:
            setattr(obj, name, values[name])
        if creating or changed:
            try:
                obj.full_clean(validate_unique=unique, validate_constraints=False)
                problems = _check_constraint_errors(obj)
            except ValidationError as exc:
                problems = [
                    f"{'record' if name == '__all__' else name}: {message}"
                    for name, messages in exc.message_dict.items()
                    for message in messages
                ]
            if problems:
                for problem in problems:
                    self._error(where, problem if ": " in problem else f"record: {problem}")
                return None
            if self.by is not None:
                obj._history_user = self.by
            obj._change_reason = "Imported"
            obj.save()
        outcome = "created" if creating else ("updated" if changed else "unchanged")
        for name, targets in (m2m or {}).items():
            current = set() if creating else {related.pk for related in getattr(obj, name).all()}
            if current != {t.pk for t in targets}:
                getattr(obj, name).set(targets)
                outcome = "updated" if outcome == "unchanged" else outcome
        if tags is not None:
            if not isinstance(tags, list | tuple):
                tags = [tags]
            wanted = sorted({str(t).strip().lower() for t in tags if str(t).strip()})
            current = [] if creating else sorted(t.name.lower() for t in obj.tags.all())
            if current != wanted:
                obj.tags.set(wanted, clear=True)
                outcome = "updated" if outcome == "unchanged" else outcome
        self.result.count(outcome)
        self._note(outcome, main=main)
        return outcome

    def _by_slug(self, model, record: dict) -> models.Model:
        return model.objects.filter(slug=record.get("slug") or "").first() or model(slug=record.get("slug") or "")

    def _existing(self, model, records, *prefetch) -> dict[str, models.Model]:
        """The records' current versions, by slug, in one query (with their relations prefetched)."""
        slugs = [r.get("slug") for r in records if isinstance(r.get("slug"), str)]
        return {obj.slug: obj for obj in model.objects.filter(slug__in=slugs).prefetch_related(*prefetch)}

    def _licence(self, value) -> str:
        # The default is stored as blank, so a change of default licence applies to everything that never chose one.
        licence = str(value or "").strip()
        return "" if licence == DEFAULT_LICENCE else licence

    def councils(self, records):
        fields = ["name", "gss_code", "kind", "nation", "region", "website", "email_domains"]
        seen: dict = {}
        for i, r in enumerate(records):
            where = self._start("councils", i, r)
            if self._duplicate(where, seen, r.get("slug")):
                continue
            values = {f: r.get(f, "") for f in fields}
            values["gss_code"] = values["gss_code"] or None
            domains = r.get("email_domains") or []
            values["email_domains"] = [str(d).lower() for d in (domains if isinstance(domains, list) else [domains])]
            self._save(where, self._by_slug(Council, r), values)

    def silos(self, records):
        seen: dict = {}
        for i, r in enumerate(records):
            where = self._start("silos", i, r)
            if self._duplicate(where, seen, r.get("slug")):
                continue
            values = {"name": r.get("name", ""), "description": r.get("description", "")}
            self._save(where, self._by_slug(ServiceSilo, r), values)

    def citizen_groups(self, records):
        seen: dict = {}
        for i, r in enumerate(records):
            where = self._start("citizen_groups", i, r)
            if self._duplicate(where, seen, r.get("slug")):
                continue
            self._save(where, self._by_slug(CitizenGroup, r), {"name": r.get("name", "")})

    def _status(self, obj, wanted, *, published: str, allowed: tuple[str, ...]) -> str:
        """The status to save: the file's, or for uploads, the curator's choice for new items and the current one for others."""
        if self.new_status is None:
            return wanted or published
        if obj.pk is not None:
            return obj.status
        return self.new_status if self.new_status in allowed else allowed[0]

    def frameworks(self, records):
        silos = self._silos()
        existing = self._existing(Framework, records, "silos", "tags")
        seen: dict = {}
        for i, r in enumerate(records):
            where = self._start("frameworks", i, r)
            if self._duplicate(where, seen, r.get("slug")):
                continue
            values = {f: r.get(f) or "" for f in ("title", "summary", "reusable_core", "what_varies", "pitfalls")}
            obj = existing.get(r.get("slug")) or Framework(slug=r.get("slug") or "")
            values["status"] = self._status(
                obj, r.get("status"), published=Framework.Status.PUBLISHED, allowed=("draft", "published")
            )
            values["review_by"] = self._date(where, r.get("review_by"))
            values["licence"] = self._licence(r.get("licence"))
            outcome = self._save(
                where,
                obj,
                values,
                m2m={"silos": self._refs(where, silos, r.get("silos"), "silo")},
                tags=r.get("tags") or [],
                unique=False,
            )
            if outcome in {"created", "updated"}:
                self.reindex_frameworks.add(obj.pk)

    def case_studies(self, records):
        councils, silos = self._councils(), self._silos()
        groups, frameworks = self._groups(), self._lookup(Framework)
        existing = self._existing(
            CaseStudy, records, "partner_councils", "other_silos", "citizen_groups", "tags", "framework_links"
        )
        links = {
            (link.case_study_id, link.framework_id): link
            for cs in existing.values()
            for link in cs.framework_links.all()
        }
        text_fields = _CASE_STUDY_TEXT_FIELDS
        seen: dict = {}
        total = len(records)
        for i, r in enumerate(records):
            if self.progress and i and i % 500 == 0:
                self.progress(i, total)
            where = self._start("case_studies", i, r)
            if self._duplicate(where, seen, r.get("slug")):
                continue
            obj = existing.get(r.get("slug")) or CaseStudy(slug=r.get("slug") or "")
            values: dict[str, Any] = {f: r.get(f) or "" for f in text_fields}
            if obj.pk is not None and "contact_email" not in r and "contact_name" not in r:
                # Exports leave contacts out; re-importing one must not wipe them.
                values["contact_name"], values["contact_email"] = obj.contact_name, obj.contact_email
            values.update(
                lead_council=self._ref(where, councils, r.get("lead_council"), "lead council", required=False),
                primary_silo=self._ref(where, silos, r.get("primary_silo"), "primary silo"),
                start_year=r.get("start_year"),
                end_year=r.get("end_year"),
                lessons=[str(x) for x in _as_list(r.get("lessons"))],
                things_to_avoid=[str(x) for x in _as_list(r.get("things_to_avoid"))],
                hosts_visits=bool(r.get("hosts_visits")),
                status=self._status(
                    obj,
                    r.get("status"),
                    published=CaseStudy.Status.PUBLISHED,
                    allowed=("draft", "submitted", "published"),
                ),
                review_by=self._date(where, r.get("review_by")),
                licence=self._licence(r.get("licence")),
            )
            published = self._date(where, r.get("published_at"))
            if self.new_status is not None and obj.pk is not None:
                values["published_at"] = obj.published_at
            else:
                if published is None and values["status"] == CaseStudy.Status.PUBLISHED:
                    published = timezone.localdate()
                if values["status"] != CaseStudy.Status.PUBLISHED and self.new_status is not None:
                    published = None
                values["published_at"] = (
                    datetime.datetime.combine(published, datetime.time(12), tzinfo=timezone.get_current_timezone())
                    if published
                    else None
                )
            if values["primary_silo"] is None:
                continue
            if values["status"] == CaseStudy.Status.SUBMITTED:
                # Waiting for review means what a reviewer needs is there, whichever door it came in by.
                missing = [message for name, message in REQUIRED_FOR_REVIEW.items() if not values.get(name)]
                if missing:
                    self._error(where, f"submitted for review but incomplete: {'; '.join(missing).lower()}.")
                    continue
            m2m = {
                "partner_councils": self._refs(where, councils, r.get("partner_councils"), "partner council"),
                "other_silos": self._refs(where, silos, r.get("other_silos"), "silo"),
                "citizen_groups": self._refs(where, groups, r.get("citizen_groups"), "citizen group"),
            }
            if obj.pk is None:
                self._defer_new_case_study(where, obj, values, m2m, r, frameworks, groups)
                continue
            outcome = self._save(where, obj, values, m2m=m2m, tags=r.get("tags") or [], unique=False)
            if outcome is None:
                continue
            if outcome in {"created", "updated"}:
                self.reindex_case_studies.add(obj.pk)
            for lwhere, link, framework in self._framework_links(where, r, frameworks):
                current = links.get((obj.pk, framework.pk))
                if current is not None and set(link) == {"framework"}:
                    # A CSV cell names the framework only; it keeps the notes the link already has.
                    link_values = {
                        "customisation": current.customisation,
                        "citizen_group": current.citizen_group,
                        "effort": current.effort,
                    }
                else:
                    link_values = self._link_notes(lwhere, link, groups)
                link_outcome = self._save(
                    lwhere,
                    current or FrameworkLink(case_study=obj, framework=framework),
                    link_values,
                    unique=False,
                    main=False,
                )
                if link_outcome in {"created", "updated"}:
                    self.reindex_case_studies.add(obj.pk)
        self._create_case_studies()
        if self.progress and total:
            self.progress(total, total)

    def _framework_links(self, where, record, frameworks):
        """The record's framework links as (where, link, framework); a link naming no known framework is reported."""
        for j, link in enumerate(_as_list(record.get("frameworks"))):
            lwhere = f"{where} frameworks[{j}]"
            if isinstance(link, str):
                link = {"framework": link}
            if not isinstance(link, dict):
                self._error(lwhere, "each framework link must be an object with a 'framework' slug.")
                continue
            framework = self._ref(lwhere, frameworks, link.get("framework"), "framework")
            if framework is not None:
                yield lwhere, link, framework

    def _link_notes(self, where, link, groups) -> dict[str, Any]:
        """What a framework link in a record says about the implementation: customisation, citizen group, effort."""
        return {
            "customisation": link.get("customisation") or "",
            "citizen_group": self._ref(where, groups, link.get("citizen_group"), "citizen group", required=False),
            "effort": link.get("effort") or "",
        }

    # New case studies are checked one by one but saved in batches, with their
    # history, relations, tags and links: one row at a time, a 10,000-row file
    # took minutes.
    def _defer_new_case_study(self, where, obj, values, m2m, record, frameworks, groups) -> None:
        for name, value in values.items():
            setattr(obj, name, value)
        try:
            # Foreign keys came from the lookups, so they need no query to check.
            obj.full_clean(exclude=["lead_council", "primary_silo"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self._error(where, f"{'record' if name == '__all__' else name}: {message}")
            return
        links = []
        for lwhere, link, framework in self._framework_links(where, record, frameworks):
            new_link = FrameworkLink(framework=framework, **self._link_notes(lwhere, link, groups))
            try:
                new_link.full_clean(exclude=["case_study", "framework", "citizen_group"], validate_unique=False)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        self._error(lwhere, f"{name}: {message}")
                continue
            links.append(new_link)
        tags = sorted({str(t).strip().lower() for t in _as_list(record.get("tags")) if str(t).strip()})
        self._pending.append((self._row, where, obj, m2m, tags, links))
        self._note("created", main=True)

    def _create_case_studies(self) -> None:
        from django.db import IntegrityError
        from simple_history.models import HistoricalRecords
        from taggit.models import Tag, TaggedItem

        pending, self._pending = self._pending, []
        # With problems found already nothing will be kept, so the rows are only
        # written to ask the database's rules, and rolled back batch by batch.
        check_only = bool(self.errors)
        saved = []
        for start in range(0, len(pending), 1000):
            batch = pending[start : start + 1000]
            try:
                with transaction.atomic():
                    CaseStudy.objects.bulk_create([item[2] for item in batch])
                    if check_only:
                        transaction.set_rollback(True)
            except IntegrityError:
                # Some row breaks a rule the database holds: find which, one by one.
                for row, where, obj, *_ in batch:
                    self._row = row
                    for problem in _check_constraint_errors(obj) or ["this record could not be saved."]:
                        self._error(where, f"record: {problem}")
                continue
            saved.extend(batch)
        if not saved or check_only:
            return
        objs = [item[2] for item in saved]
        history = CaseStudy.history.bulk_history_create(
            objs, default_user=self.by, default_change_reason="Imported", batch_size=1000
        )
        for name in ("partner_councils", "other_silos", "citizen_groups"):
            field = CaseStudy._meta.get_field(name)
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            rows = [through(**{source: obj, target: related}) for _, _, obj, m2m, *_ in saved for related in m2m[name]]
            rows = through.objects.bulk_create(rows, batch_size=2000)
            history_model = HistoricalRecords.m2m_models.get(field)
            if history_model is not None and rows:
                by_case_study = {record.id: record for record in history}
                names = [f.name for f in through._meta.fields]
                history_model.objects.bulk_create(
                    [
                        history_model(
                            history=by_case_study[getattr(row, source + "_id")], **{n: getattr(row, n) for n in names}
                        )
                        for row in rows
                    ],
                    batch_size=2000,
                )
        wanted = {name for *_, tags, _ in saved for name in tags}
        tags_by_name = {tag.name.lower(): tag for tag in Tag.objects.filter(name__in=wanted)}
        known_lower = (
            {tag.name.lower() for tag in Tag.objects.all().only("name")} if wanted - set(tags_by_name) else set()
        )
        for name in sorted(wanted - set(tags_by_name)):
            if name in known_lower:  # the same tag with other capitals
                tags_by_name[name] = Tag.objects.get(name__iexact=name)
                continue
            tags_by_name[name] = Tag.objects.create(name=name, slug=tag_slug_available(name))
        content_type = ContentType.objects.get_for_model(CaseStudy)
        TaggedItem.objects.bulk_create(
            [
                TaggedItem(content_type=content_type, object_id=obj.pk, tag=tags_by_name[name])
                for _, _, obj, _, tags, _ in saved
                for name in tags
            ],
            batch_size=2000,
        )
        links = []
        for _, _, obj, _, _, new_links in saved:
            for link in new_links:
                link.case_study = obj
                links.append(link)
        if links:
            FrameworkLink.objects.bulk_create(links, batch_size=2000)
            FrameworkLink.history.bulk_history_create(
                links, default_user=self.by, default_change_reason="Imported", batch_size=1000
            )
        for _ in objs:
            self.result.count("created")
        for _ in links:
            self.result.count("created")
        self.reindex_case_studies.update(obj.pk for obj in objs)

    def framework_origins(self, records):
        case_studies = self._lookup(CaseStudy)
        for i, r in enumerate(records):
            if not r.get("generalised_from"):
                continue
            where = f"frameworks[{i}] {r.get('slug')!r}"
            self._row = next((row for row in self.rows if row.section == "frameworks" and row.index == i), None)
            origin = self._ref(where, case_studies, r["generalised_from"], "case study")
            framework = Framework.objects.filter(slug=r.get("slug")).first()
            if origin and framework and framework.generalised_from_id != origin.pk:
                framework.generalised_from = origin
                framework._change_reason = "Imported"
                framework.save(update_fields=["generalised_from", "updated_at"])
                self._note("updated", main=False)

    def adoptions(self, records):
        councils, silos = self._councils(), self._silos()
        case_studies, frameworks = self._lookup(CaseStudy), self._lookup(Framework)
        seen: dict = {}
        for i, r in enumerate(records):
            where = self._start("adoptions", i, r, key=None)
            council = self._ref(where, councils, r.get("council"), "council")
            case_study = self._ref(where, case_studies, r.get("case_study"), "case study", required=False)
            framework = self._ref(where, frameworks, r.get("framework"), "framework", required=False)
            silo = self._ref(where, silos, r.get("silo"), "silo")
            if council is None or silo is None:
                continue
            if (case_study is None) == (framework is None):
                self._error(where, "give exactly one of case_study or framework.")
                continue
            if self._duplicate(
                where, seen, (council.pk, getattr(case_study, "pk", None), getattr(framework, "pk", None))
            ):
                continue
            self._row.title = f"{council} reused {case_study or framework}"
            existing = Adoption.objects.filter(council=council, case_study=case_study, framework=framework).first()
            self._save(
                where,
                existing or Adoption(council=council, case_study=case_study, framework=framework),
                {
                    "silo": silo,
                    "status": r.get("status") or Adoption.Status.LIVE,
                    "what_changed": r.get("what_changed") or "",
                    "effort": r.get("effort") or "",
                    "outcome": r.get("outcome") or "",
                },
                unique=False,
            )

    def _date(self, where: str, value) -> datetime.date | None:
        if value in (None, ""):
            return None
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self._error(where, f"'{value}' is not a date like 2025-03-31.")
            return None


def _as_list(value) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class _DryRun(Exception):
    """Raised inside the import's transaction to roll a preview back."""


def practices_import(
    data: dict[str, list[dict]],
    *,
    by=None,
    tabular: bool = False,
    new_status: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Create or update everything in data; raise ImportRejected, saving nothing, on any problem.

    ``new_status`` (uploads by curators) sets the status of items new to the
    portal, such as "draft"; items already here keep theirs. ``dry_run`` does
    everything and then rolls it back, so the result (with ``rows``) is a preview.
    """
    importer = _Importer(by=by, tabular=tabular, new_status=new_status, progress=progress)
    shape_errors = []
    for section in SECTIONS:
        records = data.get(section) or []
        if not isinstance(records, list):
            shape_errors.append(f"'{section}' must be a list.")
            continue
        shape_errors.extend(
            f"{section}[{i}]: each record must be an object." for i, r in enumerate(records) if not isinstance(r, dict)
        )
    if shape_errors:
        raise ImportRejected(shape_errors)
    try:
        with transaction.atomic():
            for section in SECTIONS:
                getattr(importer, section)(data.get(section) or [])
                if section == "case_studies":
                    importer.framework_origins(data.get("frameworks") or [])
            importer.result.rows = importer.rows
            if importer.errors:
                raise ImportRejected(importer.errors, rows=importer.rows)
            if dry_run:
                raise _DryRun
            search_index_update(
                case_study_ids=sorted(importer.reindex_case_studies),
                framework_ids=sorted(importer.reindex_frameworks),
            )
            if importer.result.created or importer.result.updated:
                discovery_stats_mark_stale()
    except _DryRun:
        pass
    return importer.result


def practices_import_preview(data: dict[str, list[dict]], **options) -> ImportResult:
    """What importing data would do, row by row, saving nothing. Problems are in the rows, not raised."""
    try:
        return practices_import(data, dry_run=True, **options)
    except ImportRejected as rejected:
        result = ImportResult(rows=rejected.rows)
        for row in rejected.rows:
            if row.outcome in ("created", "updated", "unchanged"):
                result.count(row.outcome)
        if not rejected.rows:
            raise
        return result
