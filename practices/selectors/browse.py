"""Reads: querysets for practices, already joined, narrowed to what a user may see."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

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
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from taggit.models import Tag, TaggedItem

from councils.models import Council, ServiceSilo
from practices.models import Adoption, CaseStudy, Framework, FrameworkLink, SearchDocument
from practices.selectors.search import FACETS_BY_KEY, PAGE_SIZE, Result

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
    """Headline counts. Case studies and councils contributing come from the summaries (see discovery_stats),
    in one statement: counting every published case study on each visit would cost more as the exchange grows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT coalesce(sum(case_studies), 0) FROM practices_silo_tag_stats WHERE tag_id = 0),"
            " (SELECT count(*) FROM practices_council_stats WHERE contributed > 0)"
        )
        case_study_count, council_count = cursor.fetchone()
    return {
        "case_study_count": case_study_count,
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


# --- The case study list, a page at a time -----------------------------------
#
# The list's totals and facet counts come from the search engine
# (practices.selectors.search); its rows come from here, by seeking in the
# searchdocument_newest index (published_at DESC, id DESC, carrying every
# facet) from the last row already shown. A page costs the same however deep it
# is: no OFFSET past the first few numbered pages.


@dataclass(frozen=True)
class ListPosition:
    """Where a page of the case study list starts: next to one row's sort key, in one direction."""

    direction: str  # AFTER: the rows older than the key; BEFORE: the rows newer than it
    published_at: datetime
    document_id: int
    page: int  # the number of the page this leads to, for "showing 201 to 220"

    AFTER: ClassVar[str] = "after"
    BEFORE: ClassVar[str] = "before"


@dataclass
class ListPage:
    results: list[Result]
    number: int
    has_next: bool
    # The sort keys of the first and last rows, to seek from for Previous and Next.
    first_key: tuple[datetime, int] | None = None
    last_key: tuple[datetime, int] | None = None
    notices: list[str] = field(default_factory=list)


_LIST_PAGE_SQL = """
SELECT p.id, p.published_at, cs.title, cs.slug, c.name AS council, s.name AS silo, cs.start_year,
       left(cs.summary, 400) AS snippet,
       (SELECT json_agg(json_build_object('name', t.name, 'slug', t.slug) ORDER BY t.name)
          FROM taggit_tag t WHERE t.id = ANY(p.tag_ids)) AS tags
  FROM (SELECT d.id, d.case_study_id, d.published_at, d.tag_ids
          FROM practices_searchdocument d
         WHERE d.kind = 'case-study' AND {seek} AND {filters}
         ORDER BY d.published_at {direction}, d.id {direction}
         LIMIT %(limit)s OFFSET %(offset)s) AS p
  JOIN practices_casestudy cs ON cs.id = p.case_study_id AND cs.status = 'published'
  LEFT JOIN councils_council c ON c.id = cs.lead_council_id
  LEFT JOIN councils_servicesilo s ON s.id = cs.primary_silo_id
 ORDER BY p.published_at DESC, p.id DESC
"""
_MARKDOWN_MARKS_RE = re.compile(r"(\*\*|__|^#+\s*|`)", re.MULTILINE)


def _list_filter_sql(filters: dict[str, list[str]], params: dict) -> str:
    """The facet filters as the search engine applies them: any value within a facet, every facet."""
    parts = []
    for key, values in filters.items():
        facet = FACETS_BY_KEY[key]
        name = f"f_{key}"
        if facet.table:
            # Slugs, resolved here so the page is one statement; a framework filter counts published ones only.
            published = " AND status = 'published'" if facet.table == "practices_framework" else ""
            params[name] = [str(value) for value in values]
            parts.append(
                f"d.{facet.column} && ARRAY(SELECT id::bigint FROM {facet.table} WHERE slug = ANY(%({name})s){published})"
            )
        elif facet.key == "year":
            params[name] = [int(value) for value in values]
            parts.append(f"d.{facet.column} = ANY(%({name})s::smallint[])")
        else:
            params[name] = [str(value) for value in values]
            parts.append(f"d.{facet.column} = ANY(%({name})s::text[])")
    return " AND ".join(parts) or "true"


def _list_rows(filters: dict[str, list[str]], *, position: ListPosition | None, offset: int = 0) -> list[dict]:
    params: dict = {"limit": PAGE_SIZE + 1, "offset": offset}
    seek, direction = "true", "DESC"
    if position is not None:
        # A row comparison, which the (published_at DESC, id DESC) index answers as a range.
        params.update(at=position.published_at, id=position.document_id)
        if position.direction == ListPosition.AFTER:
            seek = "(d.published_at, d.id) < (%(at)s, %(id)s)"
        else:
            seek, direction = "(d.published_at, d.id) > (%(at)s, %(id)s)", "ASC"
    sql = _LIST_PAGE_SQL.format(seek=seek, filters=_list_filter_sql(filters, params), direction=direction)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _list_result(row: dict) -> Result:
    summary = _MARKDOWN_MARKS_RE.sub("", row["snippet"] or "").strip()
    return Result(
        kind=SearchDocument.Kind.CASE_STUDY,
        title=row["title"],
        url=reverse("practices:case_study_detail", kwargs={"slug": row["slug"]}),
        snippet=mark_safe(escape(summary)),  # noqa: S308 - escaped here
        council=row["council"] or "",
        silo=row["silo"] or "",
        start_year=row["start_year"],
        published_at=row["published_at"].date().isoformat() if row["published_at"] else "",
        tags=row["tags"] or [],
    )


def case_study_list_page(
    filters: dict[str, list[str]],
    *,
    page: int = 1,
    position: ListPosition | None = None,
    notices: list[str] | None = None,
) -> ListPage:
    """One page of published case studies, newest first, narrowed by facet filters (key → slugs or values).

    Without a position it is numbered page ``page`` (an OFFSET: for the first
    few pages only); with one it is the page next to that row, found by seeking.
    """
    notices = notices or []
    if position is None:
        rows = _list_rows(filters, position=None, offset=(page - 1) * PAGE_SIZE)
        number, has_next = page, len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    elif position.direction == ListPosition.AFTER:
        rows = _list_rows(filters, position=position)
        number, has_next = position.page, len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        if not rows:
            notices.append("There is nothing after that page any more, so the first page is shown.")
            return case_study_list_page(filters, notices=notices)
    else:
        # Read oldest first from the key, shown newest first: an extra row (the
        # newest) says there are newer pages still; without it, this is page 1.
        rows = _list_rows(filters, position=position)
        has_newer = len(rows) > PAGE_SIZE
        rows = rows[-PAGE_SIZE:]
        number, has_next = (position.page if has_newer else 1), True
        if not has_newer and len(rows) < PAGE_SIZE:
            # Rows were unpublished since the link was made: the first page is the honest answer.
            return case_study_list_page(filters, notices=notices)
    return ListPage(
        results=[_list_result(row) for row in rows],
        number=number,
        has_next=has_next and bool(rows),
        first_key=(rows[0]["published_at"], rows[0]["id"]) if rows else None,
        last_key=(rows[-1]["published_at"], rows[-1]["id"]) if rows else None,
        notices=notices,
    )
