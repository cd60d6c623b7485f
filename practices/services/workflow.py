"""The case study workflow: draft, submitted, returned, published, archived."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from portal.audit import Action, audit_record
from practices.models import CaseStudy, ReviewNote
from practices.services.discovery_stats import discovery_stats_mark_stale
from practices.services.search_index import search_index_update

Status = CaseStudy.Status

# Which status a case study may move to from each status.
CASE_STUDY_TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.PUBLISHED, Status.RETURNED},
    Status.RETURNED: {Status.SUBMITTED},
    Status.PUBLISHED: {Status.ARCHIVED},
    Status.ARCHIVED: {Status.PUBLISHED},
}


class WorkflowError(Exception):
    """A case study cannot move to the status asked for."""


# Answers a case study must have before curators see it, with the message for
# each. The web form, the importer and the shell all submit through
# case_study_transition, so they all apply this one rule.
REQUIRED_FOR_REVIEW = {
    "summary": "Enter a summary",
    "problem": "Describe the problem you set out to solve",
    "approach": "Describe what you did",
    "outcomes": "Describe the outcomes, with figures if you have them",
    "start_year": "Enter the year the work started",
    "contact_email": "Enter an email address other councils can contact",
}


def case_study_review_problems(case_study: CaseStudy) -> list[tuple[str, str]]:
    """(field name, message) for each answer a case study still needs before it can go for review."""
    return [(name, message) for name, message in REQUIRED_FOR_REVIEW.items() if not getattr(case_study, name)]


# simple_history keeps the reason in a 100-character column; longer texts (a
# curator's full comment) live in their own table and the history shows the start.
CHANGE_REASON_LENGTH = 100


def change_reason(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= CHANGE_REASON_LENGTH:
        return text
    return text[: CHANGE_REASON_LENGTH - 1].rstrip() + "…"


@transaction.atomic
def case_study_transition(*, case_study: CaseStudy, to_status: str, by=None, reason: str = "") -> CaseStudy:
    """Move a case study along its workflow, or raise WorkflowError."""
    case_study = CaseStudy.objects.select_for_update().get(pk=case_study.pk)
    from_status = case_study.status
    if to_status not in CASE_STUDY_TRANSITIONS[case_study.status]:
        raise WorkflowError(
            f"A case study that is {case_study.get_status_display().lower()} "
            f"cannot be moved to {CaseStudy.Status(to_status).label.lower()}."
        )
    if to_status == Status.SUBMITTED:
        problems = case_study_review_problems(case_study)
        if problems:
            raise WorkflowError(
                "Before it can go for review: " + "; ".join(message.lower() for _, message in problems) + "."
            )
    if to_status == Status.PUBLISHED:
        missing = [
            label
            for label, value in (("a summary", case_study.summary), ("a lead council", case_study.lead_council_id))
            if not value
        ]
        if missing:
            raise WorkflowError(f"Add {' and '.join(missing)} before publishing.")
        if case_study.published_at is None:
            case_study.published_at = timezone.now()
        if case_study.review_by is None:
            case_study.review_by = timezone.localdate() + datetime.timedelta(days=365)
    case_study.status = to_status
    case_study.version += 1
    case_study._change_reason = change_reason(reason or f"Status changed to {case_study.get_status_display().lower()}")
    if by is not None:
        case_study._history_user = by
    case_study.save()
    audited = {Status.PUBLISHED: Action.PUBLISHED, Status.RETURNED: Action.RETURNED}.get(to_status)
    if audited:
        audit_record(
            action=audited,
            actor=by,
            target=case_study.title,
            target_url=case_study.get_absolute_url(),
            detail=reason if to_status == Status.RETURNED else "",
        )
    # Publishing adds the item to search; archiving or returning removes it.
    search_index_update(case_study_ids=[case_study.pk])
    if Status.PUBLISHED in (from_status, to_status):
        # The silo-level panels and counts follow what is published.
        discovery_stats_mark_stale()
    return case_study


def case_study_submit(*, case_study: CaseStudy, by=None) -> CaseStudy:
    return case_study_transition(case_study=case_study, to_status=Status.SUBMITTED, by=by)


def case_study_publish(*, case_study: CaseStudy, by=None) -> CaseStudy:
    return case_study_transition(case_study=case_study, to_status=Status.PUBLISHED, by=by)


@transaction.atomic
def case_study_return(*, case_study: CaseStudy, by=None, comment: str) -> CaseStudy:
    """Send a submission back to its council with a comment its authors see beside their draft."""
    comment = comment.strip()
    if not comment:
        raise WorkflowError("Say what the author needs to change before returning it.")
    case_study = case_study_transition(case_study=case_study, to_status=Status.RETURNED, by=by, reason=comment)
    ReviewNote.objects.create(case_study=case_study, author=by, text=comment)
    return case_study


def case_study_archive(*, case_study: CaseStudy, by=None) -> CaseStudy:
    return case_study_transition(case_study=case_study, to_status=Status.ARCHIVED, by=by)
