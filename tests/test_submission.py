"""Officers write up their council's work: the structured form, drafts, preview, sending for review,
and who may do what (owner, colleague, another council, curator, visitor)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from councils.factories import CouncilFactory
from practices.factories import CaseStudyFactory, CitizenGroupFactory
from practices.models import CaseStudy
from tests.conftest import WHO

pytestmark = pytest.mark.django_db
Status = CaseStudy.Status


def make(council, silo, officer, status, **kwargs):
    return CaseStudyFactory(
        lead_council=council,
        primary_silo=silo,
        created_by=officer,
        status=status,
        published_at=timezone.now() if status == Status.PUBLISHED else None,
        contact_email="fleet.team@bristol-city-council.gov.uk",
        **kwargs,
    )


def form_data(silo, **overrides):
    data = {
        "title": "Live arrival times for school buses",
        "summary": "Parents see where the school bus is on their phone.",
        "primary_silo": str(silo.pk),
        "problem": "Parents waited in the rain and phoned the depot 600 times a term.",
        "approach": "We fitted GPS units and published positions to a simple web page.",
        "outcomes": "Calls fell from 600 to 90 a term.",
        "lessons": "Involve drivers early\n- Test in winter",
        "things_to_avoid": "Buying hardware before agreeing data standards",
        "start_year": "2021",
        "end_year": "",
        "contact_name": "Fleet team",
        "contact_email": "fleet.team@bristol-city-council.gov.uk",
        "tags": "vehicle tracking, real-time information",
        "partner_council_names": "",
        "partner_agencies": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def check(response, expected):
    if expected == "login":
        assert login_redirect(response), response.status_code
    else:
        assert response.status_code == expected, response.content.decode()[:500]


# -- who may do what -------------------------------------------------------

OFFICER_PAGES = {"owner": 200, "colleague": 403, "outsider": 200, "curator": 200, "visitor": "login"}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("url", ["/submit/", "/submit/new/"])
def test_writing_pages_are_for_officers_and_curators(client_for, who, url):
    response = client_for(who).get(url)
    check(response, OFFICER_PAGES[who])
    if who == "colleague":
        assert "change what you do here in your account" in response.content.decode()


EDIT = {
    Status.DRAFT: {"owner": 200, "colleague": 404, "outsider": 404, "curator": 200, "visitor": "login"},
    Status.RETURNED: {"owner": 200, "colleague": 404, "outsider": 404, "curator": 200, "visitor": "login"},
    Status.SUBMITTED: {"owner": 403, "colleague": 404, "outsider": 404, "curator": 200, "visitor": "login"},
    Status.PUBLISHED: {"owner": 200, "colleague": 403, "outsider": 403, "curator": 200, "visitor": "login"},
}


@pytest.mark.parametrize("status", list(EDIT))
@pytest.mark.parametrize("who", WHO)
def test_edit_page_access(people, council, silo, status, who, client_for):
    case_study = make(council, silo, people["owner"], status)
    response = client_for(who).get(reverse("practices:case_study_edit", args=[case_study.slug]))
    check(response, EDIT[status][who])
    if EDIT[status][who] == 403:
        assert "You cannot change this case study." in response.content.decode()


@pytest.mark.parametrize("status", list(EDIT))
@pytest.mark.parametrize("who", WHO)
def test_saving_an_edit_follows_the_same_rules(people, council, silo, status, who, client_for):
    case_study = make(council, silo, people["owner"], status)
    data = form_data(silo, title="Changed by someone", version=str(case_study.version))
    response = client_for(who).post(reverse("practices:case_study_edit", args=[case_study.slug]), data)
    allowed = EDIT[status][who] == 200
    check(response, 302 if allowed else EDIT[status][who])
    case_study.refresh_from_db()
    assert (case_study.title == "Changed by someone") == allowed
    assert case_study.status == status, "editing never changes the status"


READ_FOR_WRITERS = {
    Status.DRAFT: {"owner": 200, "colleague": 404, "outsider": 404, "curator": 200, "visitor": "login"},
    Status.SUBMITTED: {"owner": 200, "colleague": 404, "outsider": 404, "curator": 200, "visitor": "login"},
    Status.PUBLISHED: {"owner": 200, "colleague": 403, "outsider": 403, "curator": 200, "visitor": "login"},
}


@pytest.mark.parametrize("page", ["practices:submit_preview", "practices:case_study_history"])
@pytest.mark.parametrize("status", list(READ_FOR_WRITERS))
@pytest.mark.parametrize("who", WHO)
def test_preview_and_history_are_for_the_council_officers_and_curators(
    people, council, silo, page, status, who, client_for
):
    case_study = make(council, silo, people["owner"], status)
    check(client_for(who).get(reverse(page, args=[case_study.slug])), READ_FOR_WRITERS[status][who])


SEND = {"owner": 302, "colleague": 404, "outsider": 404, "curator": 302, "visitor": "login"}


@pytest.mark.parametrize("who", WHO)
def test_sending_for_review(people, council, silo, who, client_for):
    case_study = make(council, silo, people["owner"], Status.DRAFT)
    client = client_for(who)
    url = reverse("practices:submit_send", args=[case_study.slug])
    assert client.get(url).status_code in (405, 302), "sending changes state, so GET is refused"
    check(client.post(url), SEND[who])
    case_study.refresh_from_db()
    assert case_study.status == (Status.SUBMITTED if SEND[who] == 302 else Status.DRAFT)


def test_sending_refuses_get(client, officer, council, silo):
    case_study = make(council, silo, officer, Status.DRAFT)
    client.force_login(officer)
    assert client.get(reverse("practices:submit_send", args=[case_study.slug])).status_code == 405


def test_forms_need_the_csrf_token(officer, silo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post("/submit/new/", form_data(silo))
    assert response.status_code == 403
    assert not CaseStudy.objects.exists()
    assert 'name="csrfmiddlewaretoken"' in client.get("/submit/new/").content.decode()


# -- writing ----------------------------------------------------------------


def test_new_draft_is_saved_for_the_officers_council(client, officer, council, silo):
    group = CitizenGroupFactory(name="Families", slug="families")
    partner = CouncilFactory(name="South Gloucestershire Council", slug="south-glos")
    client.force_login(officer)
    response = client.post(
        "/submit/new/",
        form_data(silo, citizen_groups=[str(group.pk)], partner_council_names="south gloucestershire council\n"),
    )
    case_study = CaseStudy.objects.get()
    assert response["Location"] == reverse("practices:case_study_edit", args=[case_study.slug])
    assert case_study.slug == "live-arrival-times-for-school-buses"
    assert case_study.status == Status.DRAFT
    assert case_study.lead_council == council
    assert case_study.created_by == officer
    assert case_study.lessons == ["Involve drivers early", "Test in winter"]
    assert list(case_study.partner_councils.all()) == [partner]
    assert list(case_study.citizen_groups.all()) == [group]
    assert sorted(t.name for t in case_study.tags.all()) == ["real-time information", "vehicle tracking"]
    history = list(case_study.history.all())
    assert len(history) == 1, "one history entry for the whole first save"
    assert history[0].history_user == officer
    assert [row.council_id for row in history[0].historicalcasestudy_partner_councils_set.all()] == [partner.pk]
    assert "Your draft has been saved." in client.get(response["Location"]).content.decode()


def test_a_draft_needs_only_a_title_and_service_area(client, officer, silo):
    client.force_login(officer)
    response = client.post("/submit/new/", {"title": "Half an idea", "primary_silo": str(silo.pk), "action": "save"})
    assert response.status_code == 302
    assert CaseStudy.objects.get().summary == ""


def test_same_title_gets_a_distinct_address(client, officer, council, silo):
    make(council, silo, officer, Status.PUBLISHED, slug="live-arrival-times-for-school-buses")
    client.force_login(officer)
    client.post("/submit/new/", form_data(silo))
    assert CaseStudy.objects.filter(slug="live-arrival-times-for-school-buses-2").exists()


def test_send_for_review_from_the_form_needs_the_answers_a_reader_needs(client, officer, silo):
    client.force_login(officer)
    response = client.post("/submit/new/", form_data(silo, summary="", outcomes="", action="submit"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_summary">Enter a summary</a>' in html
    assert "Describe the outcomes, with figures if you have them" in html
    assert "Parents waited in the rain" in html, "what was typed is still there"
    assert not CaseStudy.objects.exists()


def test_send_for_review_from_the_form(client, officer, silo):
    client.force_login(officer)
    response = client.post("/submit/new/", form_data(silo, action="submit"))
    assert response["Location"] == "/submit/"
    assert CaseStudy.objects.get().status == Status.SUBMITTED
    assert "has been sent to the curators for review" in client.get("/submit/").content.decode()


def test_preview_lists_what_is_missing_and_advises(client, officer, council, silo):
    case_study = make(council, silo, officer, Status.DRAFT, summary="", outcomes="It went well.", things_to_avoid=[])
    client.force_login(officer)
    html = client.get(reverse("practices:submit_preview", args=[case_study.slug])).content.decode()
    assert "Enter a summary" in html
    assert "Your outcomes have no figures" in html
    assert "You have not listed anything to avoid" in html
    assert "Send for review</button>" not in html, "an incomplete draft cannot be sent from the preview"
    response = client.post(reverse("practices:submit_send", args=[case_study.slug]), follow=True)
    assert "Answer the questions listed below" in response.content.decode()
    case_study.refresh_from_db()
    assert case_study.status == Status.DRAFT


def test_preview_then_send(client, officer, council, silo):
    client.force_login(officer)
    response = client.post("/submit/new/", form_data(silo, action="preview"))
    case_study = CaseStudy.objects.get()
    assert response["Location"] == reverse("practices:submit_preview", args=[case_study.slug])
    html = client.get(response["Location"]).content.decode()
    assert "Check your case study before sending it" in html
    assert "Calls fell from 600 to 90 a term." in html
    client.post(reverse("practices:submit_send", args=[case_study.slug]))
    case_study.refresh_from_db()
    assert case_study.status == Status.SUBMITTED


def test_officers_page_lists_the_councils_work_with_curator_comments(client, officer, council, silo, curator):
    from practices.services.workflow import case_study_return

    mine = make(council, silo, officer, Status.SUBMITTED, title="Ours")
    case_study_return(case_study=mine, by=curator, comment="Add the cost of the GPS units.")
    make(CouncilFactory(), silo, None, Status.DRAFT, title="Someone else's")
    client.force_login(officer)
    html = client.get("/submit/").content.decode()
    assert "Ours" in html and "Returned to author" in html
    assert "Add the cost of the GPS units." in html
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html


def test_officers_page_query_count_does_not_grow(client, officer, council, silo, django_assert_max_num_queries):
    client.force_login(officer)
    for i in range(3):
        make(council, silo, officer, Status.DRAFT, title=f"Draft {i}")
    with django_assert_max_num_queries(8) as few:
        client.get("/submit/")
    for i in range(20):
        make(council, silo, officer, Status.RETURNED, title=f"More {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/submit/").status_code == 200


# -- bad input ----------------------------------------------------------------

BAD_INPUT = [
    ({"title": ""}, "title", "Enter a title"),
    ({"title": "x" * 201}, "title", "Title must be 200 characters or fewer"),
    ({"primary_silo": ""}, "primary_silo", "Choose the main service area"),
    ({"primary_silo": "999999"}, "primary_silo", "Choose a service area from the list"),
    ({"summary": "s" * 1001}, "summary", "Summary must be 1,000 characters or fewer"),
    ({"problem": "p" * 10_001}, "problem", "The problem must be 10,000 characters or fewer"),
    ({"approach": "We did it <script>alert(1)</script>"}, "approach", "Remove the script, frame or event-handler code"),
    ({"title": "<SCRIPT src=//evil>"}, "title", "Remove the script, frame or event-handler code"),
    ({"outcomes": "[click](javascript:alert(1))"}, "outcomes", "Remove the script, frame or event-handler code"),
    ({"lessons": "fine\n<img src=x onerror=alert(1)>"}, "lessons", "Remove the script"),
    ({"lessons": "x" * 501}, "lessons", "each point must be 500 characters or fewer"),
    ({"things_to_avoid": "\n".join(f"point {i}" for i in range(16))}, "things_to_avoid", "keep to 15 points or fewer"),
    ({"start_year": "nineteen"}, "start_year", "Enter the year as 4 digits, like 2019"),
    ({"start_year": "1850"}, "start_year", "The year it started must be between 1990 and"),
    ({"start_year": "2020", "end_year": "2019"}, "end_year", "must be the same as or after the year it started"),
    ({"contact_email": "not-an-email"}, "contact_email", "Enter an email address in the correct format"),
    (
        {"partner_council_names": "Atlantis Borough Council"},
        "partner_council_names",
        "We could not find ‘Atlantis Borough Council’",
    ),
    ({"tags": ", ".join(f"tag{i}" for i in range(11))}, "tags", "Use 10 tags or fewer"),
    ({"summary": "null\x00byte"}, "summary", "Null characters are not allowed."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_input_is_explained_beside_the_field_and_nothing_typed_is_lost(
    client, officer, silo, change, field, message
):
    client.force_login(officer)
    data = form_data(silo, **change)
    response = client.post("/submit/new/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert not CaseStudy.objects.exists()
    assert "There is a problem" in html
    assert f'href="#id_{field}"' in html, "the summary links to the field"
    assert f'id="id_{field}-error"' in html, "the message sits beside the field"
    assert message in html
    for name, value in change.items():
        if name != "primary_silo":
            assert escape(value) in html, f"what was typed in {name} is still there"
    if field != "problem":
        assert "Parents waited in the rain and phoned the depot 600 times a term." in html
    assert "<script>alert(1)</script>" not in html, "typed markup is shown as text, never run"


def test_edit_form_shows_review_comments_when_returned(client, officer, council, silo, curator):
    from practices.services.workflow import case_study_return

    case_study = make(council, silo, officer, Status.SUBMITTED)
    case_study_return(case_study=case_study, by=curator, comment="Say what the units cost.")
    client.force_login(officer)
    html = client.get(reverse("practices:case_study_edit", args=[case_study.slug])).content.decode()
    assert "Returned by the curators" in html
    assert "Say what the units cost." in html


def test_page_query_counts_do_not_grow_with_data(officer, outsider, curator, council, silo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from practices.factories import AdoptionFactory, FrameworkFactory
    from practices.services.workflow import case_study_submit

    published = make(council, silo, officer, Status.PUBLISHED, tags=["vehicle tracking"])
    waiting = case_study_submit(case_study=make(council, silo, officer, Status.DRAFT), by=officer)
    pages = [
        (officer, reverse("practices:case_study_edit", args=[published.slug])),
        (officer, reverse("practices:submit_preview", args=[published.slug])),
        (outsider, reverse("practices:case_study_reuse", args=[published.slug])),
        (outsider, reverse("practices:case_study_contact", args=[published.slug])),
        (outsider, published.get_absolute_url()),
        (curator, reverse("practices:review_detail", args=[waiting.slug])),
        (curator, reverse("practices:review_frameworks", args=[published.slug])),
    ]

    def counts():
        result = {}
        for user, url in pages:
            client = Client()
            client.force_login(user)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            result[url] = len(queries.captured_queries)
        return result

    def grow(n):
        for i in range(n):
            other = CaseStudyFactory(tags=["vehicle tracking", f"tag {i}"])
            AdoptionFactory(case_study=published, council=CouncilFactory(), silo=silo)
            FrameworkFactory().tags.add("vehicle tracking")
            published.other_silos.add(other.primary_silo)
            published.citizen_groups.add(CitizenGroupFactory())

    grow(6)  # enough for every panel and suggestion list to be full
    few = counts()
    grow(15)
    assert counts() == few
    assert max(few.values()) <= 30, few
