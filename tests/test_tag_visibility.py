"""Tags count published work only: a tag used only on drafts or submissions has no page, feed, follow or suggestion."""

import pytest

from practices.factories import CaseStudyFactory, FrameworkFactory
from practices.models import CaseStudy, Framework
from practices.services.workflow import case_study_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_tag(council, silo):
    """A tag that only an unpublished case study and an unpublished framework carry."""
    CaseStudyFactory(
        lead_council=council,
        primary_silo=silo,
        status=CaseStudy.Status.SUBMITTED,
        published_at=None,
        tags=["Pothole drones"],
    )
    FrameworkFactory(status=Framework.Status.DRAFT).tags.add("Pothole drones")
    return "pothole-drones"


@pytest.fixture
def public_tag(council, silo):
    CaseStudyFactory(lead_council=council, primary_silo=silo, tags=["Pothole reporting"])
    return "pothole-reporting"


@pytest.mark.parametrize("who", ["visitor", "owner", "colleague"])
def test_tag_page_and_feed_of_a_tag_only_on_drafts_are_not_found(client_for, draft_tag, who):
    client = client_for(who)
    assert client.get(f"/tags/{draft_tag}/").status_code == 404
    assert client.get(f"/feeds/tags/{draft_tag}/").status_code == 404


def test_a_tag_only_on_drafts_cannot_be_followed(client_for, draft_tag):
    assert client_for("colleague").post(f"/follow/tag/{draft_tag}/").status_code == 404


def test_tag_page_and_feed_of_a_published_tag_are_shown(client, public_tag):
    page = client.get(f"/tags/{public_tag}/")
    assert page.status_code == 200
    assert "Pothole reporting" in page.content.decode()
    feed = client.get(f"/feeds/tags/{public_tag}/")
    assert feed.status_code == 200
    assert "Live tracking for fleet" in feed.content.decode()


def test_a_tag_on_a_published_framework_alone_has_a_page(client):
    FrameworkFactory(title="Drone surveys of roads").tags.add("Road drones")
    page = client.get("/tags/road-drones/")
    assert page.status_code == 200
    assert "Drone surveys of roads" in page.content.decode()


def test_the_tag_page_appears_once_the_work_is_published(client, draft_tag, curator):
    assert client.get(f"/tags/{draft_tag}/").status_code == 404
    case_study = CaseStudy.objects.get(tags__slug=draft_tag)
    case_study_publish(case_study=case_study, by=curator)
    assert client.get(f"/tags/{draft_tag}/").status_code == 200


def test_search_suggests_only_tags_that_published_work_carries(client, draft_tag, public_tag):
    html = client.get("/search/", {"q": "pothole"}).content.decode()
    assert "Tags that look like your search" in html
    assert "Pothole reporting" in html
    assert "Pothole drones" not in html
