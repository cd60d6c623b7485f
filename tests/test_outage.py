"""A database outage gets an honest 503, drawn without the database, never a 500 or a false promise."""

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse

from portal import views
from portal.outage import database_unavailable

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    """Every new cursor fails the way a stopped PostgreSQL makes it fail; counts the attempts."""
    attempts = []

    def refused(self, *args, **kwargs):
        attempts.append(self.alias)
        raise OperationalError('connection to server on socket "/tmp/.s.PGSQL.5432" failed: No such file or directory')

    def start():
        monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refused)
        return attempts

    return start


def signed_in(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/", "/case-studies/", "/search/?q=bus", "/frameworks/", "/councils/"])
def test_pages_answer_503_for_a_signed_in_member_when_the_database_is_down(officer, database_down, path):
    client = signed_in(officer)
    database_down()
    response = client.get(path)
    assert response.status_code == 503
    html = response.content.decode()
    assert "Sorry, the service is unavailable" in html
    assert "Nothing has been changed" in html
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_visitor_gets_503_too(database_down):
    database_down()
    response = Client(raise_request_exception=False).get("/frameworks/")
    assert response.status_code == 503


def test_a_post_during_an_outage_says_plainly_it_was_not_saved(officer, database_down):
    client = signed_in(officer)
    database_down()
    response = client.post(reverse("practices:submit_new"), {"title": "Bin lorry tracking", "action": "save"})
    assert response.status_code == 503
    html = response.content.decode()
    assert "What you just sent has not been saved." in html
    assert "has not been lost" not in html


def test_the_outage_page_itself_asks_the_database_nothing(officer, rf, django_assert_num_queries):
    class UserThatMustNotBeLoaded:
        def __getattr__(self, name):
            raise AssertionError(f"the outage page looked at request.user.{name}")

    request = rf.post("/submit/new/")
    request.user = UserThatMustNotBeLoaded()
    with django_assert_num_queries(0):
        try:
            raise InterfaceError("connection already closed")
        except InterfaceError:
            response = views.server_error(request)
    assert response.status_code == 503


def test_other_errors_still_get_the_500_page_without_the_database(rf, django_assert_num_queries):
    request = rf.get("/")
    with django_assert_num_queries(0):
        try:
            raise ValueError("a bug")
        except ValueError:
            response = views.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "it may not have been saved" in html
    assert "has not been lost" not in html


def test_a_wrapped_connection_error_still_counts_as_an_outage():
    try:
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as inner:
            raise RuntimeError("while loading the page") from inner
    except RuntimeError as outer:
        assert database_unavailable(outer)
    assert not database_unavailable(ValueError("not the database"))


def test_the_portal_answers_normally_once_the_database_is_back(officer, monkeypatch):
    client = signed_in(officer)
    with monkeypatch.context() as patch:
        patch.setattr(BaseDatabaseWrapper, "cursor", lambda self, *a, **k: (_ for _ in ()).throw(OperationalError()))
        assert client.get("/case-studies/").status_code == 503
    assert client.get("/case-studies/").status_code == 200


class TestFormsKeepWhatWasTyped:
    """The server's half of static/form-drafts.js: forms name their kept copy; a save confirms it."""

    def test_the_new_form_names_its_kept_copy(self, client, officer, silo):
        client.force_login(officer)
        html = client.get(reverse("practices:submit_new")).content.decode()
        assert 'data-keep-draft="case-study-new"' in html
        assert "form-drafts.js" in html

    def test_a_saved_new_case_study_confirms_the_kept_copy(self, client, officer, silo):
        client.force_login(officer)
        response = client.post(
            reverse("practices:submit_new"), {"title": "Bin lorry tracking", "primary_silo": silo.pk, "action": "save"}
        )
        assert response.status_code == 302
        cookie = response.cookies["draft_saved"]
        assert cookie.value == "case-study-new"
        assert not cookie["httponly"], "the browser's script must be able to read it"

    def test_a_refused_form_confirms_nothing(self, client, officer, silo):
        client.force_login(officer)
        response = client.post(reverse("practices:submit_new"), {"title": "", "action": "save"})
        assert response.status_code == 400
        assert "draft_saved" not in response.cookies

    def test_an_edit_confirms_its_own_copy_but_a_stale_one_does_not(self, client, officer, council, silo):
        from practices.factories import CaseStudyFactory
        from tests.test_editing import edit_url, form_data

        case_study = CaseStudyFactory(lead_council=council, primary_silo=silo)
        client.force_login(officer)
        assert f'data-keep-draft="case-study-{case_study.pk}"' in client.get(edit_url(case_study)).content.decode()
        stale = form_data(case_study, summary="Typed while someone else saved.")
        saved = client.post(edit_url(case_study), form_data(case_study, summary="Saved first."))
        assert saved.cookies["draft_saved"].value == f"case-study-{case_study.pk}"
        refused = client.post(edit_url(case_study), stale)
        assert refused.status_code == 409
        assert "draft_saved" not in refused.cookies
