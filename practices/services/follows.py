"""Following a silo, a tag or a framework, for Atom feeds and the weekly digest."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from taggit.models import Tag

from councils.models import ServiceSilo
from practices.models import Follow, Framework

FollowTarget = ServiceSilo | Tag | Framework


class FollowError(Exception):
    """The follow cannot be made as asked."""


def _target_field(target: FollowTarget) -> str:
    if isinstance(target, ServiceSilo):
        return "silo"
    if isinstance(target, Tag):
        return "tag"
    if isinstance(target, Framework):
        return "framework"
    raise FollowError("Only silos, tags and frameworks can be followed.")


@transaction.atomic
def follow_create(*, user, target: FollowTarget) -> Follow:
    """Follow the target; following something already followed changes nothing."""
    if not user.is_authenticated:
        raise FollowError("Sign in to follow silos, tags and frameworks.")
    field = _target_field(target)
    existing = Follow.objects.filter(user=user, **{field: target}).first()
    if existing is not None:
        return existing
    try:
        # A double click may race us to the row; the unique constraint decides.
        with transaction.atomic():
            return Follow.objects.create(user=user, **{field: target})
    except IntegrityError:
        return Follow.objects.get(user=user, **{field: target})


@transaction.atomic
def follow_delete(*, user, target: FollowTarget) -> bool:
    """Stop following the target; returns whether there was a follow to remove."""
    deleted, _ = Follow.objects.filter(user=user, **{_target_field(target): target}).delete()
    return bool(deleted)
