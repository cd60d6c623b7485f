"""'Contact the implementer' and 'Request a visit': an email to a case study's contact, limited per sender.

The contact's address is only ever used here, as the recipient; the sender's
address goes in Reply-To so the implementer can answer them directly.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from councils.models import MemberProfile
from practices.models import CaseStudy, Enquiry

logger = logging.getLogger(__name__)

# Enough for a real conversation with several councils; too few to spam implementers.
LIMITS = ((datetime.timedelta(hours=1), 5, "an hour"), (datetime.timedelta(days=1), 20, "a day"))


class EnquiryRefused(Exception):
    """The message was not sent; the text says why and what to do."""


def enquiry_refusal(user, case_study: CaseStudy, kind: str) -> str | None:
    """Why this member may not send this kind of enquiry about this case study, or None if they may."""
    if case_study.status != CaseStudy.Status.PUBLISHED or not case_study.contact_email:
        return "This case study has no contact to send messages to."
    if kind == Enquiry.Kind.VISIT and not case_study.hosts_visits:
        return "This council is not offering visits for this work."
    profile = MemberProfile.objects.filter(user=user).only("council_id").first()
    if profile is not None and profile.council_id and profile.council_id == case_study.lead_council_id:
        return "This is your own council's work: contact the team directly."
    return None


def enquiries_remaining(user, *, now: datetime.datetime | None = None) -> tuple[int, str] | None:
    """If a limit is reached, (0, 'an hour'|'a day'); otherwise None. One query."""
    now = now or timezone.now()
    window, _, _ = LIMITS[-1]
    recent = list(
        Enquiry.objects.filter(sender=user, created_at__gte=now - window).values_list("created_at", flat=True)
    )
    for window, limit, name in LIMITS:
        if sum(1 for sent in recent if sent >= now - window) >= limit:
            return 0, name
    return None


@transaction.atomic
def enquiry_send(*, case_study: CaseStudy, sender, kind: str, message: str, preferred_dates: str = "") -> Enquiry:
    """Record the enquiry and email it to the case study's contact, or raise EnquiryRefused."""
    # Locking the sender's row makes two messages sent at once count one after the other.
    get_user_model().objects.select_for_update().filter(pk=sender.pk).first()
    refusal = enquiry_refusal(sender, case_study, kind)
    if refusal:
        raise EnquiryRefused(refusal)
    limited = enquiries_remaining(sender)
    if limited:
        raise EnquiryRefused(
            f"You have sent the most messages allowed in {limited[1]}. Try again later, "
            "or reply to the emails you have had back."
        )
    enquiry = Enquiry.objects.create(
        case_study=case_study,
        sender=sender,
        kind=kind,
        message=message.strip(),
        preferred_dates=preferred_dates.strip() if kind == Enquiry.Kind.VISIT else "",
    )
    profile = MemberProfile.objects.select_related("council").filter(user=sender).first()
    context = {
        "enquiry": enquiry,
        "case_study": case_study,
        "sender_name": sender.get_full_name() or sender.email,
        "sender_email": sender.email,
        "profile": profile,
        "site_name": settings.SITE_NAME,
        "case_study_url": settings.SITE_URL.rstrip("/") + case_study.get_absolute_url(),
    }
    subject = render_to_string("practices/submit/enquiry_subject.txt", context).strip()
    body = render_to_string("practices/submit/enquiry_message.txt", context)
    email = EmailMessage(subject=subject, body=body, to=[case_study.contact_email], reply_to=[sender.email])
    try:
        email.send()
    except Exception as error:  # noqa: BLE001 - any mail failure means the same thing to the sender
        logger.exception("Enquiry %s could not be sent", enquiry.pk)
        # Raising rolls the enquiry back, so a failed send does not count against the sender.
        raise EnquiryRefused("We could not send your message just now. Try again in a few minutes.") from error
    enquiry.sent_at = timezone.now()
    enquiry.save(update_fields=["sent_at"])
    return enquiry
