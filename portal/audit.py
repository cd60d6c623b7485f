"""Writes and reads for the audit log: services call ``audit_record`` inside their own transaction."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.client_address import client_ip
from portal.models import AuditEntry

Action = AuditEntry.Action


def audit_record(
    *,
    action: str,
    actor=None,
    target: str = "",
    target_url: str = "",
    detail: str = "",
    request=None,
    actor_label: str = "",
) -> AuditEntry:
    """Add one entry; part of the caller's transaction, so a change that rolls back leaves no entry."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=(actor.email or actor.get_username()) if actor is not None else actor_label[:254],
        target=target[:300],
        target_url=target_url[:300],
        detail=detail,
        ip=client_ip(request) if request is not None else None,
    )


def audit_role_change(*, profile, old_role: str, by=None, request=None) -> None:
    """Record a member's new role, when it changed."""
    if profile.role == old_role:
        return
    labels = dict(type(profile).Role.choices)
    audit_record(
        action=Action.ROLE_CHANGED,
        actor=by if by is not None else profile.user,
        target=profile.user.email or profile.user.get_username(),
        detail=f"{labels.get(old_role, old_role)} → {labels.get(profile.role, profile.role)}",
        request=request,
    )


def audit_entries(*, action: str = "") -> QuerySet[AuditEntry]:
    """Newest first, optionally one kind of action, with the actor joined."""
    entries = AuditEntry.objects.select_related("actor").order_by("-at", "-pk")
    if action:
        entries = entries.filter(action=action)
    return entries
