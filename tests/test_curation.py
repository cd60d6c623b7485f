"""Curator tools: access, linking and unlinking, generalising, tag merge and rename, the freshness queue."""

import datetime

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from councils.factories import MemberProfileFactory, ServiceSiloFactory, UserFactory
from councils.models import MemberProfile
from practices.factories import CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory
from practices.models import CaseStudy, Follow, Framework, FrameworkLink
from practices.selectors import discovery
from practices.services.curation import CurationError, tag_merge, tag_rename
from practices.services.search_index import search_index_update


@pytest.fixture
def meals(db):
    silo = ServiceSiloFactory(name="Meals on wheels", slug="meals-on-wheels")
    case_study = CaseStudyFactory(
        title="Scheduling meals-on-wheels delivery rounds",
        slug="meals-rounds",
        primary_silo=silo,
        approach="Vans carry GPS trackers and rounds are planned with route software.",
        things_to_avoid=["Do not show live van positions to the public"],
        tags=["vehicle tracking", "route optimisation"],
    )
    search_index_update(case_study_ids=[case_study.pk])
    return case_study


@pytest.fixture
def fleet_framework(db):
    framework = FrameworkFactory(title="Vehicle tracking and live fleet information", slug="vehicle-tracking")
    framework.tags.add("vehicle tracking", "gps")
    return framework


CURATOR_PAGES = [
    "/curate/",
    "/curate/unlinked/",
    "/curate/case-studies/meals-rounds/",
    "/curate/case-studies/meals-rounds/generalise/",
    "/curate/tags/",
    "/curate/tags/vehicle-tracking/",
    "/curate/freshness/",
]


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", CURATOR_PAGES)
def test_visitors_are_sent_to_sign_in(client, meals, url):
    response = client.get(url)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", CURATOR_PAGES)
def test_members_who_are_not_curators_are_refused(client, meals, officer, url):
    client.force_login(officer)

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", CURATOR_PAGES)
def test_curators_can_open_every_curator_page(client, meals, curator, url, django_assert_max_num_queries):
    client.force_login(curator)
    with django_assert_max_num_queries(14):
        response = client.get(url)

    assert response.status_code == 200
    assert b"govuk-template" in response.content  # the site's own design, not the Django admin


@pytest.mark.parametrize(
    "url",
    [
        "/curate/case-studies/meals-rounds/link/",
        "/curate/case-studies/meals-rounds/unlink/vehicle-tracking/",
        "/curate/tags/vehicle-tracking/rename/",
        "/curate/tags/vehicle-tracking/merge/",
        "/curate/freshness/case-study/meals-rounds/reviewed/",
    ],
)
def test_changes_are_post_only(client, meals, fleet_framework, curator, url):
    client.force_login(curator)

    assert client.get(url).status_code == 405


def test_a_member_cannot_link_by_posting(client, meals, fleet_framework, officer):
    client.force_login(officer)
    response = client.post("/curate/case-studies/meals-rounds/link/", {"framework": "vehicle-tracking"})

    assert response.status_code == 403
    assert not FrameworkLink.objects.exists()


def test_unknown_case_study_is_not_found(client, curator):
    client.force_login(curator)

    assert client.get("/curate/case-studies/no-such-thing/").status_code == 404


# --- Link and unlink -----------------------------------------------------------------------


def test_curation_page_suggests_the_fleet_framework(client, meals, fleet_framework, curator):
    client.force_login(curator)
    html = client.get("/curate/case-studies/meals-rounds/").content.decode()

    assert 'name="framework" value="vehicle-tracking"' in html
    assert "Shared tags: vehicle tracking" in html


def test_one_click_link_records_the_customisation_and_who_did_it(client, meals, fleet_framework, curator):
    client.force_login(curator)
    response = client.post(
        "/curate/case-studies/meals-rounds/link/",
        {"framework": "vehicle-tracking", "customisation": "Vans only, no public map"},
        follow=True,
    )

    link = FrameworkLink.objects.get(case_study=meals, framework=fleet_framework)
    assert link.customisation == "Vans only, no public map"
    assert link.history.first().history_user == curator
    assert "Linked to “Vehicle tracking and live fleet information”" in response.content.decode()
    meals.refresh_from_db()
    assert meals.search_document.framework_ids == [fleet_framework.pk]


