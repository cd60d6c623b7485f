"""Facets: which ones there are, the values chosen in the URL, and the counts shown beside each value.

Facet counts are exact up to ``FACET_EXACT_LIMIT`` matches; beyond it the
statement (practices.selectors.search.sql) counts an evenly spread sample and
they are scaled up and shown as "about". Totals estimated beyond the candidate
limit are rounded by ``approximate_total``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection

from councils.models import CouncilKind, Region
from practices.models import FundingSource, SearchDocument

if TYPE_CHECKING:
    from .results import SearchRequest

# Facet counts are exact up to this many matches; beyond it they are estimated
# from an evenly spread sample of this size and shown as "about".
FACET_EXACT_LIMIT = 1_500


@dataclass(frozen=True)
class FacetSpec:
    key: str  # the URL parameter
    label: str
    column: str
    array: bool = False
    table: str = ""  # where labels and slugs of id-valued facets live
    label_column: str = "name"
    choices: tuple[tuple[str, str], ...] = ()
    shown: int = 0  # values listed before "and N more"; 0 lists all


FACETS: tuple[FacetSpec, ...] = (
    FacetSpec("type", "Type", "kind", choices=tuple(SearchDocument.Kind.choices)),
    FacetSpec("silo", "Service silo", "silo_ids", array=True, table="councils_servicesilo"),
    FacetSpec("kind", "Council kind", "council_kind", choices=tuple(CouncilKind.choices)),
    FacetSpec("region", "Region", "region", choices=tuple(Region.choices)),
    FacetSpec("tag", "Tag", "tag_ids", array=True, table="taggit_tag", shown=15),
    FacetSpec(
        "framework",
        "Framework",
        "framework_ids",
        array=True,
        table="practices_framework",
        label_column="title",
        shown=10,
    ),
    FacetSpec("group", "Citizen group", "citizen_group_ids", array=True, table="practices_citizengroup"),
    FacetSpec("funding", "Funding", "funding_source", choices=tuple(FundingSource.choices)),
    FacetSpec("year", "Year started", "year"),
)
FACETS_BY_KEY = {facet.key: facet for facet in FACETS}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    key: str
    label: str
    values: list[FacetValue]
    approximate: bool = False

    @property
    def selected_count(self) -> int:
        return sum(1 for value in self.values if value.selected)


@dataclass
class SelectedFilter:
    key: str
    facet_label: str
    value: str
    label: str
    remove_url: str = ""


def resolve_filters(request: SearchRequest) -> tuple[dict[str, list], dict[tuple[str, str], str], list[str]]:
    """Facet values from the URL as ids/values for SQL, their labels, and notices for unknown ones."""
    wanted: dict[str, list[str]] = {}
    keys = list(dict.fromkeys([*request.facet_keys, *request.fixed]))
    for key in keys:
        values = list(dict.fromkeys((request.fixed.get(key) or []) + (request.filters.get(key) or [])))
        if values:
            wanted[key] = values
    labels: dict[tuple[str, str], str] = {}
    ids: dict[tuple[str, str], str] = {}
    lookups = [(FACETS_BY_KEY[key], values) for key, values in wanted.items() if FACETS_BY_KEY[key].table]
    if lookups:
        parts, params = [], []
        for facet, values in lookups:
            status = " AND status = 'published'" if facet.table == "practices_framework" else ""
            parts.append(
                f"SELECT '{facet.key}', id::text, slug, {facet.label_column} FROM {facet.table} "
                f"WHERE slug = ANY(%s){status}"
            )
            params.append(values)
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for key, pk, slug, label in cursor.fetchall():
                ids[(key, slug)] = pk
                labels[(key, slug)] = label
    filters: dict[str, list] = {}
    notices = []
    for key, values in wanted.items():
        facet = FACETS_BY_KEY[key]
        kept = []
        for value in values:
            if facet.table:
                if (key, value) in ids:
                    kept.append(int(ids[(key, value)]))
                    continue
            elif facet.choices:
                label = dict(facet.choices).get(value)
                if label:
                    labels[(key, value)] = label
                    kept.append(value)
                    continue
            else:  # year
                labels[(key, value)] = value
                kept.append(int(value))
                continue
            notices.append(f"There is no {facet.label.lower()} called ‘{value}’, so that filter was left out.")
        if kept:
            filters[key] = kept
    # Keep the facet order fixed so filter bits line up with FACETS.
    ordered = {key: filters[key] for key in keys if key in filters}
    return ordered, labels, notices


def approximate_total(n: int) -> int:
    """An estimate rounded to two significant figures: 21,292 is "about 21,000"."""
    if n < 100:
        return n
    step = 10 ** (len(str(n)) - 2)
    return round(n / step) * step


def facets_counted(data: dict, request: SearchRequest, filters: dict, labels: dict) -> list[Facet]:
    """The facets to show from the statement's counts: scaled up when a sample was counted; chosen values always listed."""
    by_key: dict[str, list[dict]] = {}
    for row in data["facets"]:
        by_key.setdefault(row["facet"], []).append(row)
    approximate = data["facets_estimated"]
    selected_by_key = {key: {str(v) for v in request.filters.get(key, [])} for key in request.facet_keys}
    facets = []
    for key in request.facet_keys:
        if key in request.fixed:
            continue
        spec = FACETS_BY_KEY[key]
        choices = dict(spec.choices)
        values = []
        chosen = selected_by_key.get(key, set())
        for row in sorted(
            by_key.get(key, []), key=lambda r: (-r["n"], r["label"] or choices.get(r["value"]) or r["value"])
        ):
            value = row["slug"] or row["value"]
            label = row["label"] or choices.get(row["value"]) or row["value"]
            if spec.table and not row["slug"]:
                continue  # an unpublished framework, or a value removed since indexing
            count = round(row["n"])  # already scaled by the statement when a sample was counted
            values.append(FacetValue(value, label, count, value in chosen))
        shown = {v.value for v in values}
        for value in chosen - shown:
            if (key, value) in labels:
                values.append(FacetValue(value, labels[(key, value)], 0, True))
        if spec.shown:
            values = [v for i, v in enumerate(values) if i < spec.shown or v.selected]
        if key == "year":
            values.sort(key=lambda v: v.value, reverse=True)
        if values:
            facets.append(Facet(key, spec.label, values, approximate))
    return facets
