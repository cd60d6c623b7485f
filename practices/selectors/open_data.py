"""Reads for open data (API, exports, feeds, sitemap): published items narrowed by the site's facets.

The facet names and meanings are the search page's (practices.selectors.search.FACETS):
values within one facet are alternatives, different facets must all hold. What a
personal API token adds is here too: officers and curators may also read their own
council's unpublished case studies.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import Resolver404, resolve
from taggit.models import Tag, TaggedItem

from councils.models import Council, MemberProfile, ServiceSilo
from councils.selectors import member_profile
from practices.models import Adoption, CaseStudy, CitizenGroup, Framework, FrameworkLink
from practices.selectors.search import PAGE_SIZE, SearchRequest, search

PUBLISHED = CaseStudy.Status.PUBLISHED
# The facets a case study list can be narrowed by, as the case study list page names them, plus the council.
CASE_STUDY_FACETS = ("silo", "kind", "region", "tag", "framework", "group", "funding", "year", "council")
# A search download follows the ranking page by page; beyond this it would cost more than it is worth.
SEARCH_EXPORT_LIMIT = 1000


def council_writing_for(user) -> int | None:
    """The council whose unpublished work this user may read: officers' and curators' own."""
    profile = member_profile(user) if user is not None else None
    if profile is None or profile.council_id is None:
        return None
    if profile.role not in (MemberProfile.Role.OFFICER, MemberProfile.Role.CURATOR):
        return None
    return profile.council_id


def case_studies_readable(user=None) -> QuerySet[CaseStudy]:
    """Published case studies, and the user's own council's unpublished ones when they write for it."""
    council_id = council_writing_for(user)
    visible = Q(status=PUBLISHED)
    if council_id is not None:
        visible |= Q(lead_council_id=council_id)
    return CaseStudy.objects.filter(visible)


def _tagged(model, slugs: list[str]):
    return TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk"), tag__slug__in=slugs
    )


def case_studies_filtered(queryset: QuerySet[CaseStudy], filters: dict[str, list[str]]) -> QuerySet[CaseStudy]:
    """Narrow case studies by facet values (slugs or choice values), as the case study list does."""
    for key, values in filters.items():
        if not values:
            continue
        if key == "silo":
            queryset = queryset.filter(primary_silo__slug__in=values)
        elif key == "kind":
            queryset = queryset.filter(lead_council__kind__in=values)
        elif key == "region":
            queryset = queryset.filter(lead_council__region__in=values)
        elif key == "council":
            queryset = queryset.filter(Q(lead_council__slug__in=values) | Q(lead_council__gss_code__in=values))
        elif key == "funding":
            queryset = queryset.filter(funding_source__in=values)
        elif key == "year":
            queryset = queryset.filter(start_year__in=[int(v) for v in values])
        elif key == "tag":
            queryset = queryset.filter(Exists(_tagged(CaseStudy, values)))
        elif key == "framework":
            queryset = queryset.filter(
                Exists(
                    FrameworkLink.objects.filter(
                        case_study=OuterRef("pk"), framework__slug__in=values, framework__status="published"
                    )
                )
            )
        elif key == "group":
            through = CaseStudy.citizen_groups.through
            queryset = queryset.filter(
                Exists(through.objects.filter(casestudy=OuterRef("pk"), citizengroup__slug__in=values))
            )
        else:
            raise ValueError(f"Unknown case study facet {key!r}")
    return queryset


def case_studies_with_details(queryset: QuerySet[CaseStudy]) -> QuerySet[CaseStudy]:
    """Everything an export or API record shows, joined in a fixed number of queries.

    Relations land in plain lists (``tag_list``, ``partner_council_list``,
    ``other_silo_list``, ``citizen_group_list``, ``published_framework_links``):
    reading a prefetched manager builds a queryset each time, which was most of
    the time of a 100-item API page.
    """
    return queryset.select_related("lead_council", "primary_silo").prefetch_related(
        Prefetch("tags", to_attr="tag_list"),  # taggit takes no custom queryset: sorted where read
        Prefetch("partner_councils", queryset=Council.objects.order_by("slug"), to_attr="partner_council_list"),
        Prefetch("other_silos", queryset=ServiceSilo.objects.order_by("slug"), to_attr="other_silo_list"),
        Prefetch("citizen_groups", queryset=CitizenGroup.objects.order_by("slug"), to_attr="citizen_group_list"),
        Prefetch(
            "framework_links",
            queryset=FrameworkLink.objects.filter(framework__status=Framework.Status.PUBLISHED)
            .select_related("framework", "citizen_group")
            .order_by("framework__slug"),
            to_attr="published_framework_links",
        ),
    )


def frameworks_with_details(queryset: QuerySet[Framework] | None = None) -> QuerySet[Framework]:
    queryset = queryset if queryset is not None else Framework.objects.filter(status=Framework.Status.PUBLISHED)
    return queryset.select_related("generalised_from").prefetch_related("silos", "tags")


def frameworks_filtered(queryset: QuerySet[Framework], filters: dict[str, list[str]]) -> QuerySet[Framework]:
    for key, values in filters.items():
        if not values:
            continue
        if key == "silo":
            through = Framework.silos.through
            queryset = queryset.filter(
                Exists(through.objects.filter(framework=OuterRef("pk"), servicesilo__slug__in=values))
            )
        elif key == "tag":
            queryset = queryset.filter(Exists(_tagged(Framework, values)))
        else:
            raise ValueError(f"Unknown framework facet {key!r}")
    return queryset


def framework_implementation_links(framework_ids: list[int], *, user=None) -> QuerySet[FrameworkLink]:
    """Links from readable case studies to the given frameworks, with the case study's council and silo."""
    readable = case_studies_readable(user).values("pk")
    return (
        FrameworkLink.objects.filter(framework_id__in=framework_ids, case_study__in=readable)
        .select_related("case_study__lead_council", "case_study__primary_silo", "citizen_group")
        .order_by("-case_study__published_at", "case_study__slug")
    )


