"""Who may see and change which case study, framework and tag: the object access helpers.

Each ``*_get_for_user`` answers 404 for what the user may not see and 403
(PermissionDenied) for what they may see but not change, and joins what the
page shows. Page-level rules (signed in, curator, 2FA) are in portal/access.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from taggit.models import Tag, TaggedItem

from councils.models import MemberProfile
from councils.selectors import member_profile
from portal.access import user_curates
from practices.models import Adoption, CaseStudy, Framework, FrameworkLink

PUBLISHED = CaseStudy.Status.PUBLISHED


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
    return user_curates(user) or user_writes_for(user, case_study.lead_council_id)


# While curators review a submission, or once it is archived, its council waits for them.
_LOCKED_FOR_OFFICERS = {CaseStudy.Status.SUBMITTED, CaseStudy.Status.ARCHIVED}


def case_study_editable_by(user, case_study: CaseStudy) -> bool:
    """Curators edit anything; officers edit their council's work unless it is with the curators."""
    if user_curates(user):
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


def framework_get_for_user(user, slug: str) -> Framework:
    framework = (
        Framework.objects.select_related("generalised_from__lead_council")
        .prefetch_related(
            "silos", "tags", Prefetch("adoptions", queryset=Adoption.objects.select_related("council", "silo"))
        )
        .filter(slug=slug)
        .first()
    )
    if framework is None or (framework.status != Framework.Status.PUBLISHED and not user_curates(user)):
        raise Http404("No framework found")
    return framework


def tag_get_public(slug: str) -> Tag:
    """The tag, if published work carries it: a tag used only on drafts and submissions is a 404 for everyone."""
    tag = tags_published().filter(slug=slug).first()
    if tag is None:
        raise Http404("No tag found")
    return tag


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
    curator = user_curates(user)
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


def tags_published() -> QuerySet[Tag]:
    """Tags that published work carries; a tag on drafts or submissions only is nobody's business yet."""
    items = TaggedItem.objects.filter(tag=OuterRef("pk"))
    on_case_study = items.filter(
        content_type=ContentType.objects.get_for_model(CaseStudy),
        object_id__in=CaseStudy.objects.filter(status=PUBLISHED).values("pk"),
    )
    on_framework = items.filter(
        content_type=ContentType.objects.get_for_model(Framework),
        object_id__in=Framework.objects.filter(status=Framework.Status.PUBLISHED).values("pk"),
    )
    return Tag.objects.filter(Q(Exists(on_case_study)) | Q(Exists(on_framework)))


def tag_slugs_published(slugs: list[str]) -> set[str]:
    """Those of the slugs whose tags published work carries (one query, none when there is nothing to check)."""
    if not slugs:
        return set()
    return set(tags_published().filter(slug__in=slugs).values_list("slug", flat=True))
