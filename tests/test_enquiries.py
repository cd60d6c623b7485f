"""'Contact the implementer' and 'Request a visit': emailed to the case study's contact (never shown
to visitors), replies go to the sender, and each member can only send so many."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from practices.factories import CaseStudyFactory
from practices.models import CaseStudy, Enquiry
from practices.services.enquiries import LIMITS
from tests.conftest import WHO

pytestmark = pytest.mark.django_db
CONTACT = "fleet.team@bristol-city-council.gov.uk"


@pytest.fixture
def published(council, silo):
    return CaseStudyFactory(
        lead_council=council, primary_silo=silo, title="Live bus arrivals", contact_email=CONTACT, hosts_visits=True
    )


# The lead council's own staff talk to the team directly; everyone else signed in may write.
SEND = {"owner": 403, "colleague": 403, "outsider": 200, "curator": 200, "visitor": "login"}


@pytest.mark.parametrize("page", ["practices:case_study_contact", "practices:case_study_visit"])
@pytest.mark.parametrize("who", WHO)
def test_enquiry_form_access(client_for, published, page, who):
    response = client_for(who).get(reverse(page, args=[published.slug]))
    if SEND[who] == "login":
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == SEND[who]


@pytest.mark.parametrize("page", ["practices:case_study_contact", "practices:case_study_visit"])
@pytest.mark.parametrize("who", WHO)
def test_sending_access(client_for, published, page, who):
    response = client_for(who).post(reverse(page, args=[published.slug]), {"message": "Hello, how did you fund it?"})
    allowed = SEND[who] == 200
    if SEND[who] == "login":
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == (302 if allowed else 403)
    assert len(mail.outbox) == (1 if allowed else 0)


@pytest.mark.parametrize("who", WHO)
def test_drafts_have_no_contact_form(client_for, council, silo, who):
    draft = CaseStudyFactory(
        lead_council=council, primary_silo=silo, status=CaseStudy.Status.DRAFT, published_at=None, contact_email=CONTACT
    )
    response = client_for(who).get(reverse("practices:case_study_contact", args=[draft.slug]))
    expected = {"owner": 403, "colleague": 404, "outsider": 404, "curator": 403}.get(who)
    if expected is None:
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected


def test_message_is_emailed_to_the_contact_with_replies_to_the_sender(client, outsider, published):
    outsider.first_name = "Jo Patel"
    outsider.save()
    client.force_login(outsider)
    response = client.post(
        reverse("practices:case_study_contact", args=[published.slug]),
        {"message": "How did you persuade the drivers?"},
        follow=True,
    )
    assert f"Replies come straight to {outsider.email}" in response.content.decode()
    [email] = mail.outbox
    assert email.to == [CONTACT]
    assert email.reply_to == [outsider.email]
    assert email.subject == "Question about “Live bus arrivals” from Leeds City Council"
    assert "Jo Patel, Service improvement officer, Leeds City Council, has a question" in email.body
    assert "How did you persuade the drivers?" in email.body
    enquiry = Enquiry.objects.get()
    assert enquiry.sent_at is not None and enquiry.kind == "contact"


def test_visit_request_carries_dates(client, outsider, published):
    client.force_login(outsider)
    client.post(
        reverse("practices:case_study_visit", args=[published.slug]),
        {"message": "Three of us would like to see the control room.", "preferred_dates": "Any Tuesday in March"},
    )
    [email] = mail.outbox
    assert email.subject.startswith("Request to visit “Live bus arrivals”")
    assert "Preferred dates: Any Tuesday in March" in email.body


def test_no_visits_means_no_visit_form(client, outsider, council, silo):
    case_study = CaseStudyFactory(lead_council=council, primary_silo=silo, contact_email=CONTACT, hosts_visits=False)
    client.force_login(outsider)
    response = client.get(reverse("practices:case_study_visit", args=[case_study.slug]))
    assert response.status_code == 403
    assert "not offering visits" in response.content.decode()
    assert "Request a visit" not in client.get(case_study.get_absolute_url()).content.decode()


def test_the_contact_address_is_never_shown_to_visitors(client, outsider, published):
    assert CONTACT not in client.get(published.get_absolute_url()).content.decode()
    client.force_login(outsider)
    page = client.get(reverse("practices:case_study_contact", args=[published.slug])).content.decode()
    assert CONTACT not in page, "the form does not reveal where it sends"


def test_sending_refuses_get_and_needs_csrf(outsider, published):
    client = Client(enforce_csrf_checks=True)
    client.force_login(outsider)
    response = client.post(reverse("practices:case_study_contact", args=[published.slug]), {"message": "Hi"})
    assert response.status_code == 403
    assert mail.outbox == []


def test_empty_or_oversized_messages_are_explained_and_kept(client, outsider, published):
    client.force_login(outsider)
    url = reverse("practices:case_study_visit", args=[published.slug])
    html = client.post(url, {"message": "   ", "preferred_dates": "next week"}).content.decode()
    assert 'href="#id_message">Enter your message</a>' in html
    assert 'value="next week"' in html
    response = client.post(url, {"message": "m" * 5001, "preferred_dates": "d" * 201})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your message must be 5,000 characters or fewer" in html
    assert "Preferred dates must be 200 characters or fewer" in html
    assert "m" * 5001 in html
    assert mail.outbox == []


def test_members_are_limited_per_hour(client, outsider, published):
    client.force_login(outsider)
    url = reverse("practices:case_study_contact", args=[published.slug])
    _, per_hour, _ = LIMITS[0]
    for i in range(per_hour):
        assert client.post(url, {"message": f"Question {i}"}).status_code == 302
    response = client.post(url, {"message": "One more question"})
    html = response.content.decode()
    assert response.status_code == 429
    assert "You have sent the most messages allowed in an hour" in html
    assert "One more question" in html, "the unsent message is kept"
    assert len(mail.outbox) == per_hour
    assert Enquiry.objects.count() == per_hour


def test_the_daily_limit_counts_older_messages(client, outsider, published):
    _, per_day = LIMITS[1][:2]
    earlier = timezone.now() - datetime.timedelta(hours=3)
    for i in range(per_day):
        enquiry = Enquiry.objects.create(case_study=published, sender=outsider, message=f"Old {i}")
        Enquiry.objects.filter(pk=enquiry.pk).update(created_at=earlier)
    client.force_login(outsider)
    url = reverse("practices:case_study_contact", args=[published.slug])
    assert "most messages allowed in a day" in client.get(url).content.decode()
    assert client.post(url, {"message": "Hello"}).status_code == 429
    assert mail.outbox == []


def test_a_failed_send_is_not_counted(client, outsider, published, settings):
    settings.EMAIL_BACKEND = "tests.test_enquiries.BrokenBackend"
    client.force_login(outsider)
    response = client.post(reverse("practices:case_study_contact", args=[published.slug]), {"message": "Hello"})
    assert response.status_code == 503
    assert "We could not send your message just now" in response.content.decode()
    assert not Enquiry.objects.exists()


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")
