"""Writes about members: their profile at sign-up, joining a council, taking on a role."""

from __future__ import annotations

from django.db import transaction

from councils.models import Council, MemberProfile, ServiceSilo
from portal.audit import audit_role_change

Role = MemberProfile.Role


class MembershipError(Exception):
    """A member cannot take the step asked for."""


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def council_for_email(email: str) -> Council | None:
    """The council whose listed domain the address is on, or None.

    Subdomains count (``staff@education.leeds.gov.uk`` belongs to a council
    listing ``leeds.gov.uk``); when two councils match, the more specific
    domain wins. One indexed query (GIN on ``email_domains``).
    """
    domain = email_domain(email)
    parts = domain.split(".")
    # Every parent domain down to two labels; "gov.uk" on its own is never a council's.
    candidates = [".".join(parts[i:]) for i in range(len(parts) - 1)]
    if not candidates:
        return None
    best, best_length = None, -1
    for council in Council.objects.filter(email_domains__overlap=candidates):
        for listed in council.email_domains:
            listed = listed.lower()
            if listed in candidates and len(listed) > best_length:
                best, best_length = council, len(listed)
    return best


@transaction.atomic
def member_profile_create(*, user, full_name: str = "", job_title: str = "", silo: ServiceSilo | None = None):
    """The profile of someone who has just signed up: a member of no council until their email is verified."""
    if full_name:
        user.first_name = full_name[: user._meta.get_field("first_name").max_length]
        user.save(update_fields=["first_name"])
    profile, _ = MemberProfile.objects.update_or_create(
        user=user, defaults={"job_title": job_title, "silo": silo, "role": Role.MEMBER, "council": None}
    )
    return profile


@transaction.atomic
def member_join_council(*, user, email: str) -> MemberProfile | None:
    """A verified address on a council's domain makes its owner a member of that council.

    Moving to another council (after changing to a verified address there)
    keeps the role: an officer of one council who moves writes for the new one.
    Returns None when the domain belongs to no council (nothing changes).
    """
    council = council_for_email(email)
    if council is None:
        return None
    profile, _ = MemberProfile.objects.select_for_update().get_or_create(user=user)
    if profile.council_id != council.pk:
        profile.council = council
        profile.save(update_fields=["council"])
    return profile


@transaction.atomic
def member_become_officer(*, user) -> MemberProfile:
    """A member of a council starts writing up its work (self-service: their address is verified)."""
    profile = MemberProfile.objects.select_for_update().filter(user=user).first()
    if profile is None or profile.council_id is None:
        raise MembershipError("Only staff of a council can write up its work. Verify your council email address first.")
    if profile.role == Role.MEMBER:
        profile.role = Role.OFFICER
        profile.save(update_fields=["role"])
        audit_role_change(profile=profile, old_role=Role.MEMBER, by=user)
    return profile


@transaction.atomic
def member_profile_update(
    *, user, full_name: str, job_title: str, silo: ServiceSilo | None, contactable: bool, writes: bool | None = None
) -> MemberProfile:
    """Change what a member says about themselves; ``writes`` switches between member and officer."""
    user.first_name = full_name[: user._meta.get_field("first_name").max_length]
    user.save(update_fields=["first_name"])
    profile, _ = MemberProfile.objects.select_for_update().get_or_create(user=user)
    profile.job_title = job_title
    profile.silo = silo
    profile.contactable = contactable
    old_role = profile.role
    if writes is not None and profile.role != Role.CURATOR:
        if writes and profile.council_id is None:
            raise MembershipError("Only staff of a council can write up its work.")
        profile.role = Role.OFFICER if writes else Role.MEMBER
    profile.save()
    audit_role_change(profile=profile, old_role=old_role, by=user)
    return profile
