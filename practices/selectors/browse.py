"""Reads: querysets for practices, already joined, narrowed to what a user may see."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from taggit.models import Tag

from councils.models import Council, ServiceSilo
from councils.selectors import user_council_id, user_is_curator
from practices.models import Adoption, CaseStudy, Framework, FrameworkLink

PUBLISHED = CaseStudy.Status.PUBLISHED


def case_studies_published() -> QuerySet[CaseStudy]:
    """Published case studies with what a list shows joined in."""
    return (
        CaseStudy.objects.filter(status=PUBLISHED)
        .select_related("lead_council", "primary_silo")
        .prefetch_related("tags")
        .order_by("-published_at", "pk")
    )


def case_study_visible_to(user, case_study: CaseStudy) -> bool:
    """Published items are public; drafts belong to their council, their author and curators."""
    if case_study.status == PUBLISHED:
        return True
    if not user.is_authenticated:
        return False
    if user_is_curator(user) or case_study.created_by_id == user.pk:
        return True
    return case_study.lead_council_id is not None and case_study.lead_council_id == user_council_id(user)


def case_study_get_for_user(user, slug: str) -> CaseStudy:
    """The case study with its detail page's relations, or 404 if the user may not see it."""
    queryset = CaseStudy.objects.select_related("lead_council", "primary_silo").prefetch_related(
        "tags",
        "other_silos",
        "partner_councils",
        "citizen_groups",
        Prefetch(
            "framework_links",
            queryset=FrameworkLink.objects.select_related("framework", "citizen_group").order_by("framework__title"),
        ),
        Prefetch(
            "adoptions",
            queryset=Adoption.objects.select_related("council", "silo").order_by("-created_at"),
        ),
    )
    case_study = queryset.filter(slug=slug).first()
    if case_study is None or not case_study_visible_to(user, case_study):
        raise Http404("No case study found")
    return case_study


def frameworks_published() -> QuerySet[Framework]:
    return (
        Framework.objects.filter(status=Framework.Status.PUBLISHED)
        .annotate(
            implementation_count=Count(
                "implementation_links", filter=Q(implementation_links__case_study__status=PUBLISHED), distinct=True
            ),
            adoption_count=Count("adoptions", distinct=True),
        )
        .prefetch_related("silos", "tags")
        .order_by("title")
    )


def framework_get_for_user(user, slug: str) -> Framework:
    framework = (
        Framework.objects.select_related("generalised_from")
        .prefetch_related(
            "silos", "tags", Prefetch("adoptions", queryset=Adoption.objects.select_related("council", "silo"))
        )
        .filter(slug=slug)
        .first()
    )
    if framework is None or (framework.status != Framework.Status.PUBLISHED and not user_is_curator(user)):
        raise Http404("No framework found")
    return framework


def framework_implementations(framework: Framework) -> list[FrameworkLink]:
    """Published implementations of a framework, by silo then council."""
    return list(
        FrameworkLink.objects.filter(framework=framework, case_study__status=PUBLISHED)
        .select_related("case_study__lead_council", "case_study__primary_silo", "citizen_group")
        .order_by("case_study__primary_silo__name", "case_study__lead_council__name", "case_study__title")
    )


def framework_pitfalls_from_implementations(links: list[FrameworkLink]) -> list[tuple[str, CaseStudy]]:
    """'Things to avoid' recorded by the framework's implementations, each with its source."""
    return [(item, link.case_study) for link in links for item in link.case_study.things_to_avoid]


def home_summary() -> dict:
    published = CaseStudy.objects.filter(status=PUBLISHED)
    return {
        "case_study_count": published.count(),
        "framework_count": Framework.objects.filter(status=Framework.Status.PUBLISHED).count(),
        "council_count": Council.objects.filter(case_studies__status=PUBLISHED).distinct().count(),
        "adoption_count": Adoption.objects.count(),
    }


def case_studies_most_reused(limit: int = 5) -> QuerySet[CaseStudy]:
    return (
        case_studies_published()
        .annotate(reuse_count=Count("adoptions"))
        .filter(reuse_count__gt=0)
        .order_by("-reuse_count", "-published_at")[:limit]
    )


def case_studies_for_council(council: Council) -> QuerySet[CaseStudy]:
    return case_studies_published().filter(Q(lead_council=council) | Q(partner_councils=council)).distinct()


def adoptions_by_council(council: Council) -> QuerySet[Adoption]:
    return Adoption.objects.filter(council=council).select_related("case_study__lead_council", "framework", "silo")


def case_studies_for_silo(silo: ServiceSilo) -> QuerySet[CaseStudy]:
    return case_studies_published().filter(primary_silo=silo)


def frameworks_for_silo(silo: ServiceSilo) -> QuerySet[Framework]:
    return (
        frameworks_published().filter(Q(silos=silo) | Q(implementation_links__case_study__primary_silo=silo)).distinct()
    )


def tag_get(slug: str) -> Tag:
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        raise Http404("No tag found")
    return tag


def case_studies_tagged(tag: Tag) -> QuerySet[CaseStudy]:
    return case_studies_published().filter(tags=tag)


def frameworks_tagged(tag: Tag) -> QuerySet[Framework]:
    return frameworks_published().filter(tags=tag)
