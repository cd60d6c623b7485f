"""'We reused this': a member records that their council reused another council's case study, or a framework."""

from __future__ import annotations

from django.db import transaction

from councils.models import MemberProfile, ServiceSilo
from practices.models import Adoption, CaseStudy, Framework
from practices.services.discovery_stats import discovery_stats_mark_stale


class AdoptionError(Exception):
    """The reuse cannot be recorded by this person."""


def adoption_council_for(user, *, case_study: CaseStudy | None = None):
    """The council a member records reuse for, or AdoptionError saying why they cannot."""
    profile = MemberProfile.objects.select_related("council").filter(user=user).first()
    if profile is None or profile.council is None:
        raise AdoptionError(
            "Only staff of a council can record that it reused something. Confirm your council email address first."
        )
    if case_study is not None and case_study.lead_council_id == profile.council_id:
        raise AdoptionError("This is your own council's work: other councils record reusing it.")
    return profile.council


@transaction.atomic
def adoption_record(
    *,
    by,
    silo: ServiceSilo,
    status: str,
    case_study: CaseStudy | None = None,
    framework: Framework | None = None,
    what_changed: str = "",
    effort: str = "",
    outcome: str = "",
) -> Adoption:
    """Record (or update) the member's council's reuse of a published case study or framework.

    A council has one record per thing it reused; recording again updates it
    (for example from planned to live), and history keeps every step.
    """
    if (case_study is None) == (framework is None):
        raise AdoptionError("Say whether your council reused a case study or a framework.")
    target = case_study or framework
    if target.status != "published":
        raise AdoptionError("Only published work can be recorded as reused.")
    council = adoption_council_for(by, case_study=case_study)
    lookup = (
        {"council": council, "case_study": case_study} if case_study else {"council": council, "framework": framework}
    )
    adoption = Adoption.objects.select_for_update().filter(**lookup).first()
    creating = adoption is None
    if creating:
        adoption = Adoption(**lookup)
    adoption.silo = silo
    adoption.status = status
    adoption.what_changed = what_changed.strip()
    adoption.effort = effort
    adoption.outcome = outcome.strip()
    adoption.confirmed_by = by
    adoption._history_user = by
    adoption._change_reason = "Recorded by a member" if creating else "Updated by a member"
    adoption.save()
    # Reuse is evidence for the silo-level panels and the insights page.
    discovery_stats_mark_stale()
    return adoption
