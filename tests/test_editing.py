"""Editing with history: the whole workflow through the pages, refusing stale saves without losing
either version, the history page, and curators restoring an earlier version."""

import pytest
from django.test import Client
from django.urls import reverse

from practices.factories import CaseStudyFactory
from practices.models import CaseStudy
from practices.services.editing import CaseStudyContent, EditConflict, case_study_update
from tests.conftest import WHO

pytestmark = pytest.mark.django_db
Status = CaseStudy.Status


def form_data(case_study, **overrides):
    """What the edit form posts for this case study as it stands, with some answers changed."""
    data = {
        "title": case_study.title,
        "summary": case_study.summary,
        "primary_silo": str(case_study.primary_silo_id),
        "problem": case_study.problem,
        "approach": case_study.approach,
        "outcomes": case_study.outcomes,
        "lessons": "\n".join(case_study.lessons),
        "things_to_avoid": "\n".join(case_study.things_to_avoid),
        "start_year": str(case_study.start_year or ""),
        "contact_email": case_study.contact_email,
        "contact_name": case_study.contact_name,
        "tags": ", ".join(t.name for t in case_study.tags.all()),
        "version": str(case_study.version),
        "action": "save",
    }
    data.update(overrides)
    return data


def edit_url(case_study):
    return reverse("practices:case_study_edit", args=[case_study.slug])


def test_the_whole_workflow_through_the_pages(client, officer, curator, council, silo):
    # draft
    client.force_login(officer)
    client.post(
        "/submit/new/",
        {
            "title": "Shared fleet booking",
            "primary_silo": str(silo.pk),
            "summary": "One booking system for pool cars across services.",
            "problem": "Cars sat idle in one service while another hired taxis.",
            "approach": "A shared calendar and key safes.",
            "outcomes": "Taxi spend fell by £40,000 a year.",
            "start_year": "2020",
            "contact_email": "fleet@bristol-city-council.gov.uk",
            "action": "save",
        },
    )
    case_study = CaseStudy.objects.get()
    assert case_study.status == Status.DRAFT
    # submitted
    client.post(reverse("practices:submit_send", args=[case_study.slug]))
    case_study.refresh_from_db()
    assert case_study.status == Status.SUBMITTED
    assert client.get(edit_url(case_study)).status_code == 403, "locked while the curators review it"
    # returned
    client.force_login(curator)
    client.post(reverse("practices:review_return", args=[case_study.slug]), {"comment": "Say what the key safes cost."})
    case_study.refresh_from_db()
    assert case_study.status == Status.RETURNED
    # resubmitted, with the change asked for
    client.force_login(officer)
    client.post(
        edit_url(case_study),
        form_data(case_study, approach="A shared calendar and key safes (£300 each).", action="submit"),
    )
    case_study.refresh_from_db()
    assert case_study.status == Status.SUBMITTED
    # published
    client.force_login(curator)
    client.post(reverse("practices:review_publish", args=[case_study.slug]))
    case_study.refresh_from_db()
    assert case_study.status == Status.PUBLISHED
    assert "Shared fleet booking" in client.get("/case-studies/").content.decode()
    # edited while published: stays published, change recorded
    client.force_login(officer)
    client.post(edit_url(case_study), form_data(case_study, outcomes="Taxi spend fell by £52,000 a year."))
    case_study.refresh_from_db()
    assert case_study.status == Status.PUBLISHED
    assert case_study.outcomes == "Taxi spend fell by £52,000 a year."
    latest = case_study.history.first()
    assert latest.history_user == officer
    assert latest.history_change_reason == "Edited while published: outcomes"
    assert Client().get(case_study.get_absolute_url()).status_code == 200
    # restored by a curator: the earlier outcome is back, as a new version
    client.force_login(curator)
    history = client.get(reverse("practices:case_study_history", args=[case_study.slug]))
    earlier = history.context["entries"][1].record
    response = client.post(
        reverse("practices:case_study_restore", args=[case_study.slug, earlier.history_id]),
        {"version": str(case_study.version)},
        follow=True,
    )
    assert "The earlier version has been restored." in response.content.decode()
    case_study.refresh_from_db()
    assert case_study.outcomes == "Taxi spend fell by £40,000 a year."
    assert case_study.status == Status.PUBLISHED
    statuses = [h.status for h in case_study.history.order_by("history_date", "history_id")]
    assert statuses == [
        "draft",
        "submitted",
        "returned",
        "returned",
        "submitted",
        "published",
        "published",
        "published",
    ]
    assert case_study.history.filter(outcomes="Taxi spend fell by £52,000 a year.").exists(), "nothing is lost"


