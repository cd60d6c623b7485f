"""The Django admin: every model's list, search and edit page works for a superuser."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.urls import reverse

from councils.factories import UserFactory
from practices.factories import AdoptionFactory, FrameworkLinkFactory

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
