"""The weekly email digest: what is new in what a member follows, and matches from other silos."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from councils.models import ServiceSilo
from councils.selectors import member_profile
from practices.models import CaseStudy, Follow

DIGEST_DAYS = 7
# Enough to be worth reading, few enough to read.
ITEMS_PER_SECTION = 8
# A silo follow also reports new work elsewhere using the silo's most common tags.
SILO_TOP_TAGS = 8


@dataclass
class CrossSiloMatch:
    """New case studies in other silos that share something with what is followed."""

    case_studies: list[CaseStudy]
    silos: list[ServiceSilo]
    what: str  # "use vehicle tracking", "implement Vehicle tracking and live fleet information"

    @property
    def sentence(self) -> str:
        count = len(self.case_studies)
        noun = "case study" if count == 1 else "case studies"
        verb = (
            self.what if count != 1 else self.what.replace("use ", "uses ", 1).replace("implement ", "implements ", 1)
        )
        return f"{count} new {noun} from {join_names([silo.name for silo in self.silos])} {verb}"


@dataclass
class DigestSection:
    follow: Follow
    title: str
    url: str
    new: list[CaseStudy] = field(default_factory=list)
    elsewhere: list[CrossSiloMatch] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.new and not self.elsewhere


@dataclass
class Digest:
    user: object
    since: datetime.datetime
    until: datetime.datetime
    sections: list[DigestSection]

    @property
    def is_empty(self) -> bool:
        return all(section.is_empty for section in self.sections)


@dataclass
class DigestRun:
    sent: int = 0
    empty: int = 0
    recipients: list[str] = field(default_factory=list)


def join_names(names: list[str]) -> str:
    """'Transport', 'Transport and Waste', 'Transport, Waste and Highways'."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _new_published(since, until):
    return (
        CaseStudy.objects.filter(status=CaseStudy.Status.PUBLISHED, published_at__gt=since, published_at__lte=until)
        .select_related("lead_council", "primary_silo")
        .order_by("-published_at", "pk")
    )


def _group_other_silos(case_studies: list[CaseStudy], home_silo_id: int | None, what: str) -> CrossSiloMatch | None:
    others = [cs for cs in case_studies if cs.primary_silo_id != home_silo_id]
    if not others:
        return None
    silos: dict[int, ServiceSilo] = {}
    for cs in others:
        silos.setdefault(cs.primary_silo_id, cs.primary_silo)
    return CrossSiloMatch(case_studies=others, silos=list(silos.values()), what=what)


def _tag_section(follow: Follow, since, until, home_silo_id) -> DigestSection:
    tag = follow.tag
    new = list(_new_published(since, until).filter(tags=tag)[: ITEMS_PER_SECTION * 2])
    section = DigestSection(follow=follow, title=f"Tag: {tag.name}", url=f"/tags/{tag.slug}/")
    # The follower's own silo is news; other silos are the point of the digest.
    section.new = [cs for cs in new if cs.primary_silo_id == home_silo_id][:ITEMS_PER_SECTION]
    match = _group_other_silos(new, home_silo_id, f"use {tag.name}")
    if match:
        match.case_studies = match.case_studies[:ITEMS_PER_SECTION]
        section.elsewhere.append(match)
    return section


def _framework_section(follow: Follow, since, until, home_silo_id) -> DigestSection:
    framework = follow.framework
    new = list(_new_published(since, until).filter(framework_links__framework=framework)[: ITEMS_PER_SECTION * 2])
    section = DigestSection(follow=follow, title=f"Framework: {framework.title}", url=framework.get_absolute_url())
    section.new = [cs for cs in new if cs.primary_silo_id == home_silo_id][:ITEMS_PER_SECTION]
    match = _group_other_silos(new, home_silo_id, f"implement {framework.title}")
    if match:
        match.case_studies = match.case_studies[:ITEMS_PER_SECTION]
        section.elsewhere.append(match)
    return section


