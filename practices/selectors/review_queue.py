"""Reads for writing and reviewing case studies: a council's own work, the review queue and curators' comments."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from practices.models import CaseStudy, ReviewNote


def case_studies_for_council_writers(council_id: int) -> QuerySet[CaseStudy]:
    """A council's own work, newest change first, with curators' latest comments (for the officers' page)."""
    return (
        CaseStudy.objects.filter(lead_council_id=council_id)
        .exclude(status=CaseStudy.Status.ARCHIVED)
        .select_related("primary_silo")
        .prefetch_related(Prefetch("review_notes", queryset=ReviewNote.objects.order_by("-created_at")))
        .order_by("-updated_at", "pk")
    )


def case_studies_awaiting_review() -> QuerySet[CaseStudy]:
    """Submitted case studies, the longest waiting first, each with ``submitted_at``.

    The submission time is the first 'submitted' history entry after the case
    study last left that status, so an edit during review does not reset it.
    """
    history = CaseStudy.history.model
    last_left = (
        history.objects.filter(id=OuterRef(OuterRef("pk")))
        .exclude(status=CaseStudy.Status.SUBMITTED)
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    submitted_at = (
        history.objects.filter(id=OuterRef("pk"), status=CaseStudy.Status.SUBMITTED)
        .filter(Q(history_date__gt=Subquery(last_left)) | Q(~Exists(last_left)))
        .order_by("history_date")
        .values("history_date")[:1]
    )
    return (
        CaseStudy.objects.filter(status=CaseStudy.Status.SUBMITTED)
        .select_related("lead_council", "primary_silo", "created_by")
        .annotate(submitted_at=Subquery(submitted_at))
        .order_by(F("submitted_at").asc(nulls_first=True), "pk")
    )


def review_notes_for(case_study: CaseStudy) -> QuerySet[ReviewNote]:
    return ReviewNote.objects.filter(case_study=case_study).select_related("author").order_by("-created_at")
