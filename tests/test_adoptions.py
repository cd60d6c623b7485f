"""'We reused this': a member of another council records reuse of a case study or framework,
and it shows on the case study and on both councils' pages."""

import pytest
from django.test import Client
from django.urls import reverse

from councils.factories import MemberProfileFactory, ServiceSiloFactory
from practices.factories import CaseStudyFactory, FrameworkFactory
from practices.models import Adoption, CaseStudy
from tests.conftest import WHO

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(council, silo, officer):
    return CaseStudyFactory(lead_council=council, primary_silo=silo, created_by=officer, title="Live bus arrivals")


@pytest.fixture
def waste(db):
    return ServiceSiloFactory(name="Waste and recycling", slug="waste")


def reuse_data(silo, **overrides):
    data = {
        "silo": str(silo.pk),
        "status": "live",
        "what_changed": "Used the same trackers on bin lorries; added a missed-bin alert.",
        "effort": "months",
        "outcome": "Missed-bin calls fell by a third.",
    }
    data.update(overrides)
    return data


# The lead council's own people may see the page but not record reuse of their own work.
REUSE = {"owner": 403, "colleague": 403, "outsider": 200, "curator": 200, "visitor": "login"}


@pytest.mark.parametrize("who", WHO)
def test_reuse_form_access(client_for, published, who):
    response = client_for(who).get(reverse("practices:case_study_reuse", args=[published.slug]))
    if REUSE[who] == "login":
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == REUSE[who]
    if REUSE[who] == 403:
        assert "This is your own council&#x27;s work" in response.content.decode()


@pytest.mark.parametrize("who", WHO)
def test_recording_reuse_access(client_for, published, waste, who):
    response = client_for(who).post(reverse("practices:case_study_reuse", args=[published.slug]), reuse_data(waste))
    allowed = REUSE[who] == 200
    if REUSE[who] == "login":
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == (302 if allowed else 403)
    assert Adoption.objects.exists() == allowed


@pytest.mark.parametrize("who", WHO)
def test_drafts_cannot_be_reused(client_for, council, silo, officer, who):
    draft = CaseStudyFactory(lead_council=council, primary_silo=silo, status=CaseStudy.Status.DRAFT, published_at=None)
    response = client_for(who).get(reverse("practices:case_study_reuse", args=[draft.slug]))
    expected = {"owner": 403, "colleague": 404, "outsider": 404, "curator": 403, "visitor": None}[who]
    if expected is None:
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected


def test_reuse_needs_post_and_csrf(outsider, published, waste):
    client = Client(enforce_csrf_checks=True)
    client.force_login(outsider)
    assert (
        client.post(reverse("practices:case_study_reuse", args=[published.slug]), reuse_data(waste)).status_code == 403
    )
    assert not Adoption.objects.exists()


def test_an_adoption_appears_on_the_case_study_and_both_councils_pages(
    client, outsider, published, waste, council, other_council
):
    client.force_login(outsider)
    response = client.post(reverse("practices:case_study_reuse", args=[published.slug]), reuse_data(waste), follow=True)
    assert "Recorded: Leeds City Council reused “Live bus arrivals”" in response.content.decode()
    adoption = Adoption.objects.get()
    assert (adoption.council, adoption.silo, adoption.confirmed_by) == (other_council, waste, outsider)
    assert adoption.history.first().history_user == outsider
    visitor = Client()
    case_study_page = visitor.get(published.get_absolute_url()).content.decode()
    assert "Leeds City Council</a> in Waste and recycling" in case_study_page
    adopter_page = visitor.get(other_council.get_absolute_url()).content.decode()
    assert "Live bus arrivals</a> from Bristol City Council, in Waste and recycling" in adopter_page
    lead_page = visitor.get(council.get_absolute_url()).content.decode()
    assert "Its work reused by others" in lead_page
    assert "Leeds City Council</a> reused <a" in lead_page and "Live bus arrivals" in lead_page


def test_recording_again_updates_the_councils_record(client, outsider, colleague, published, waste, other_council):
    client.force_login(outsider)
    url = reverse("practices:case_study_reuse", args=[published.slug])
    client.post(url, reuse_data(waste, status="planned"))
    teammate = MemberProfileFactory(council=other_council).user
    client.force_login(teammate)
    form = client.get(url).context["form"]
    assert form.initial["status"] == "planned", "the form starts from the council's existing record"
    client.post(url, reuse_data(waste, status="live"))
    adoption = Adoption.objects.get()
    assert adoption.status == "live"
    assert adoption.confirmed_by == teammate
    assert [h.status for h in adoption.history.order_by("history_date")] == ["planned", "live"]


def test_bad_reuse_input_is_explained_and_kept(client, outsider, published, waste):
    client.force_login(outsider)
    response = client.post(
        reverse("practices:case_study_reuse", args=[published.slug]),
        reuse_data(waste, status="", what_changed="<script>alert(1)</script> and more", outcome="o" * 5001),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_status_0">Choose how far it has got</a>' in html
    assert "Remove the script, frame or event-handler code" in html
    assert "What happened must be 5,000 characters or fewer" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; and more" in html
    assert not Adoption.objects.exists()


FRAMEWORK_REUSE = {"owner": 200, "colleague": 200, "outsider": 200, "curator": 200, "visitor": "login"}


@pytest.mark.parametrize("who", WHO)
def test_framework_reuse_is_for_any_council_member(people, waste, who, client_for):
    framework = FrameworkFactory(slug="vehicle-tracking", title="Vehicle tracking")
    client = client_for(who)
    url = reverse("practices:framework_reuse", args=[framework.slug])
    response = client.get(url)
    if FRAMEWORK_REUSE[who] == "login":
        assert response["Location"].startswith("/accounts/login/")
        return
    assert response.status_code == 200
    assert client.post(url, reuse_data(waste)).status_code == 302
    adoption = Adoption.objects.get(framework=framework)
    assert adoption.council == people[who].profile.council
    assert "We reused this" in client.get(framework.get_absolute_url()).content.decode()


def test_unpublished_framework_cannot_be_reused(client, curator, waste):
    framework = FrameworkFactory(status="draft")
    client.force_login(curator)
    assert client.get(reverse("practices:framework_reuse", args=[framework.slug])).status_code == 403


def test_someone_without_a_council_is_told_why(client, published):
    user = MemberProfileFactory(council=None).user
    client.force_login(user)
    response = client.get(reverse("practices:case_study_reuse", args=[published.slug]))
    assert response.status_code == 403
    assert "Confirm your council email address first" in response.content.decode()


def test_reuse_button_shows_for_other_councils_only(client, outsider, officer, published):
    client.force_login(outsider)
    assert "We reused this" in client.get(published.get_absolute_url()).content.decode()
    client.force_login(officer)
    html = client.get(published.get_absolute_url()).content.decode()
    assert "We reused this" not in html
    assert "Edit this case study" in html
