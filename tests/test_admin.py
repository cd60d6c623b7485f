"""The Django admin: every model's list, search and edit page works for a superuser."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.urls import reverse

from councils.factories import UserFactory
from practices.factories import AdoptionFactory, FrameworkLinkFactory
from practices.models import CaseStudy

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    """A superuser with an authenticator app: the admin lets no one in without one (tests/test_access.py)."""
    user = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


def registered_models():
    return [model for model in admin.site._registry if model._meta.app_label in {"councils", "practices"}]


def test_every_changelist_filters_and_searches(superuser_client):
    link = FrameworkLinkFactory()
    AdoptionFactory(case_study=link.case_study)
    for model in registered_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert superuser_client.get(url).status_code == 200, url
        assert superuser_client.get(url, {"q": "tracking"}).status_code == 200, url


def test_every_change_form_opens(superuser_client):
    link = FrameworkLinkFactory()
    adoption = AdoptionFactory(case_study=link.case_study)
    objects = [
        link,
        link.case_study,
        link.framework,
        link.case_study.lead_council,
        link.case_study.primary_silo,
        adoption,
    ]
    for obj in objects:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        assert str(obj) in response.content.decode()


def test_case_study_history_is_visible_in_admin(superuser_client):
    link = FrameworkLinkFactory()
    url = reverse("admin:practices_casestudy_history", args=[link.case_study.pk])
    assert superuser_client.get(url).status_code == 200


def test_autocomplete_finds_councils(superuser_client):
    link = FrameworkLinkFactory()
    council = link.case_study.lead_council
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "practices", "model_name": "casestudy", "field_name": "lead_council", "term": council.name[:8]},
    )
    assert response.status_code == 200
    assert council.name in [result["text"] for result in response.json()["results"]]


def admin_form(obj, **changes) -> dict:
    """The change form's fields as the admin page posts them, with some changed."""
    from django.forms.models import model_to_dict
    from taggit.utils import edit_string_for_tags

    data = {}
    for name, value in model_to_dict(obj).items():
        if isinstance(value, list) and value and hasattr(value[0], "pk"):
            data[name] = [item.pk for item in value]
        elif isinstance(value, list) and name in {"lessons", "things_to_avoid"}:
            data[name] = ",".join(value)
        elif value is None:
            data[name] = ""
        else:
            data[name] = value
    data["tags"] = edit_string_for_tags(list(obj.tags.all()))
    data["opened_version"] = obj.version
    for inline in ("framework_links", "implementation_links"):  # the read-only links inline's management form
        data.update({f"{inline}-TOTAL_FORMS": 0, f"{inline}-INITIAL_FORMS": 0})
    data.update(changes)
    return data


def test_an_admin_edit_goes_through_the_service_and_reaches_search(superuser_client):
    from practices.services.search_index import search_index_update

    link = FrameworkLinkFactory(case_study__title="Bin lorry cameras", case_study__tags=["vehicle tracking"])
    case_study = link.case_study
    search_index_update(case_study_ids=[case_study.pk])
    url = reverse("admin:practices_casestudy_change", args=[case_study.pk])

    response = superuser_client.post(url, admin_form(case_study, title="Refuse fleet cameras and telematics"))

    assert response.status_code == 302, response.content.decode()[:2000]
    case_study.refresh_from_db()
    assert case_study.version == 2, "one edit, through case_study_update"
    assert case_study.history.latest("history_date").history_change_reason == "Edited while published: title"
    results = superuser_client.get("/search/", {"q": "telematics"}).content.decode()
    assert "Refuse fleet cameras and telematics" in results


def test_an_admin_framework_edit_reaches_search_and_keeps_status_read_only(superuser_client):
    link = FrameworkLinkFactory()
    framework = link.framework
    url = reverse("admin:practices_framework_change", args=[framework.pk])

    response = superuser_client.post(url, admin_form(framework, summary="Live positions of gritters", status="draft"))

    assert response.status_code == 302
    framework.refresh_from_db()
    assert framework.status == "published", "status changes on the site, through the workflow"
    assert framework.title in superuser_client.get("/search/", {"q": "gritters"}).content.decode()


def test_an_admin_edit_from_an_older_version_is_refused(superuser_client):
    case_study = FrameworkLinkFactory().case_study
    url = reverse("admin:practices_casestudy_change", args=[case_study.pk])
    form = admin_form(case_study, title="A stale edit")
    CaseStudy.objects.filter(pk=case_study.pk).update(version=case_study.version + 1)

    response = superuser_client.post(url, form)

    assert response.status_code == 200
    assert "Someone else saved this" in response.content.decode()
    case_study.refresh_from_db()
    assert case_study.title != "A stale edit"


def test_links_and_adoptions_are_read_only_in_the_admin(superuser_client):
    link = FrameworkLinkFactory()
    adoption = AdoptionFactory(case_study=link.case_study)
    for obj in (link, adoption):
        url = reverse(f"admin:practices_{obj._meta.model_name}_change", args=[obj.pk])
        html = superuser_client.get(url).content.decode()
        assert 'type="submit"' not in html or "Save" not in html
        assert superuser_client.post(url, {}).status_code == 403
