"""Writing versioned content (case studies and frameworks): start one, save an edit (refusing stale ones),
restore an earlier version.

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
from practices.models import (
    CASE_STUDY_CONTENT_FIELDS,
    CASE_STUDY_CONTENT_M2M,
    FRAMEWORK_CONTENT_FIELDS,
    FRAMEWORK_CONTENT_M2M,
    CaseStudy,
    Framework,
)
from practices.services.search_index import search_index_update
from practices.services.workflow import change_reason

# Each versioned model's related sets, with the name its historical m2m rows give the related object.
VERSIONED_M2M: dict[type, dict[str, str]] = {CaseStudy: CASE_STUDY_CONTENT_M2M, Framework: FRAMEWORK_CONTENT_M2M}
VERSIONED_FIELDS: dict[type, tuple[str, ...]] = {
    CaseStudy: CASE_STUDY_CONTENT_FIELDS,
    Framework: FRAMEWORK_CONTENT_FIELDS,
}


class EditConflict(Exception):
    """Someone saved the item after this edit started; the edit was not applied."""

    def __init__(self, current: CaseStudy | Framework):
        self.current = current
        super().__init__(f"Someone else saved this {current._meta.verbose_name} while you were editing it.")


class EditError(Exception):
    """The change cannot be made (for example, restoring a version of another item)."""


@dataclass
class SavedEdit:
    item: CaseStudy | Framework
    changed: list[str]  # labels of the fields that changed; empty if the edit changed nothing


@dataclass
class Content:
    """What a form produced: plain fields, related sets and tag names."""

    fields: dict[str, Any]
    m2m: dict[str, list] = field(default_factory=dict)
    tags: list[str] | None = None


# The name the submission form and its tests know it by.
CaseStudyContent = Content


def unique_slug(model: type[CaseStudy | Framework], title: str) -> str:
    """A web address from the title, numbered when another item of the same kind has it."""
    base = slugify(title).replace("_", "-")
    base = "-".join(part for part in base.split("-") if part)[:180] or slugify(model._meta.verbose_name)
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _field_label(name: str, model: type = CaseStudy) -> str:
    if name == "tags":
        return "tags"
    return str(model._meta.get_field(name).verbose_name)


def _m2m_ids(item, name: str) -> set[int]:
    return set(getattr(item, name).values_list("pk", flat=True))


def search_index_update_item(item: CaseStudy | Framework) -> None:
    """Re-index one case study or framework."""
    if isinstance(item, Framework):
        search_index_update(framework_ids=[item.pk])
    else:
        search_index_update(case_study_ids=[item.pk])


def content_apply(item, content: Content, *, by, reason: str, creating: bool = False) -> list[str]:
    """Write the content with one history entry and re-index; returns the labels of what changed."""
    changed = []
    for name, value in content.fields.items():
        if creating or getattr(item, name) != value:
            changed.append(name)
            setattr(item, name, value)
    new_m2m = {name: {obj.pk for obj in objs} for name, objs in content.m2m.items()}
    if not creating:
        changed += [name for name, ids in new_m2m.items() if ids != _m2m_ids(item, name)]
    old_tags = set() if creating else {tag.name for tag in item.tags.all()}
    tags_changed = content.tags is not None and set(content.tags) != old_tags
    if not creating and not changed and not tags_changed:
        return []
    if creating:
        # The first save only makes the row; the history entry comes below, with the related sets in it.
        item.save_without_historical_record()
    # Related sets first, without history of their own, so one entry records the whole edit.
    item.skip_history_when_saving = True
    try:
        for name, ids in new_m2m.items():
            getattr(item, name).set(ids)
    finally:
        del item.skip_history_when_saving
    if tags_changed:
        item.tags.set(content.tags)
        changed.append("tags")
    if not creating:
        item.version += 1
    item._history_user = by
    labels = ", ".join(_field_label(name, type(item)) for name in changed)
    item._change_reason = change_reason(reason.format(changes=labels) if "{changes}" in reason else reason)
    item.save()
    search_index_update_item(item)
    return [_field_label(name, type(item)) for name in changed]


@transaction.atomic
def case_study_create(*, council, by, content: CaseStudyContent) -> CaseStudy:
    """A new draft, written for the author's council."""
    case_study = CaseStudy(
        lead_council=council,
        created_by=by,
        status=CaseStudy.Status.DRAFT,
        slug=unique_slug(CaseStudy, content.fields.get("title", "")),
    )
    content_apply(case_study, content, by=by, reason="Started as a draft", creating=True)
    return case_study


@transaction.atomic
def case_study_update(*, case_study: CaseStudy, by, content: CaseStudyContent, expected_version: int) -> SavedEdit:
    """Save an edit made from ``expected_version``; a published case study stays published.

    Raises EditConflict, changing nothing, if the stored version has moved on.
    """
    current = item_lock(case_study, expected_version=expected_version)
    reason = "Edited while published: {changes}" if current.is_published else "Changed {changes}"
    return SavedEdit(current, content_apply(current, content, by=by, reason=reason))


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


def _history_prefetch(model: type) -> list[str]:
    prefix = f"historical{model._meta.model_name}"
    return [f"{prefix}_{name}_set__{target}" for name, target in VERSIONED_M2M[model].items()]


def content_from_history(record, model: type = CaseStudy) -> Content:
    """The content a history entry recorded (tags are not versioned, so they are left as they are)."""
    fields = {}
    for name in VERSIONED_FIELDS[model]:
        if model._meta.get_field(name).is_relation:
            fields[f"{name}_id"] = getattr(record, f"{name}_id")
        else:
            fields[name] = getattr(record, name)
    prefix = f"historical{model._meta.model_name}"
    m2m = {
        name: [getattr(row, target) for row in getattr(record, f"{prefix}_{name}_set").all()]
        for name, target in VERSIONED_M2M[model].items()
    }
    return Content(fields=fields, m2m=m2m, tags=None)


def case_study_content_from_history(record) -> Content:
    return content_from_history(record, CaseStudy)


def item_lock(item: CaseStudy | Framework, *, expected_version: int):
    """The stored row, locked for this transaction; EditConflict if it moved on from ``expected_version``."""
    current = type(item).objects.select_for_update().get(pk=item.pk)
    if current.version != expected_version:
        raise EditConflict(current)
    return current


def item_restore(*, item: CaseStudy | Framework, history_id: int, by, expected_version: int, check=None):
    """Make an earlier version's content current again (as a new version; nothing is deleted).

    ``check(current, content)`` may raise EditError before anything is written.
    Call inside a transaction.
    """
    model = type(item)
    current = item_lock(item, expected_version=expected_version)
    record = (
        model.history.filter(id=current.pk, history_id=history_id).prefetch_related(*_history_prefetch(model)).first()
    )
    if record is None:
        raise EditError(f"That version does not belong to this {model._meta.verbose_name}.")
    content = content_from_history(record, model)
    if check is not None:
        check(current, content)
    when = timezone.localtime(record.history_date).strftime("%-d %b %Y %H:%M")
    changed = content_apply(current, content, by=by, reason=f"Restored the version of {when}")
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


@transaction.atomic
def case_study_restore(*, case_study: CaseStudy, history_id: int, by, expected_version: int) -> CaseStudy:
    """Make an earlier version's content current again (as a new version; nothing is deleted)."""
    return item_restore(item=case_study, history_id=history_id, by=by, expected_version=expected_version)
