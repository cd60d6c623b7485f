"""Keeping content fresh: reminders to owners of items past their review-by date, and marking items reviewed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from councils.models import MemberProfile
from practices.models import CaseStudy, Framework

# Owners are reminded again if an item is still overdue this long after the last reminder.
REMIND_AGAIN_AFTER = datetime.timedelta(days=30)
REVIEW_PERIOD = datetime.timedelta(days=365)


class FreshnessError(Exception):
    """The item cannot be marked reviewed as asked."""


@dataclass
class ReminderRun:
    emails: int = 0
    case_studies: int = 0
    frameworks: int = 0
    recipients: list[str] = field(default_factory=list)


def _due(queryset, today: datetime.date, now: datetime.datetime):
    return queryset.filter(review_by__lt=today).filter(
        Q(reminder_sent_at__isnull=True) | Q(reminder_sent_at__lt=now - REMIND_AGAIN_AFTER)
    )


def curator_emails() -> list[str]:
    """Frameworks belong to the curators as a group."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return sorted(
        set(
            users.filter(Q(is_superuser=True) | Q(profile__role=MemberProfile.Role.CURATOR)).values_list(
                "email", flat=True
            )
        )
    )


def review_reminders_send(*, today: datetime.date | None = None, dry_run: bool = False) -> ReminderRun:
    """Email each owner one list of their published items past review-by.

    A case study's owner is its author, or its contact address when the author
    has gone; frameworks go to the curators. An item is reminded about again
    only after REMIND_AGAIN_AFTER, so a daily cron does not nag.
    """
    now = timezone.now()
    today = today or timezone.localdate()
    case_studies = list(
        _due(CaseStudy.objects.filter(status=CaseStudy.Status.PUBLISHED), today, now)
        .select_related("created_by", "lead_council")
        .order_by("review_by", "pk")
    )
    frameworks = list(
        _due(Framework.objects.filter(status=Framework.Status.PUBLISHED), today, now).order_by("review_by")
    )
    by_owner: dict[str, dict[str, list]] = {}
    for cs in case_studies:
        owner = (cs.created_by.email if cs.created_by and cs.created_by.is_active else "") or cs.contact_email
        if owner:
            by_owner.setdefault(owner, {"case_studies": [], "frameworks": []})["case_studies"].append(cs)
    curators = curator_emails() if frameworks else []
    for email in curators:
        by_owner.setdefault(email, {"case_studies": [], "frameworks": []})["frameworks"] = frameworks
    run = ReminderRun(recipients=sorted(by_owner))
    reminded_cs = {cs.pk for items in by_owner.values() for cs in items["case_studies"]}
    run.case_studies = len(reminded_cs)
    run.frameworks = len(frameworks) if curators else 0
    if dry_run:
        return run
    for email, items in sorted(by_owner.items()):
        context = {**items, "site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, "today": today}
        send_mail(
            subject=f"{settings.SITE_NAME}: please review your content",
            message=render_to_string("practices/email/review_reminder.txt", context),
            from_email=None,
            recipient_list=[email],
        )
        run.emails += 1
        # Recorded per owner as each email goes, so a failure part-way does not
        # make the next run re-send to those already reminded.
        CaseStudy.objects.filter(pk__in=[cs.pk for cs in items["case_studies"]]).update(reminder_sent_at=now)
        if items["frameworks"]:
            Framework.objects.filter(pk__in=[f.pk for f in items["frameworks"]]).update(reminder_sent_at=now)
    return run


@transaction.atomic
def freshness_mark_reviewed(*, item: CaseStudy | Framework, actor, today: datetime.date | None = None):
    """A curator has checked the item is still right: set the next review date a year on."""
    if not isinstance(item, CaseStudy | Framework):
        raise FreshnessError("Only case studies and frameworks have review dates.")
    today = today or timezone.localdate()
    item = type(item).objects.select_for_update().get(pk=item.pk)
    item.review_by = today + REVIEW_PERIOD
    item.reminder_sent_at = None
    item._history_user = actor
    item._change_reason = "Marked as reviewed by a curator"
    item.save(update_fields=["review_by", "reminder_sent_at", "updated_at"])
    return item
