"""Reads: the history of a case study or framework, one page at a time, each entry with what it changed."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Q, Subquery

from practices.models import (
    CASE_STUDY_CONTENT_FIELDS,
    CASE_STUDY_CONTENT_M2M,
    FRAMEWORK_CONTENT_FIELDS,
    FRAMEWORK_CONTENT_M2M,
    CaseStudy,
    Framework,
)

# Fields shown on the history page, in page order; the rest (dates, version) change on every save.
HISTORY_FIELDS: dict[type, tuple[str, ...]] = {
    CaseStudy: ("status", *CASE_STUDY_CONTENT_FIELDS),
    Framework: ("status", *FRAMEWORK_CONTENT_FIELDS),
}
HISTORY_M2M: dict[type, dict[str, str]] = {CaseStudy: CASE_STUDY_CONTENT_M2M, Framework: FRAMEWORK_CONTENT_M2M}


@dataclass
class HistoryChange:
    label: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    record: object  # the simple_history record
    changes: list[HistoryChange]
    is_current: bool


def _history_value(model: type, record, name: str) -> str:
    m2m = HISTORY_M2M[model]
    if name in m2m:
        rows = getattr(record, f"historical{model._meta.model_name}_{name}_set").all()
        return ", ".join(sorted(str(getattr(row, m2m[name])) for row in rows))
    if model._meta.get_field(name).is_relation:
        return str(getattr(record, name)) if getattr(record, f"{name}_id") else ""
    value = getattr(record, name)
    if isinstance(value, list):
        return "\n".join(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    display = getattr(record, f"get_{name}_display", None)
    if display and value:
        return str(display())
    return "" if value is None else str(value)


def _history_label(model: type, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def item_history(item: CaseStudy | Framework, *, page: int = 1, per_page: int = 20):
    """One page of a case study's or framework's history, newest first, each entry with what it changed.

    Returns (entries, paginator page). Each entry is compared with the one
    before it; the query count is fixed whatever the length of the history.
    """
    model = type(item)
    relations = [name for name in HISTORY_FIELDS[model] if model._meta.get_field(name).is_relation]
    records = (
        model.history.filter(id=item.pk)
        .select_related("history_user", *relations)
        .order_by("-history_date", "-history_id")
    )
    paginator = Paginator(records.values_list("history_id", flat=True), per_page)
    page_obj = paginator.get_page(page)
    ids = list(page_obj.object_list)
    if not ids:
        return [], page_obj
    # One more than the page, so the oldest entry on it can be compared too.
    older = records.filter(
        Q(history_date__lt=Subquery(records.filter(history_id=ids[-1]).values("history_date")[:1]))
    ).values_list("history_id", flat=True)[:1]
    wanted = ids + list(older)
    prefix = f"historical{model._meta.model_name}"
    rows = list(
        records.filter(history_id__in=wanted).prefetch_related(
            *(f"{prefix}_{name}_set__{target}" for name, target in HISTORY_M2M[model].items())
        )
    )
    names = list(HISTORY_FIELDS[model]) + list(HISTORY_M2M[model])
    entries = []
    latest_id = records.values_list("history_id", flat=True).first() if page_obj.number != 1 else ids[0]
    for index, record in enumerate(rows[: len(ids)]):
        previous = rows[index + 1] if index + 1 < len(rows) else None
        changes = []
        for name in names:
            after = _history_value(model, record, name)
            before = _history_value(model, previous, name) if previous else ""
            if previous is None and not after:
                continue
            if before != after:
                changes.append(HistoryChange(_history_label(model, name), before, after))
        entries.append(HistoryEntry(record=record, changes=changes, is_current=record.history_id == latest_id))
    return entries, page_obj
