"""Import councils, silos, frameworks, case studies and adoptions from JSON or CSV.

The format is described in docs/import-format.md. Records are matched on their
slug (adoptions and links on their natural pair), so importing the same file
twice changes nothing. An import is all or nothing: every problem is reported
with the record it came from, and none of the file is saved if any is found.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from councils.models import Council, ServiceSilo
from practices.models import Adoption, CaseStudy, CitizenGroup, Framework, FrameworkLink
from practices.services.discovery_stats import discovery_stats_refresh
from practices.services.search_index import search_index_update

SECTIONS = ("councils", "silos", "citizen_groups", "frameworks", "case_studies", "adoptions")
CSV_LIST_SEPARATOR = ";"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class ImportRejected(Exception):
    """The file had problems; nothing from it was saved."""

    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.errors)} problem(s); nothing was imported:\n" + "\n".join(self.errors)


def parse_import_file(content: str, *, filename: str) -> dict[str, list[dict]]:
    """Turn the text of a .json or .csv file into import sections."""
    if filename.lower().endswith(".csv"):
        return {"case_studies": [_csv_row(row) for row in csv.DictReader(io.StringIO(content))]}
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise ImportRejected([f"The file is not valid JSON: {exc}"]) from exc
    if isinstance(data, list):
        return {"case_studies": data}
    if not isinstance(data, dict) or not set(data) <= set(SECTIONS):
        raise ImportRejected([f"A JSON import is a list of case studies or an object with keys {', '.join(SECTIONS)}."])
    return data


_CSV_LISTS = {"partner_councils", "other_silos", "citizen_groups", "lessons", "things_to_avoid", "tags", "frameworks"}


def _csv_row(row: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        value = (value or "").strip()
        if key in _CSV_LISTS:
            record[key] = [part.strip() for part in value.split(CSV_LIST_SEPARATOR) if part.strip()]
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


class _Importer:
    def __init__(self, by=None):
        self.by = by
        self.result = ImportResult()
        self.errors: list[str] = []
        self.reindex_case_studies: set[int] = set()
        self.reindex_frameworks: set[int] = set()

    # Lookups by slug, refreshed as sections are saved.
    def _lookup(self, model) -> dict[str, models.Model]:
        return {obj.slug: obj for obj in model.objects.all()}

    def _ref(self, where: str, table: dict, slug, label: str, *, required=True):
        if slug in (None, ""):
            if required:
                self.errors.append(f"{where}: {label} is required.")
            return None
        obj = table.get(slug)
        if obj is None:
            self.errors.append(f"{where}: unknown {label} '{slug}'.")
        return obj

    def _refs(self, where: str, table: dict, slugs, label: str) -> list:
        found = [self._ref(where, table, slug, label) for slug in (slugs or [])]
        return [obj for obj in found if obj is not None]

    def _save(self, where: str, obj: models.Model, values: dict, *, m2m=None, tags=None) -> str | None:
        """Apply values to obj; save only what differs. Returns the outcome, or None on error."""
        creating = obj.pk is None
        changed = [name for name, value in values.items() if _stored(obj, name) != _stored_form(obj, name, value)]
        for name in changed:
            setattr(obj, name, values[name])
        try:
            obj.full_clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                label = "record" if name == "__all__" else name
                self.errors.extend(f"{where}: {label}: {message}" for message in messages)
            return None
        if creating or changed:
            if self.by is not None:
                obj._history_user = self.by
            obj._change_reason = "Imported"
            obj.save()
        outcome = "created" if creating else ("updated" if changed else "unchanged")
        for name, targets in (m2m or {}).items():
            manager = getattr(obj, name)
            if set(manager.values_list("pk", flat=True)) != {t.pk for t in targets}:
                manager.set(targets)
                outcome = "updated" if outcome == "unchanged" else outcome
        if tags is not None:
            wanted = sorted({t.strip().lower() for t in tags if t.strip()})
            if sorted(t.lower() for t in obj.tags.names()) != wanted:
                obj.tags.set(wanted, clear=True)
                outcome = "updated" if outcome == "unchanged" else outcome
        self.result.count(outcome)
        return outcome

    def _by_slug(self, model, record: dict) -> models.Model:
        return model.objects.filter(slug=record.get("slug") or "").first() or model(slug=record.get("slug") or "")

    def councils(self, records):
        fields = ["name", "gss_code", "kind", "nation", "region", "website", "email_domains"]
        for i, r in enumerate(records):
            values = {f: r.get(f, "") for f in fields}
            values["gss_code"] = values["gss_code"] or None
            values["email_domains"] = [d.lower() for d in (r.get("email_domains") or [])]
            self._save(f"councils[{i}] {r.get('slug')!r}", self._by_slug(Council, r), values)

    def silos(self, records):
        for i, r in enumerate(records):
            values = {"name": r.get("name", ""), "description": r.get("description", "")}
            self._save(f"silos[{i}] {r.get('slug')!r}", self._by_slug(ServiceSilo, r), values)

    def citizen_groups(self, records):
        for i, r in enumerate(records):
            self._save(
                f"citizen_groups[{i}] {r.get('slug')!r}", self._by_slug(CitizenGroup, r), {"name": r.get("name", "")}
            )

    def frameworks(self, records):
        silos = self._lookup(ServiceSilo)
        for i, r in enumerate(records):
            where = f"frameworks[{i}] {r.get('slug')!r}"
            values = {f: r.get(f) or "" for f in ("title", "summary", "reusable_core", "what_varies", "pitfalls")}
            values["status"] = r.get("status") or Framework.Status.PUBLISHED
            values["review_by"] = self._date(where, r.get("review_by"))
            obj = self._by_slug(Framework, r)
            outcome = self._save(
                where,
                obj,
                values,
                m2m={"silos": self._refs(where, silos, r.get("silos"), "silo")},
                tags=r.get("tags", []),
            )
            if outcome in {"created", "updated"}:
                self.reindex_frameworks.add(obj.pk)

    def case_studies(self, records):
        councils, silos = self._lookup(Council), self._lookup(ServiceSilo)
        groups, frameworks = self._lookup(CitizenGroup), self._lookup(Framework)
        text_fields = (
            "title",
            "partner_agencies",
            "summary",
            "problem",
            "approach",
            "outcomes",
            "cost_band",
            "funding_source",
            "contact_name",
            "contact_email",
        )
        for i, r in enumerate(records):
            where = f"case_studies[{i}] {r.get('slug')!r}"
            values: dict[str, Any] = {f: r.get(f) or "" for f in text_fields}
            values.update(
                lead_council=self._ref(where, councils, r.get("lead_council"), "lead council", required=False),
                primary_silo=self._ref(where, silos, r.get("primary_silo"), "primary silo"),
                start_year=r.get("start_year"),
                end_year=r.get("end_year"),
                lessons=[str(x) for x in r.get("lessons") or []],
                things_to_avoid=[str(x) for x in r.get("things_to_avoid") or []],
                hosts_visits=bool(r.get("hosts_visits")),
                status=r.get("status") or CaseStudy.Status.PUBLISHED,
                review_by=self._date(where, r.get("review_by")),
            )
            published = self._date(where, r.get("published_at"))
            if published is None and values["status"] == CaseStudy.Status.PUBLISHED:
                published = timezone.localdate()
            values["published_at"] = (
                datetime.datetime.combine(published, datetime.time(12), tzinfo=timezone.get_current_timezone())
                if published
                else None
            )
            if values["primary_silo"] is None:
                continue
            obj = self._by_slug(CaseStudy, r)
            m2m = {
                "partner_councils": self._refs(where, councils, r.get("partner_councils"), "partner council"),
                "other_silos": self._refs(where, silos, r.get("other_silos"), "silo"),
                "citizen_groups": self._refs(where, groups, r.get("citizen_groups"), "citizen group"),
            }
            outcome = self._save(where, obj, values, m2m=m2m, tags=r.get("tags", []))
            if outcome is None:
                continue
            if outcome in {"created", "updated"}:
                self.reindex_case_studies.add(obj.pk)
            for j, link in enumerate(r.get("frameworks") or []):
                lwhere = f"{where} frameworks[{j}]"
                framework = self._ref(lwhere, frameworks, link.get("framework"), "framework")
                if framework is None:
                    continue
                existing = FrameworkLink.objects.filter(case_study=obj, framework=framework).first()
                self._save(
                    lwhere,
                    existing or FrameworkLink(case_study=obj, framework=framework),
                    {
                        "customisation": link.get("customisation") or "",
                        "citizen_group": self._ref(
                            lwhere, groups, link.get("citizen_group"), "citizen group", required=False
                        ),
                        "effort": link.get("effort") or "",
                    },
                )

    def framework_origins(self, records):
        case_studies = self._lookup(CaseStudy)
        for i, r in enumerate(records):
            if not r.get("generalised_from"):
                continue
            where = f"frameworks[{i}] {r.get('slug')!r}"
            origin = self._ref(where, case_studies, r["generalised_from"], "case study")
            framework = Framework.objects.filter(slug=r.get("slug")).first()
            if origin and framework and framework.generalised_from_id != origin.pk:
                framework.generalised_from = origin
                framework._change_reason = "Imported"
                framework.save(update_fields=["generalised_from", "updated_at"])

    def adoptions(self, records):
        councils, silos = self._lookup(Council), self._lookup(ServiceSilo)
        case_studies, frameworks = self._lookup(CaseStudy), self._lookup(Framework)
        for i, r in enumerate(records):
            where = f"adoptions[{i}]"
            council = self._ref(where, councils, r.get("council"), "council")
            case_study = self._ref(where, case_studies, r.get("case_study"), "case study", required=False)
            framework = self._ref(where, frameworks, r.get("framework"), "framework", required=False)
            silo = self._ref(where, silos, r.get("silo"), "silo")
            if council is None or silo is None:
                continue
            if (case_study is None) == (framework is None):
                self.errors.append(f"{where}: give exactly one of case_study or framework.")
                continue
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
            )

    def _date(self, where: str, value) -> datetime.date | None:
        if value in (None, ""):
            return None
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.errors.append(f"{where}: '{value}' is not a date like 2025-03-31.")
            return None


def practices_import(data: dict[str, list[dict]], *, by=None) -> ImportResult:
    """Create or update everything in data; raise ImportRejected, saving nothing, on any problem."""
    importer = _Importer(by=by)
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
    with transaction.atomic():
        for section in SECTIONS:
            getattr(importer, section)(data.get(section) or [])
            if section == "case_studies":
                importer.framework_origins(data.get("frameworks") or [])
        if importer.errors:
            raise ImportRejected(importer.errors)
        search_index_update(
            case_study_ids=sorted(importer.reindex_case_studies),
            framework_ids=sorted(importer.reindex_frameworks),
        )
        if importer.result.created or importer.result.updated:
            discovery_stats_refresh()
    return importer.result
