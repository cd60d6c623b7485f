"""The framework lifecycle: create, edit (refusing stale edits), publish, archive and restore an earlier version.

Each service is one transaction that writes one history entry, bumps
``version``, re-indexes the framework for search and marks the discovery
summaries stale (the worker recounts them after commit).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from portal.audit import Action, audit_record
from practices.models import CaseStudy, Framework
from practices.services.discovery_stats import discovery_stats_mark_stale
from practices.services.editing import (
    Content,
    EditError,
    SavedEdit,
    content_apply,
    item_lock,
    item_restore,
    search_index_update_item,
    unique_slug,
)
from practices.services.workflow import WorkflowError, change_reason

Status = Framework.Status

# Which status a framework may move to from each status. An archived framework
# can be published again; nothing goes back to draft once the public has seen it.
FRAMEWORK_TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.PUBLISHED},
    Status.PUBLISHED: {Status.ARCHIVED},
    Status.ARCHIVED: {Status.PUBLISHED},
}
REVIEW_AFTER = datetime.timedelta(days=365)


def _require_summary_if_published(framework: Framework, content: Content) -> None:
    if framework.status == Status.PUBLISHED and not (content.fields.get("summary") or "").strip():
        raise EditError("A published framework needs a summary. Add one, or archive the framework first.")


@transaction.atomic
def framework_create(
    *,
    by,
    content: Content,
    slug: str = "",
    generalised_from: CaseStudy | None = None,
    reason: str = "Started as a draft",
) -> Framework:
    """A new draft framework; only curators see it until it is published."""
    slug = slug.strip() or unique_slug(Framework, content.fields.get("title", ""))
    if Framework.objects.filter(slug=slug).exists():
        raise EditError(f"A framework with the web address “{slug}” already exists. Choose another.")
    framework = Framework(slug=slug, status=Status.DRAFT, generalised_from=generalised_from)
    content_apply(framework, content, by=by, reason=reason, creating=True)
    discovery_stats_mark_stale()
    return framework


@transaction.atomic
def framework_update(*, framework: Framework, by, content: Content, expected_version: int) -> SavedEdit:
    """Save an edit made from ``expected_version``; a published framework stays published.

    Raises EditConflict, changing nothing, if someone saved in between.
    """
    current = item_lock(framework, expected_version=expected_version)
    _require_summary_if_published(current, content)
    reason = "Edited while published: {changes}" if current.status == Status.PUBLISHED else "Changed {changes}"
    changed = content_apply(current, content, by=by, reason=reason)
    if changed:
        discovery_stats_mark_stale()
    return SavedEdit(current, changed)


@transaction.atomic
def framework_transition(*, framework: Framework, to_status: str, by, reason: str = "") -> Framework:
    """Move a framework along its lifecycle, or raise WorkflowError."""
    current = Framework.objects.select_for_update().get(pk=framework.pk)
    if to_status not in FRAMEWORK_TRANSITIONS[current.status]:
        raise WorkflowError(
            f"A framework that is {current.get_status_display().lower()} "
            f"cannot be moved to {Status(to_status).label.lower()}."
        )
    if to_status == Status.PUBLISHED:
        if not current.summary.strip():
            raise WorkflowError("Add a summary before publishing the framework.")
        if current.review_by is None:
            current.review_by = timezone.localdate() + REVIEW_AFTER
    current.status = to_status
    current.version += 1
    current._history_user = by
    current._change_reason = change_reason(reason or f"Status changed to {current.get_status_display().lower()}")
    current.save()
    if to_status == Status.PUBLISHED:
        audit_record(action=Action.PUBLISHED, actor=by, target=current.title, target_url=current.get_absolute_url())
    # Publishing adds it to search; archiving takes it out. Its silo counts follow.
    search_index_update_item(current)
    discovery_stats_mark_stale()
    return current


def framework_publish(*, framework: Framework, by) -> Framework:
    return framework_transition(framework=framework, to_status=Status.PUBLISHED, by=by)


def framework_archive(*, framework: Framework, by) -> Framework:
    return framework_transition(framework=framework, to_status=Status.ARCHIVED, by=by)


@transaction.atomic
def framework_restore(*, framework: Framework, history_id: int, by, expected_version: int) -> Framework:
    """Make an earlier version's content current again, as a new version; its status does not change."""
    restored = item_restore(
        item=framework,
        history_id=history_id,
        by=by,
        expected_version=expected_version,
        check=_require_summary_if_published,
    )
    discovery_stats_mark_stale()
    return restored
