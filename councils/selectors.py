"""Reads about councils, silos and what a signed-in member may do."""

from councils.models import MemberProfile


def member_profile(user) -> MemberProfile | None:
    """The member's profile, or None for visitors and accounts without one."""
    if not user.is_authenticated:
        return None
    try:
        return user.profile
    except MemberProfile.DoesNotExist:
        return None


def user_is_curator(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = member_profile(user)
    return profile is not None and profile.role == MemberProfile.Role.CURATOR


def user_council_id(user) -> int | None:
    profile = member_profile(user)
    return profile.council_id if profile else None