def adoptions_public() -> QuerySet[Adoption]:
    """Reuse of published case studies and frameworks; who confirmed it is never part of it."""
    return (
        Adoption.objects.filter(
            Q(case_study__status=PUBLISHED, framework__isnull=True)
            | Q(framework__status=Framework.Status.PUBLISHED, case_study__isnull=True)
        )
        .select_related("council", "silo", "case_study", "framework")
        .order_by("-created_at", "-pk")
    )


def councils_all() -> QuerySet[Council]:
    return Council.objects.order_by("name", "pk")


def silos_all() -> QuerySet[ServiceSilo]:
    return ServiceSilo.objects.order_by("name", "pk")


def citizen_groups_all() -> QuerySet[CitizenGroup]:
    return CitizenGroup.objects.order_by("name", "pk")


def tags_in_use() -> QuerySet[Tag]:
    """Tags on at least one published case study or framework.

    Written as a join per tag (found at the first published item, through the
    tag_id index) rather than "object_id IN (every published id)", which at
    100,000 case studies reads them all for each page.
    """
    case_study_ct = ContentType.objects.get_for_model(CaseStudy).pk
    framework_ct = ContentType.objects.get_for_model(Framework).pk
    used = RawSQL(
        "EXISTS (SELECT 1 FROM taggit_taggeditem ti JOIN practices_casestudy cs ON cs.id = ti.object_id"
        " WHERE ti.tag_id = taggit_tag.id AND ti.content_type_id = %s AND cs.status = 'published')"
        " OR EXISTS (SELECT 1 FROM taggit_taggeditem ti JOIN practices_framework f ON f.id = ti.object_id"
        " WHERE ti.tag_id = taggit_tag.id AND ti.content_type_id = %s AND f.status = 'published')",
        [case_study_ct, framework_ct],
        output_field=BooleanField(),
    )
    return Tag.objects.filter(used).order_by("name", "pk")


def search_case_study_slugs(request: SearchRequest, *, limit: int = SEARCH_EXPORT_LIMIT) -> list[str]:
    """The slugs of the case studies a search finds, best first, up to ``limit``.

    Goes through the site's own search page by page, so a download holds what the
    page listed, in the same order, whatever the engine behind it.
    """
    slugs: list[str] = []
    page = 1
    while len(slugs) < limit:
        request.page = page
        outcome = search(request)
        for result in outcome.results:
            try:
                match = resolve(result.url)
            except Resolver404:
                continue
            if match.url_name == "case_study_detail":
                slugs.append(match.kwargs["slug"])
        if not outcome.results or page * PAGE_SIZE >= min(outcome.total, limit):
            break
        page += 1
    return list(dict.fromkeys(slugs))[:limit]
