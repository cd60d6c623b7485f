"""Writing case studies: start a draft, save an edit (refusing stale ones), restore an earlier version.

Every save here makes exactly one history entry, with who made it and a
reason listing what changed, and bumps ``version``. An edit carries the
version it started from; if someone saved in between, the edit is refused
with ``EditConflict`` so nobody's work is silently overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from portal.audit import Action, audit_record
from practices.models import CASE_STUDY_CONTENT_FIELDS, CaseStudy
from practices.services.search_index import search_index_update
from practices.services.workflow import change_reason

CONTENT_FIELDS = CASE_STUDY_CONTENT_FIELDS
M2M_FIELDS = ("partner_councils", "other_silos", "citizen_groups")
# The historical m2m rows name the related object after its model.
_M2M_TARGET = {"partner_councils": "council", "other_silos": "servicesilo", "citizen_groups": "citizengroup"}


class EditConflict(Exception):
    """Someone saved the case study after this edit started; the edit was not applied."""

    def __init__(self, current: CaseStudy):
        self.current = current
        super().__init__("Someone else saved this case study while you were editing it.")


class EditError(Exception):
    """The change cannot be made (for example, restoring a version of another case study)."""


@dataclass
class SavedEdit:
    case_study: CaseStudy
    changed: list[str]  # labels of the fields that changed; empty if the edit changed nothing


@dataclass
class CaseStudyContent:
    """What the submission form produced: plain fields, related sets and tag names."""

    fields: dict[str, Any]
    m2m: dict[str, list] = field(default_factory=dict)
    tags: list[str] | None = None


def _unique_slug(title: str) -> str:
    base = slugify(title).replace("_", "-")
    base = "-".join(part for part in base.split("-") if part)[:180] or "case-study"
    taken = set(CaseStudy.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _field_label(name: str) -> str:
    if name == "tags":
        return "tags"
    return str(CaseStudy._meta.get_field(name).verbose_name)


def _m2m_ids(case_study: CaseStudy, name: str) -> set[int]:
    return set(getattr(case_study, name).values_list("pk", flat=True))


def _apply(case_study: CaseStudy, content: CaseStudyContent, *, by, reason: str, creating: bool = False) -> list[str]:
    """Write the content with one history entry; returns the labels of what changed."""
    changed = []
    for name, value in content.fields.items():
        if creating or getattr(case_study, name) != value:
            changed.append(name)
            setattr(case_study, name, value)
    new_m2m = {name: {obj.pk for obj in objs} for name, objs in content.m2m.items()}
    if not creating:
        changed += [name for name, ids in new_m2m.items() if ids != _m2m_ids(case_study, name)]
    old_tags = set() if creating else {tag.name for tag in case_study.tags.all()}
    tags_changed = content.tags is not None and set(content.tags) != old_tags
    if not creating and not changed and not tags_changed:
        return []
    if creating:
        # The first save only makes the row; the history entry comes below, with the related sets in it.
        case_study.save_without_historical_record()
    # Related sets first, without history of their own, so one entry records the whole edit.
    case_study.skip_history_when_saving = True
    try:
        for name, ids in new_m2m.items():
            getattr(case_study, name).set(ids)
    finally:
        del case_study.skip_history_when_saving
    if tags_changed:
        case_study.tags.set(content.tags)
        changed.append("tags")
    if not creating:
        case_study.version += 1
    case_study._history_user = by
    labels = ", ".join(_field_label(name) for name in changed)
    case_study._change_reason = change_reason(reason.format(changes=labels) if "{changes}" in reason else reason)
    case_study.save()
    search_index_update(case_study_ids=[case_study.pk])
    return [_field_label(name) for name in changed]


@transaction.atomic
def case_study_create(*, council, by, content: CaseStudyContent) -> CaseStudy:
    """A new draft, written for the author's council."""
    case_study = CaseStudy(
        lead_council=council,
        created_by=by,
        status=CaseStudy.Status.DRAFT,
        slug=_unique_slug(content.fields.get("title", "")),
    )
    _apply(case_study, content, by=by, reason="Started as a draft", creating=True)
    return case_study


@transaction.atomic
def case_study_update(*, case_study: CaseStudy, by, content: CaseStudyContent, expected_version: int) -> SavedEdit:
    """Save an edit made from ``expected_version``; a published case study stays published.

    Raises EditConflict, changing nothing, if the stored version has moved on.
    """
    current = CaseStudy.objects.select_for_update().get(pk=case_study.pk)
    if current.version != expected_version:
        raise EditConflict(current)
    reason = "Edited while published: {changes}" if current.is_published else "Changed {changes}"
    return SavedEdit(current, _apply(current, content, by=by, reason=reason))


@transaction.atomic
def case_study_keep_refused_edit(*, case_study: CaseStudy, by, content: CaseStudyContent, based_on_version: int):
    """Store an edit that EditConflict refused, so both versions survive even if the author walks away."""
    from practices.models import RefusedEdit

    def as_text(value) -> str:
        if isinstance(value, list | tuple):
            return "; ".join(str(item) for item in value)
        return "" if value is None else str(value)

    kept = {_field_label(name): as_text(value) for name, value in content.fields.items()}
    kept.update({_field_label(name): as_text(objs) for name, objs in content.m2m.items()})
    if content.tags is not None:
        kept["Tags"] = as_text(sorted(content.tags))
    return RefusedEdit.objects.create(case_study=case_study, author=by, based_on_version=based_on_version, content=kept)


def case_study_content_from_history(record) -> CaseStudyContent:
    """The content a history entry recorded (tags are not versioned, so they are left as they are)."""
    fields = {name: getattr(record, name) for name in CONTENT_FIELDS if name != "primary_silo"}
    fields["primary_silo_id"] = record.primary_silo_id
    m2m = {
        name: [getattr(row, _M2M_TARGET[name]) for row in getattr(record, f"historicalcasestudy_{name}_set").all()]
        for name in M2M_FIELDS
    }
    return CaseStudyContent(fields=fields, m2m=m2m, tags=None)


@transaction.atomic
def case_study_restore(*, case_study: CaseStudy, history_id: int, by, expected_version: int) -> CaseStudy:
    """Make an earlier version's content current again (as a new version; nothing is deleted)."""
    current = CaseStudy.objects.select_for_update().get(pk=case_study.pk)
    if current.version != expected_version:
        raise EditConflict(current)
    record = (
        CaseStudy.history.filter(id=current.pk, history_id=history_id)
        .prefetch_related(
            "historicalcasestudy_partner_councils_set__council",
            "historicalcasestudy_other_silos_set__servicesilo",
            "historicalcasestudy_citizen_groups_set__citizengroup",
        )
        .first()
    )
    if record is None:
        raise EditError("That version does not belong to this case study.")
    content = case_study_content_from_history(record)
    when = timezone.localtime(record.history_date).strftime("%-d %b %Y %H:%M")
    changed = _apply(current, content, by=by, reason=f"Restored the version of {when}")
    if not changed:
        raise EditError("That version is the same as the current one: there is nothing to restore.")
    audit_record(
        action=Action.RESTORED,
        actor=by,
        target=current.title,
        target_url=current.get_absolute_url(),
        detail=f"The version of {when}; changed: {', '.join(changed)}",
    )
    return current