def test_a_stale_save_is_refused_and_both_versions_survive(client, officer, curator, council, silo):
    case_study = CaseStudyFactory(lead_council=council, primary_silo=silo, outcomes="Calls fell by 40%.")
    first, second = Client(), Client()
    first.force_login(officer)
    second.force_login(curator)
    # Both open the form at the same version...
    first_form = form_data(case_study, outcomes="Calls fell from 900 to 540 a month.")
    second_form = form_data(case_study, outcomes="Calls fell by 40% in the first year.", summary="Edited summary.")
    # ...the first saves...
    assert first.post(edit_url(case_study), first_form).status_code == 302
    # ...and the second's save is refused, keeping what they typed and showing the saved version.
    response = second.post(edit_url(case_study), second_form)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Your changes have not been saved" in html
    assert "saved this case study while you were editing it" in html
    assert "Calls fell by 40% in the first year.</textarea>" in html, "the second version is still in the form"
    assert "Calls fell from 900 to 540 a month." in html, "the saved version is shown beside it"
    case_study.refresh_from_db()
    assert case_study.outcomes == "Calls fell from 900 to 540 a month."
    assert response.context["form"]["version"].value() == str(case_study.version)
    # The refused version is stored too, so it survives even if the second person walks away.
    refused = case_study.refused_edits.get()
    assert refused.author == curator
    assert "Calls fell by 40% in the first year." in refused.content.values()
    history = second.get(reverse("practices:case_study_history", args=[case_study.slug])).content.decode()
    assert "Edits refused because someone saved first" in history
    assert "Calls fell by 40% in the first year." in history
    # Saving again, now knowingly, replaces it; the first version stays in the history.
    resend = dict(second_form, version=str(case_study.version))
    assert second.post(edit_url(case_study), resend).status_code == 302
    case_study.refresh_from_db()
    assert case_study.outcomes == "Calls fell by 40% in the first year."
    assert case_study.history.filter(outcomes="Calls fell from 900 to 540 a month.").exists()


def test_the_service_refuses_stale_versions(officer, council, silo):
    case_study = CaseStudyFactory(lead_council=council, primary_silo=silo)
    content = CaseStudyContent(fields={"title": "New title"})
    case_study_update(case_study=case_study, by=officer, content=content, expected_version=case_study.version)
    with pytest.raises(EditConflict) as refused:
        case_study_update(
            case_study=case_study, by=officer, content=CaseStudyContent(fields={"title": "Other"}), expected_version=1
        )
    assert refused.value.current.title == "New title"


def test_saving_without_changes_adds_no_history(client, officer, council, silo):
    case_study = CaseStudyFactory(lead_council=council, primary_silo=silo, tags=["vehicle tracking"])
    before = case_study.history.count()
    client.force_login(officer)
    response = client.post(edit_url(case_study), form_data(case_study), follow=True)
    assert "There were no changes to save." in response.content.decode()
    assert case_study.history.count() == before


def test_history_shows_who_changed_what_and_when(client, officer, council, silo):
    officer.first_name = "Olu Adeyemi"
    officer.save()
    case_study = CaseStudyFactory(lead_council=council, primary_silo=silo, summary="Old summary.")
    client.force_login(officer)
    client.post(edit_url(case_study), form_data(case_study, summary="New summary.", title="Better title"))
    response = client.get(reverse("practices:case_study_history", args=[case_study.slug]))
    html = response.content.decode()
    assert "Olu Adeyemi" in html
    assert "Edited while published: title, summary" in html
    assert "<strong>Before:</strong> Old summary." in html
    assert "<strong>After:</strong> New summary." in html
    assert "Restore this version" not in html, "only curators restore"


RESTORE = {"owner": 403, "colleague": 403, "outsider": 403, "curator": 302, "visitor": "login"}


@pytest.mark.parametrize("who", WHO)
def test_only_curators_restore(officer, colleague, outsider, curator, council, silo, who):
    people = {"owner": officer, "colleague": colleague, "outsider": outsider, "curator": curator, "visitor": None}
    case_study = CaseStudyFactory(lead_council=council, primary_silo=silo, title="Original")
    case_study_update(
        case_study=case_study,
        by=officer,
        content=CaseStudyContent(fields={"title": "Changed"}),
        expected_version=case_study.version,
    )
    original = case_study.history.order_by("history_date").first()
    client = Client()
    if people[who]:
        client.force_login(people[who])
    url = reverse("practices:case_study_restore", args=[case_study.slug, original.history_id])
    assert client.get(url).status_code in (302, 405), "restoring changes data, so GET is refused"
    response = client.post(url, {"version": "2"})
    if RESTORE[who] == "login":
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == RESTORE[who]
    case_study.refresh_from_db()
    assert case_study.title == ("Original" if who == "curator" else "Changed")


def test_restoring_from_a_stale_history_page_is_refused(client, curator, officer, council, silo):
    case_study = CaseStudyFactory(lead_council=council, primary_silo=silo, title="Original")
    first = case_study.history.first()
    case_study_update(
        case_study=case_study, by=officer, content=CaseStudyContent(fields={"title": "Changed"}), expected_version=1
    )
    client.force_login(curator)
    url = reverse("practices:case_study_restore", args=[case_study.slug, first.history_id])
    response = client.post(url, {"version": "1"}, follow=True)
    assert "changed after you opened its history" in response.content.decode()
    case_study.refresh_from_db()
    assert case_study.title == "Changed"


def test_a_version_of_another_case_study_cannot_be_restored(client, curator, council, silo):
    case_study = CaseStudyFactory(lead_council=council, primary_silo=silo)
    other = CaseStudyFactory()
    client.force_login(curator)
    url = reverse("practices:case_study_restore", args=[case_study.slug, other.history.first().history_id])
    response = client.post(url, {"version": str(case_study.version)}, follow=True)
    assert "That version does not belong to this case study." in response.content.decode()


def test_history_query_count_does_not_grow(client, officer, council, silo, django_assert_max_num_queries):
    case_study = CaseStudyFactory(lead_council=council, primary_silo=silo)
    client.force_login(officer)
    url = reverse("practices:case_study_history", args=[case_study.slug])

    def edits(n):
        for i in range(n):
            case_study.refresh_from_db()
            case_study_update(
                case_study=case_study,
                by=officer,
                content=CaseStudyContent(fields={"summary": f"Summary {case_study.version} {i}"}),
                expected_version=case_study.version,
            )

    edits(3)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    edits(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["entries"]) == 20
    assert response.context["page"].has_next()
