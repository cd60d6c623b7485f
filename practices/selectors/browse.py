"""Reads: querysets for practices, already joined, narrowed to what a user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
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
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.http import Http404
from taggit.models import Tag, TaggedItem

from councils.models import Council, MemberProfile, ServiceSilo
from councils.selectors import member_profile, user_is_curator
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


def user_writes_for(user, council_id: int | None) -> bool:
    """An officer (or curator) of this council: someone who writes up its work."""
    profile = member_profile(user)
    return (
        council_id is not None
        and profile is not None
        and profile.council_id == council_id
        and profile.role in (MemberProfile.Role.OFFICER, MemberProfile.Role.CURATOR)
    )


def case_study_visible_to(user, case_study: CaseStudy) -> bool:
    """Published items are public; anything else only to officers of its lead council and to curators."""
    if case_study.status == PUBLISHED:
        return True
    return user_is_curator(user) or user_writes_for(user, case_study.lead_council_id)


# While curators review a submission, or once it is archived, its council waits for them.
_LOCKED_FOR_OFFICERS = {CaseStudy.Status.SUBMITTED, CaseStudy.Status.ARCHIVED}


def case_study_editable_by(user, case_study: CaseStudy) -> bool:
    """Curators edit anything; officers edit their council's work unless it is with the curators."""
    if user_is_curator(user):
        return True
    return case_study.status not in _LOCKED_FOR_OFFICERS and user_writes_for(user, case_study.lead_council_id)


def case_study_get_for_user(user, slug: str, *, write: bool = False) -> CaseStudy:
    """The case study with its detail page's relations: 404 if the user may not see it,
    403 if ``write`` is asked for and they may see it but not change it."""
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
    if write and not case_study_editable_by(user, case_study):
        raise PermissionDenied("You cannot change this case study.")
    return case_study


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


def tag_get(slug: str) -> Tag:
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        raise Http404("No tag found")
    return tag


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


@dataclass(frozen=True)
class CaseStudyActions:
    """What the signed-in person may do on a case study's page."""

    signed_in: bool = False
    can_edit: bool = False
    can_see_history: bool = False
    can_review: bool = False
    can_reuse: bool = False
    can_contact: bool = False
    can_ask_to_visit: bool = False


def case_study_actions_for(user, case_study: CaseStudy) -> CaseStudyActions:
    """The buttons on a case study page; the views check the same rules again."""
    if not user.is_authenticated:
        return CaseStudyActions()
    profile = member_profile(user)
    curator = user_is_curator(user)
    own_council = (
        profile is not None and profile.council_id is not None and profile.council_id == case_study.lead_council_id
    )
    writer = curator or user_writes_for(user, case_study.lead_council_id)
    published = case_study.status == PUBLISHED
    contactable = published and bool(case_study.contact_email) and not own_council
    return CaseStudyActions(
        signed_in=True,
        can_edit=case_study_editable_by(user, case_study),
        can_see_history=writer,
        can_review=curator and case_study.status == CaseStudy.Status.SUBMITTED,
        can_reuse=published and profile is not None and profile.council_id is not None and not own_council,
        can_contact=contactable,
        can_ask_to_visit=contactable and case_study.hosts_visits,
    )


def adoptions_of_council_work(council: Council) -> QuerySet[Adoption]:
    """Other councils' reuse of this council's published case studies (the other side of 'we reused this')."""
    return (
        Adoption.objects.filter(case_study__lead_council=council, case_study__status=PUBLISHED)
        .select_related("council", "silo", "case_study")
        .order_by("-created_at")
    )
