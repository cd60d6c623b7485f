"""Reads: querysets for practices, already joined, narrowed to what a user may see."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from taggit.models import Tag, TaggedItem

from councils.models import Council, ServiceSilo
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


# Implementation and reuse counts come from the silo × framework summary that
# practices.services.discovery_stats keeps (refreshed by writes and by cron):
# counting every link at 100,000 case studies would cost more than the page.
_FRAMEWORK_STAT_SQL = (
    "SELECT coalesce(sum(s.{column}), 0) FROM practices_silo_framework_stats s "
    "WHERE s.framework_id = practices_framework.id"
)


def frameworks_published() -> QuerySet[Framework]:
    """Published frameworks with `implementation_count` and `adoption_count` (live or in progress)."""
    return (
        Framework.objects.filter(status=Framework.Status.PUBLISHED)
        .annotate(
            implementation_count=RawSQL(_FRAMEWORK_STAT_SQL.format(column="implementations"), []),  # noqa: S611 - constant SQL
            adoption_count=RawSQL(_FRAMEWORK_STAT_SQL.format(column="adoptions"), []),  # noqa: S611 - constant SQL
        )
        .prefetch_related("silos", "tags")
        .order_by("title")
    )


# A framework's page shows the newest few implementations in each silo, with a
# link to the rest, so it stays the same size however widely it is used.
IMPLEMENTATIONS_PER_SILO = 5
PITFALL_SOURCES = 10


def framework_implementations(framework: Framework) -> list[FrameworkLink]:
    """The newest published implementations in each silo, by silo then recency.

    Each link carries `silo_total`: how many published implementations its silo has.
    """
    published = FrameworkLink.objects.filter(framework=framework, case_study__status=PUBLISHED)
    totals = dict(
        published.values_list("case_study__primary_silo")
        .annotate(n=Count("pk"))
        .values_list("case_study__primary_silo", "n")
    )
    links = list(
        published.annotate(
            silo_rank=Window(
                RowNumber(),
                partition_by=F("case_study__primary_silo"),
                order_by=[F("case_study__published_at").desc(), F("pk").desc()],
            )
        )
        .filter(silo_rank__lte=IMPLEMENTATIONS_PER_SILO)
        .select_related("case_study__lead_council", "case_study__primary_silo", "citizen_group")
        .order_by("case_study__primary_silo__name", "silo_rank")
    )
    for link in links:
        link.silo_total = totals.get(link.case_study.primary_silo_id, 0)
    return links


def framework_pitfalls_from_implementations(links: list[FrameworkLink]) -> list[tuple[str, CaseStudy]]:
    """'Things to avoid' from the newest implementations shown, each with its source."""
    newest = sorted(links, key=lambda link: link.case_study.published_at, reverse=True)[:PITFALL_SOURCES]
    return [(item, link.case_study) for link in newest for item in link.case_study.things_to_avoid]


def home_summary() -> dict:
    """Headline counts; councils contributing come from the council summary (see discovery_stats)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM practices_council_stats WHERE contributed > 0")
        (council_count,) = cursor.fetchone()
    return {
        "case_study_count": CaseStudy.objects.filter(status=PUBLISHED).count(),
        "framework_count": Framework.objects.filter(status=Framework.Status.PUBLISHED).count(),
        "council_count": council_count,
        "adoption_count": Adoption.objects.count(),
    }


def case_studies_most_reused(limit: int = 5) -> list[CaseStudy]:
    """The published case studies most councils have reused, each with `reuse_count`."""
    top = list(
        Adoption.objects.filter(case_study__status=PUBLISHED)
        .values("case_study")
        .annotate(n=Count("pk"))
        .order_by("-n", "case_study")[:limit]
    )
    by_id = case_studies_published().in_bulk([row["case_study"] for row in top])
    reused = []
    for row in top:
        case_study = by_id[row["case_study"]]
        case_study.reuse_count = row["n"]
        reused.append(case_study)
    return reused


def case_studies_led_by(council: Council) -> QuerySet[CaseStudy]:
    return case_studies_published().filter(lead_council=council)


def case_studies_partnered_by(council: Council, limit: int = 10) -> QuerySet[CaseStudy]:
    return case_studies_published().filter(partner_councils=council)[:limit]


def adoptions_by_council(council: Council, limit: int = 50) -> QuerySet[Adoption]:
    return (
        Adoption.objects.filter(council=council)
        .select_related("case_study__lead_council", "framework", "silo")
        .order_by("-created_at")[:limit]
    )


def case_studies_for_silo(silo: ServiceSilo) -> QuerySet[CaseStudy]:
    return case_studies_published().filter(primary_silo=silo)


def frameworks_for_silo(silo: ServiceSilo) -> QuerySet[Framework]:
    """Published frameworks applied in the silo, implemented by its case studies or adopted by it."""
    used_here = RawSQL(
        "EXISTS (SELECT 1 FROM practices_silo_framework_stats s"
        " WHERE s.framework_id = practices_framework.id AND s.silo_id = %s)",
        [silo.pk],
    )
    applied_here = Framework.silos.through.objects.filter(framework=OuterRef("pk"), servicesilo=silo)
    return (
        Framework.objects.filter(status=Framework.Status.PUBLISHED)
        .filter(Q(Exists(applied_here)) | Q(ExpressionWrapper(used_here, output_field=BooleanField())))
        .order_by("title")
    )


def case_studies_tagged(tag: Tag, limit: int = 20) -> QuerySet[CaseStudy]:
    """The newest published case studies with the tag (the filtered list has the rest)."""
    tagged = TaggedItem.objects.filter(tag=tag, content_type=ContentType.objects.get_for_model(CaseStudy)).values(
        "object_id"
    )
    return case_studies_published().filter(pk__in=tagged)[:limit]


def case_study_count_tagged(tag: Tag) -> int:
    """How many published case studies carry the tag, from the silo × tag summary."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(case_studies), 0) FROM practices_silo_tag_stats WHERE tag_id = %s", [tag.pk]
        )
        return cursor.fetchone()[0]


def frameworks_tagged(tag: Tag) -> QuerySet[Framework]:
    return frameworks_published().filter(tags=tag)


def adoptions_of_council_work(council: Council) -> QuerySet[Adoption]:
    """Other councils' reuse of this council's published case studies (the other side of 'we reused this')."""
    return (
        Adoption.objects.filter(case_study__lead_council=council, case_study__status=PUBLISHED)
        .select_related("council", "silo", "case_study")
        .order_by("-created_at")
    )
