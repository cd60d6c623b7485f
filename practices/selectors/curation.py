"""Reads for the curator pages: frameworks in every status, unlinked case studies, tags with their use, the freshness queue."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from practices.models import CaseStudy, Framework, FrameworkLink

CURATED_STATUSES = (CaseStudy.Status.PUBLISHED, CaseStudy.Status.SUBMITTED)


def case_studies_unlinked() -> QuerySet[CaseStudy]:
    """Published and submitted case studies that implement no framework yet, newest first."""
    return (
        CaseStudy.objects.filter(status__in=CURATED_STATUSES)
        .filter(~Exists(FrameworkLink.objects.filter(case_study=OuterRef("pk"))))
        .select_related("lead_council", "primary_silo")
        .order_by("-published_at", "-created_at", "pk")
    )


def frameworks_for_curation(status: str = "") -> QuerySet[Framework]:
    """Every framework a curator manages (drafts and archived ones too), optionally of one status, by title."""
    frameworks = Framework.objects.order_by("title", "pk")
    if status in Framework.Status.values:
        frameworks = frameworks.filter(status=status)
    return frameworks.prefetch_related("silos")


def framework_for_curation(slug: str) -> Framework:
    """One framework in any status, with what its preview page shows."""
    framework = (
        Framework.objects.select_related("generalised_from").prefetch_related("silos", "tags").filter(slug=slug).first()
    )
    if framework is None:
        raise Http404("No framework found")
    return framework


def case_study_for_curation(slug: str) -> CaseStudy:
    case_study = (
        CaseStudy.objects.select_related("lead_council", "primary_silo")
        .prefetch_related("tags", "framework_links__framework", "framework_links__citizen_group")
        .filter(slug=slug)
        .first()
    )
    if case_study is None:
        raise Http404("No case study found")
    return case_study


def frameworks_for_linking() -> QuerySet[Framework]:
    """Every framework a curator may link to, drafts included (marked in the label)."""
    return Framework.objects.exclude(status=Framework.Status.ARCHIVED).order_by("title")


def _postings(content_type: ContentType):
    return (
        TaggedItem.objects.filter(tag=OuterRef("pk"), content_type=content_type)
        .order_by()
        .values("tag")
        .annotate(n=Count("pk"))
        .values("n")
    )


def tags_with_use(query: str = "") -> QuerySet[Tag]:
    """Tags by name (near-duplicates sit together), each with how many case
    studies and frameworks carry it. The counts are correlated subqueries, so a
    page of 50 tags counts only those 50."""
    case_study_ct = ContentType.objects.get_for_model(CaseStudy)
    framework_ct = ContentType.objects.get_for_model(Framework)
    tags = Tag.objects.annotate(
        case_study_count=Coalesce(Subquery(_postings(case_study_ct)), 0),
        framework_count=Coalesce(Subquery(_postings(framework_ct)), 0),
    ).order_by("name")
    if query:
        tags = tags.filter(name__icontains=query)
    return tags


def tag_for_curation(slug: str) -> Tag:
    tag = tags_with_use().filter(slug=slug).first()
    if tag is None:
        raise Http404("No tag found")
    return tag


def tag_find(name_or_slug: str) -> Tag | None:
    value = name_or_slug.strip()
    return Tag.objects.filter(Q(name__iexact=value) | Q(slug=value.lower())).first()


def tag_is_used(tag: Tag) -> bool:
    return TaggedItem.objects.filter(tag=tag).exists()


def freshness_queue(today: datetime.date | None = None) -> tuple[QuerySet[CaseStudy], QuerySet[Framework]]:
    """Published case studies and frameworks past their review-by date, longest overdue first."""
    today = today or timezone.localdate()
    case_studies = (
        CaseStudy.objects.filter(status=CaseStudy.Status.PUBLISHED, review_by__lt=today)
        .select_related("lead_council", "primary_silo", "created_by")
        .order_by("review_by", "pk")
    )
    frameworks = Framework.objects.filter(status=Framework.Status.PUBLISHED, review_by__lt=today).order_by(
        "review_by", "pk"
    )
    return case_studies, frameworks
