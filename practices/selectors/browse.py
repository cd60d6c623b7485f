"""Reads: querysets for practices, already joined, narrowed to what a user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from taggit.models import Tag, TaggedItem

from councils.models import Council, ServiceSilo
from practices.models import CASE_STUDY_CONTENT_FIELDS, Adoption, CaseStudy, Framework, FrameworkLink, ReviewNote

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


# Reads for writing, reviewing and reusing case studies.


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


def adoptions_of_council_work(council: Council) -> QuerySet[Adoption]:
    """Other councils' reuse of this council's published case studies (the other side of 'we reused this')."""
    return (
        Adoption.objects.filter(case_study__lead_council=council, case_study__status=PUBLISHED)
        .select_related("council", "silo", "case_study")
        .order_by("-created_at")
    )


# Fields shown on the history page, in page order; the rest (dates, version) change on every save.
HISTORY_FIELDS = ("status", *CASE_STUDY_CONTENT_FIELDS)
_HISTORY_M2M = {"partner_councils": "council", "other_silos": "servicesilo", "citizen_groups": "citizengroup"}


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


def _history_value(record, name: str) -> str:
    if name in _HISTORY_M2M:
        rows = getattr(record, f"historicalcasestudy_{name}_set").all()
        return ", ".join(sorted(str(getattr(row, _HISTORY_M2M[name])) for row in rows))
    value = getattr(record, name)
    if name == "primary_silo":
        return str(record.primary_silo) if record.primary_silo_id else ""
    if isinstance(value, list):
        return "\n".join(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    display = getattr(record, f"get_{name}_display", None)
    if display and value:
        return str(display())
    return "" if value is None else str(value)


def _history_label(name: str) -> str:
    return str(CaseStudy._meta.get_field(name).verbose_name).capitalize()


def case_study_history(case_study: CaseStudy, *, page: int = 1, per_page: int = 20):
    """One page of a case study's history, newest first, each entry with what it changed.

    Returns (entries, paginator page). Each entry is compared with the one
    before it; the query count is fixed whatever the length of the history.
    """
    records = (
        CaseStudy.history.filter(id=case_study.pk)
        .select_related("history_user", "primary_silo")
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
    rows = list(
        records.filter(history_id__in=wanted).prefetch_related(
            "historicalcasestudy_partner_councils_set__council",
            "historicalcasestudy_other_silos_set__servicesilo",
            "historicalcasestudy_citizen_groups_set__citizengroup",
        )
    )
    names = list(HISTORY_FIELDS) + list(_HISTORY_M2M)
    entries = []
    latest_id = records.values_list("history_id", flat=True).first() if page_obj.number != 1 else ids[0]
    for index, record in enumerate(rows[: len(ids)]):
        previous = rows[index + 1] if index + 1 < len(rows) else None
        changes = []
        for name in names:
            after = _history_value(record, name)
            before = _history_value(previous, name) if previous else ""
            if previous is None and not after:
                continue
            if before != after:
                changes.append(HistoryChange(_history_label(name), before, after))
        entries.append(HistoryEntry(record=record, changes=changes, is_current=record.history_id == latest_id))
    return entries, page_obj