def test_linking_twice_shows_an_error_not_a_crash(client, meals, fleet_framework, curator):
    FrameworkLinkFactory(case_study=meals, framework=fleet_framework)
    client.force_login(curator)
    response = client.post("/curate/case-studies/meals-rounds/link/", {"framework": "vehicle-tracking"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "is already linked to" in html


def test_linking_without_a_framework_keeps_what_was_typed(client, meals, curator):
    client.force_login(curator)
    response = client.post("/curate/case-studies/meals-rounds/link/", {"framework": "", "customisation": "Kept text"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose the framework this case study implements" in html
    assert "Kept text" in html


def test_linking_moves_the_case_study_into_the_same_practice(client, meals, fleet_framework, curator):
    bus = CaseStudyFactory(primary_silo=ServiceSiloFactory(name="Transport", slug="transport"))
    FrameworkLinkFactory(case_study=bus, framework=fleet_framework)
    client.force_login(curator)
    client.post("/curate/case-studies/meals-rounds/link/", {"framework": "vehicle-tracking"})

    assert [cs.pk for cs in discovery.case_studies_same_practice_other_silos(bus)] == [meals.pk]
    # The aggregates were refreshed in the same transaction: Meals on wheels now uses it.
    assert "vehicle-tracking" not in [f.slug for f in discovery.frameworks_ideas_from_other_silos(meals.primary_silo)]


def test_unlink_removes_the_link_and_keeps_its_history(client, meals, fleet_framework, curator):
    link = FrameworkLinkFactory(case_study=meals, framework=fleet_framework)
    client.force_login(curator)
    response = client.post("/curate/case-studies/meals-rounds/unlink/vehicle-tracking/", follow=True)

    assert not FrameworkLink.objects.filter(pk=link.pk).exists()
    assert FrameworkLink.history.filter(id=link.pk, history_type="-").get().history_user == curator
    assert "Unlinked from" in response.content.decode()


# --- Generalise -----------------------------------------------------------------------------


def test_generalise_form_is_pre_filled_from_the_case_study(client, meals, curator):
    client.force_login(curator)
    html = client.get("/curate/case-studies/meals-rounds/generalise/").content.decode()

    assert 'value="Scheduling meals-on-wheels delivery rounds"' in html
    assert "Vans carry GPS trackers" in html  # the approach, as a first reusable core
    assert "- Do not show live van positions to the public" in html  # things to avoid, as pitfalls
    assert "route optimisation, vehicle tracking" in html


def test_generalising_creates_a_framework_that_records_its_origin(client, meals, curator):
    client.force_login(curator)
    response = client.post(
        "/curate/case-studies/meals-rounds/generalise/",
        {
            "title": "Planned delivery rounds",
            "slug": "planned-delivery-rounds",
            "summary": "Plan rounds and track vans.",
            "reusable_core": "1. Plan rounds\n2. Track vans",
            "tags": "route optimisation, scheduling",
            "silos": [meals.primary_silo_id],
            "status": "published",
            "customisation": "Devon's rural rounds",
        },
    )

    framework = Framework.objects.get(slug="planned-delivery-rounds")
    assert response.status_code == 302
    assert response["Location"] == f"/curate/frameworks/{framework.slug}/", "the curator's view of it, to publish from"
    assert framework.generalised_from == meals
    assert sorted(framework.tags.names()) == ["route optimisation", "scheduling"]
    assert list(framework.silos.all()) == [meals.primary_silo]
    assert FrameworkLink.objects.get(framework=framework, case_study=meals).customisation == "Devon's rural rounds"
    assert framework.history.first().history_user == curator
    assert Framework.objects.filter(pk=framework.pk, search_vector=SearchQuery("delivery rounds")).exists()
    assert f'Generalised from <a class="govuk-link" href="{meals.get_absolute_url()}"' in (
        client.get(framework.get_absolute_url()).content.decode()
    )


def test_generalise_errors_are_summarised_and_keep_the_input(client, meals, fleet_framework, curator):
    client.force_login(curator)
    response = client.post(
        "/curate/case-studies/meals-rounds/generalise/",
        {"title": "My new framework", "slug": "vehicle-tracking", "status": "published", "summary": ""},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "A framework already uses this web address" in html
    assert "Enter a summary before publishing the framework" in html
    assert 'value="My new framework"' in html
    assert Framework.objects.count() == 1


# --- Tags -----------------------------------------------------------------------------------


@pytest.fixture
def duplicate_tags(db):
    silo = ServiceSiloFactory(name="Transport", slug="transport")
    both = CaseStudyFactory(title="Both tags", slug="both-tags", primary_silo=silo, tags=["gps", "gps tracking"])
    only_old = CaseStudyFactory(title="Old tag only", slug="old-tag-only", primary_silo=silo, tags=["gps tracking"])
    framework = FrameworkFactory(slug="fleet")
    framework.tags.add("gps tracking")
    search_index_update(case_study_ids=[both.pk, only_old.pk], framework_ids=[framework.pk])
    return {"both": both, "only_old": only_old, "framework": framework}


def test_merging_two_tags_leaves_no_orphan_and_search_finds_the_surviving_tag(duplicate_tags, curator):
    old, surviving = Tag.objects.get(name="gps tracking"), Tag.objects.get(name="gps")
    follower, double_follower = UserFactory(), UserFactory()
    Follow.objects.create(user=follower, tag=old)
    Follow.objects.create(user=double_follower, tag=old)
    Follow.objects.create(user=double_follower, tag=surviving)

    result = tag_merge(sources=[old], target=surviving, actor=curator)

    assert (result.case_studies, result.frameworks) == (2, 1)
    assert not Tag.objects.filter(name="gps tracking").exists()
    existing = set(Tag.objects.values_list("pk", flat=True))
    assert set(TaggedItem.objects.values_list("tag_id", flat=True)) <= existing  # no orphan postings
    assert Tag.objects.filter(taggit_taggeditem_items__isnull=True).count() == 0  # no tag left unused
    for item in (duplicate_tags["both"], duplicate_tags["only_old"], duplicate_tags["framework"]):
        assert list(item.tags.names()) == ["gps"]
    assert Follow.objects.filter(tag=surviving).count() == 2
    assert Follow.objects.filter(user=double_follower).count() == 1
    found = CaseStudy.objects.filter(search_document__vector=SearchQuery("gps")).values_list("slug", flat=True)
    assert sorted(found) == ["both-tags", "old-tag-only"]
    assert not CaseStudy.objects.filter(search_document__vector=SearchQuery("tracking")).exists()
    assert duplicate_tags["only_old"].history.first().history_change_reason == "Tags merged: gps tracking → gps"
    assert duplicate_tags["only_old"].search_document.tag_ids == [surviving.pk]


def test_merging_several_sources_at_once_keeps_one_posting_per_item(duplicate_tags, curator):
    CaseStudyFactory(slug="three-tags", tags=["gps", "gps tracking", "satnav"])
    target = Tag.objects.get(name="gps")

    tag_merge(sources=list(Tag.objects.filter(name__in=["gps tracking", "satnav"])), target=target, actor=curator)

    assert list(CaseStudy.objects.get(slug="three-tags").tags.names()) == ["gps"]
    assert TaggedItem.objects.filter(tag=target).count() == 4


def test_merge_through_the_page(client, duplicate_tags, curator):
    client.force_login(curator)
    response = client.post("/curate/tags/gps-tracking/merge/", {"merge-target": "GPS"}, follow=True)

    html = response.content.decode()
    assert "“gps tracking” merged into “gps”: 2 case studies and 1 frameworks re-tagged." in html
    assert not Tag.objects.filter(slug="gps-tracking").exists()


def test_merging_into_an_unknown_tag_explains_the_problem(client, duplicate_tags, curator):
    client.force_login(curator)
    response = client.post("/curate/tags/gps-tracking/merge/", {"merge-target": "gpz"})

    assert response.status_code == 400
    assert "There is no tag with that name" in response.content.decode()
    assert Tag.objects.filter(slug="gps-tracking").exists()


def test_merging_a_tag_into_itself_is_refused(duplicate_tags, curator):
    tag = Tag.objects.get(name="gps")
    with pytest.raises(CurationError):
        tag_merge(sources=[tag], target=tag, actor=curator)


def test_renaming_a_tag_reindexes_what_carries_it(client, duplicate_tags, curator):
    client.force_login(curator)
    response = client.post("/curate/tags/gps-tracking/rename/", {"rename-name": "Satellite  tracking"}, follow=True)

    tag = Tag.objects.get(slug="satellite-tracking")
    assert tag.name == "Satellite tracking"
    assert "Tag renamed to “Satellite tracking”" in response.content.decode()
    found = CaseStudy.objects.filter(search_document__vector=SearchQuery("satellite")).values_list("slug", flat=True)
    assert sorted(found) == ["both-tags", "old-tag-only"]


def test_renaming_onto_an_existing_name_suggests_a_merge(duplicate_tags, curator):
    with pytest.raises(CurationError, match="Merge the two tags instead"):
        tag_rename(tag=Tag.objects.get(name="gps tracking"), name="GPS", actor=curator)


def test_tag_list_counts_items_and_finds_by_name(client, duplicate_tags, curator):
    client.force_login(curator)
    html = client.get("/curate/tags/?q=track").content.decode()

    assert "gps tracking" in html
    assert ">gps<" not in html


# --- Freshness ----------------------------------------------------------------------------


@pytest.fixture
def overdue(db):
    author = MemberProfileFactory(role=MemberProfile.Role.OFFICER).user
    past = timezone.localdate() - datetime.timedelta(days=3)
    stale = CaseStudyFactory(title="Stale write-up", slug="stale", review_by=past, created_by=author)
    fresh = CaseStudyFactory(
        title="Fresh write-up", slug="fresh", review_by=timezone.localdate() + datetime.timedelta(days=30)
    )
    framework = FrameworkFactory(title="Stale framework", slug="stale-framework", review_by=past)
    return {"author": author, "stale": stale, "fresh": fresh, "framework": framework}


def test_freshness_queue_lists_only_items_past_review(client, overdue, curator):
    client.force_login(curator)
    html = client.get("/curate/freshness/").content.decode()

    assert "Stale write-up" in html
    assert "Stale framework" in html
    assert "Fresh write-up" not in html


def test_marking_reviewed_sets_the_next_review_a_year_on(client, overdue, curator):
    client.force_login(curator)
    client.post("/curate/freshness/case-study/stale/reviewed/")

    overdue["stale"].refresh_from_db()
    assert overdue["stale"].review_by == timezone.localdate() + datetime.timedelta(days=365)
    assert overdue["stale"].history.first().history_user == curator
    assert "/curate/freshness/case-study/stale/reviewed/" not in client.get("/curate/freshness/").content.decode()


def test_review_reminders_go_to_owners_once(overdue, curator):
    curator.email = "curator@example.gov.uk"
    curator.save()
    call_command("send_review_reminders")

    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([overdue["author"].email, "curator@example.gov.uk"])
    to_author = next(m for m in mail.outbox if m.to == [overdue["author"].email])
    assert "Stale write-up" in to_author.body
    assert "Fresh write-up" not in to_author.body
    overdue["stale"].refresh_from_db()
    assert overdue["stale"].reminder_sent_at is not None

    mail.outbox.clear()
    call_command("send_review_reminders")
    assert mail.outbox == []


def test_a_case_study_without_an_author_reminds_its_contact_address(db):
    CaseStudyFactory(
        slug="orphan", review_by=timezone.localdate() - datetime.timedelta(days=1), contact_email="team@example.gov.uk"
    )
    call_command("send_review_reminders")

    assert [m.to for m in mail.outbox] == [["team@example.gov.uk"]]


def test_curator_list_pages_do_not_grow_with_data(
    client, meals, fleet_framework, curator, django_assert_max_num_queries
):
    client.force_login(curator)
    past = timezone.localdate() - datetime.timedelta(days=1)
    CaseStudyFactory(tags=["vehicle tracking"], review_by=past)
    FrameworkFactory(slug="overdue-framework", review_by=past)
    urls = ["/curate/unlinked/", "/curate/tags/", "/curate/freshness/", "/curate/case-studies/meals-rounds/"]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(14) as captured:
            client.get(url)
        counts[url] = len(captured.captured_queries)
    for n in range(15):
        CaseStudyFactory(tags=[f"extra tag {n}", "vehicle tracking"], review_by=past)
        FrameworkFactory(slug=f"extra-framework-{n}", review_by=past).tags.add("gps")
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_search_page_finds_merged_items_by_the_surviving_tag(client, duplicate_tags, curator):
    tag_merge(sources=[Tag.objects.get(name="gps tracking")], target=Tag.objects.get(name="gps"), actor=curator)

    html = client.get("/search/?q=gps").content.decode()

    assert "Both tags" in html
    assert "Old tag only" in html


# --- Long names in the history (found by tests/test_fuzz.py) -----------------------------------


def test_renaming_a_tag_to_a_long_name_is_recorded_not_a_500(client, duplicate_tags):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from councils.factories import MemberProfileFactory
    from councils.models import MemberProfile

    curator = MemberProfileFactory(role=MemberProfile.Role.CURATOR).user
    TOTP.activate(curator, generate_totp_secret())
    client.force_login(curator)
    long_name = "vehicle tracking for every council fleet " + "x" * 59  # 100 characters, the most a tag holds
    response = client.post("/curate/tags/gps-tracking/rename/", {"rename-name": long_name})
    assert response.status_code == 302
    reason = duplicate_tags["only_old"].history.first().history_change_reason
    assert reason.startswith("Tag renamed: gps tracking → vehicle tracking")
    assert len(reason) <= 100 and reason.endswith("…")


def test_generalising_a_case_study_with_a_long_title_is_recorded(client, meals, curator):
    meals.title = "Scheduling meals-on-wheels delivery rounds " + "with live van tracking " * 6
    meals.save()
    client.force_login(curator)
    response = client.post(
        "/curate/case-studies/meals-rounds/generalise/",
        {
            "title": "Planned delivery rounds",
            "slug": "planned-delivery-rounds",
            "summary": "Plan rounds.",
            "status": "draft",
            "silos": [meals.primary_silo_id],
        },
    )
    assert response.status_code == 302
    framework = Framework.objects.get(slug="planned-delivery-rounds")
    reason = framework.history.first().history_change_reason
    assert reason.startswith("Generalised from the case study “Scheduling meals-on-wheels")
    assert len(reason) <= 100 and reason.endswith("…")