_SILO_TOP_TAGS_SQL = """
SELECT st.tag_id, t.name FROM practices_silo_tag_stats st JOIN taggit_tag t ON t.id = st.tag_id
 WHERE st.silo_id = %s AND st.tag_id <> 0
 ORDER BY st.case_studies DESC, t.name
 LIMIT %s
"""


def _silo_section(follow: Follow, since, until) -> DigestSection:
    silo = follow.silo
    section = DigestSection(follow=follow, title=f"Silo: {silo.name}", url=silo.get_absolute_url())
    section.new = list(_new_published(since, until).filter(primary_silo=silo)[:ITEMS_PER_SECTION])
    with connection.cursor() as cursor:
        cursor.execute(_SILO_TOP_TAGS_SQL, [silo.pk, SILO_TOP_TAGS])
        top_tags = cursor.fetchall()
    if not top_tags:
        return section
    names = dict(top_tags)
    elsewhere = (
        _new_published(since, until)
        .exclude(primary_silo=silo)
        .filter(tags__in=list(names))
        .prefetch_related("tags")
        .distinct()[: ITEMS_PER_SECTION * 4]
    )
    # Group by the silo's commonest tag each one carries, so each line reads
    # "3 new case studies from Transport and Waste use vehicle tracking".
    by_tag: dict[int, list[CaseStudy]] = {}
    rank = {tag_id: position for position, (tag_id, _) in enumerate(top_tags)}
    for cs in elsewhere:
        carried = [tag.pk for tag in cs.tags.all() if tag.pk in names]
        if carried:
            by_tag.setdefault(min(carried, key=rank.__getitem__), []).append(cs)
    for tag_id in sorted(by_tag, key=rank.__getitem__):
        match = _group_other_silos(by_tag[tag_id], silo.pk, f"use {names[tag_id]}")
        if match:
            match.case_studies = match.case_studies[:ITEMS_PER_SECTION]
            section.elsewhere.append(match)
    return section


def digest_build(*, user, since: datetime.datetime, until: datetime.datetime) -> Digest:
    """What is new for the user between the two moments, one section per follow."""
    profile = member_profile(user)
    home_silo_id = profile.silo_id if profile else None
    sections = []
    for follow in Follow.objects.filter(user=user).select_related("silo", "tag", "framework").order_by("pk"):
        if follow.silo_id:
            sections.append(_silo_section(follow, since, until))
        elif follow.tag_id:
            sections.append(_tag_section(follow, since, until, home_silo_id))
        else:
            sections.append(_framework_section(follow, since, until, home_silo_id))
    return Digest(user=user, since=since, until=until, sections=sections)


def digest_send(*, now: datetime.datetime | None = None, dry_run: bool = False) -> DigestRun:
    """Email each follower what is new since their last digest (or the last week).

    Members with nothing new get no email, but their follows are still marked
    as covered up to now so next week's digest starts where this one ended.
    """
    now = now or timezone.now()
    run = DigestRun()
    users = get_user_model().objects.filter(follows__isnull=False, is_active=True).exclude(email="").distinct()
    for user in users.order_by("pk").iterator():
        last = Follow.objects.filter(user=user, last_digest_at__isnull=False).order_by("last_digest_at").first()
        since = last.last_digest_at if last else now - datetime.timedelta(days=DIGEST_DAYS)
        digest = digest_build(user=user, since=since, until=now)
        if digest.is_empty:
            run.empty += 1
        else:
            run.sent += 1
            run.recipients.append(user.email)
        if dry_run:
            continue
        with transaction.atomic():
            if not digest.is_empty:
                context = {"digest": digest, "site_url": settings.SITE_URL, "site_name": settings.SITE_NAME}
                send_mail(
                    subject=f"{settings.SITE_NAME}: new this week in what you follow",
                    message=render_to_string("practices/email/digest.txt", context),
                    from_email=None,
                    recipient_list=[user.email],
                )
            Follow.objects.filter(user=user).update(last_digest_at=now)
    return run
