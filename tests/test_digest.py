"""The weekly digest: new items in what a member follows, with matches from other silos."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag

from councils.factories import MemberProfileFactory, ServiceSiloFactory
from practices.factories import CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory
from practices.models import Follow
from practices.services.digest import digest_build, digest_send
from practices.services.discovery_stats import discovery_stats_refresh


@pytest.fixture
def silos(db):
    return {
        "care": ServiceSiloFactory(name="Adult social care", slug="adult-social-care"),
        "transport": ServiceSiloFactory(name="Transport", slug="transport"),
        "waste": ServiceSiloFactory(name="Waste", slug="waste"),
    }


@pytest.fixture
def follower(silos):
    """A meals-on-wheels manager in adult social care who follows the tag "vehicle tracking"."""
    user = MemberProfileFactory(silo=silos["care"]).user
    CaseStudyFactory(
        title="Old news",
        primary_silo=silos["transport"],
        tags=["vehicle tracking"],
        published_at=timezone.now() - datetime.timedelta(days=30),
    )
    Follow.objects.create(user=user, tag=Tag.objects.get(name="vehicle tracking"))
    return user


def test_digest_for_a_tag_follower_includes_new_items_from_other_silos(follower, silos):
    CaseStudyFactory(title="GPS on every bus", primary_silo=silos["transport"], tags=["vehicle tracking"])
    CaseStudyFactory(title="Bin lorry tracking", primary_silo=silos["waste"], tags=["vehicle tracking"])
    CaseStudyFactory(title="Trackers on buses again", primary_silo=silos["transport"], tags=["vehicle tracking"])

    run = digest_send()

    assert run.sent == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == [follower.email]
    assert "From other silos: 3 new case studies from Transport and Waste use vehicle tracking." in body
    assert "GPS on every bus" in body and "Bin lorry tracking" in body
    assert "Old news" not in body


def test_new_items_in_the_followers_own_silo_are_listed_as_news(follower, silos):
    CaseStudyFactory(title="Our own tracked meals vans", primary_silo=silos["care"], tags=["vehicle tracking"])

    digest = digest_build(user=follower, since=timezone.now() - datetime.timedelta(days=7), until=timezone.now())

    section = digest.sections[0]
    assert [cs.title for cs in section.new] == ["Our own tracked meals vans"]
    assert section.elsewhere == []


def test_nothing_new_sends_nothing_and_the_next_digest_starts_after_this_one(follower, silos):
    assert digest_send().sent == 0
    assert mail.outbox == []
    assert Follow.objects.get(user=follower).last_digest_at is not None

    CaseStudyFactory(title="Arrived after the last digest", primary_silo=silos["waste"], tags=["vehicle tracking"])
    digest_send()
    assert "Arrived after the last digest" in mail.outbox[0].body

    mail.outbox.clear()
    digest_send()
    assert mail.outbox == []  # already sent once


def test_silo_follower_hears_of_other_silos_using_the_silos_common_tags(silos):
    user = MemberProfileFactory(silo=silos["care"]).user
    CaseStudyFactory(
        primary_silo=silos["care"],
        tags=["route optimisation"],
        published_at=timezone.now() - datetime.timedelta(days=60),
    )
    discovery_stats_refresh()
    Follow.objects.create(user=user, silo=silos["care"])
    CaseStudyFactory(title="Optimised bin rounds", primary_silo=silos["waste"], tags=["route optimisation"])
    CaseStudyFactory(title="Unrelated parking", primary_silo=silos["transport"], tags=["parking"])

    digest_send()

    body = mail.outbox[0].body
    assert "1 new case study from Waste uses route optimisation" in body
    assert "Unrelated parking" not in body


def test_framework_follower_hears_of_new_implementations_in_other_silos(silos):
    user = MemberProfileFactory(silo=silos["care"]).user
    framework = FrameworkFactory(title="Vehicle tracking framework", slug="vt")
    Follow.objects.create(user=user, framework=framework)
    FrameworkLinkFactory(
        case_study=CaseStudyFactory(title="Gritter tracking", primary_silo=silos["transport"]), framework=framework
    )

    digest_send()

    assert "1 new case study from Transport implements Vehicle tracking framework" in mail.outbox[0].body


def test_send_digest_command_reports_what_it_did(follower, silos, capsys):
    CaseStudyFactory(primary_silo=silos["waste"], tags=["vehicle tracking"])

    call_command("send_digest", "--dry-run")
    assert "Would send 1 digest(s)" in capsys.readouterr().out
    assert mail.outbox == []

    call_command("send_digest")
    assert "Sent 1 digest(s)" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_digest_queries_do_not_grow_with_new_items(follower, silos, django_assert_max_num_queries):
    CaseStudyFactory(primary_silo=silos["waste"], tags=["vehicle tracking"])
    since, until = timezone.now() - datetime.timedelta(days=7), timezone.now() + datetime.timedelta(minutes=5)
    with django_assert_max_num_queries(4):
        digest_build(user=follower, since=since, until=until)
    for _ in range(10):
        CaseStudyFactory(primary_silo=silos["transport"], tags=["vehicle tracking"])
    with django_assert_max_num_queries(4):
        digest = digest_build(user=follower, since=since, until=until)
    assert len(digest.sections[0].elsewhere[0].case_studies) == 8  # capped, the email stays readable
