"""Site-wide behaviour: safe rich text, error pages, health check, settings that fail safe."""

import subprocess
import sys

import pytest
from django.test import Client

from portal.templatetags.rich_text import render_markdown


class TestRichText:
    def test_markdown_becomes_govuk_html(self):
        html = render_markdown("Calls fell by **40%**.\n\n- Fit trackers\n- Publish positions")
        assert '<p class="govuk-body">Calls fell by <strong>40%</strong>.</p>' in html
        assert '<ul class="govuk-list govuk-list--bullet">' in html

    @pytest.mark.parametrize(
        "attack",
        [
            "<script>alert('x')</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            '<a href="#" onclick="steal()">link</a>',
            "<iframe src=https://evil.example></iframe>",
            "<style>body{display:none}</style>",
        ],
    )
    def test_scripts_and_handlers_are_removed(self, attack):
        html = render_markdown(attack)
        for dangerous in ("<script", "onerror", "javascript:", "onclick", "<iframe", "<style", "<img"):
            assert dangerous not in html.lower()

    def test_links_are_kept_safe(self):
        html = render_markdown("[LGA](https://www.local.gov.uk/)")
        assert 'href="https://www.local.gov.uk/"' in html
        assert 'rel="noopener noreferrer nofollow"' in html
        assert 'class="govuk-link"' in html


@pytest.mark.django_db
def test_server_errors_get_the_site_page_not_a_traceback(settings):
    settings.DEBUG = False
    from portal import views

    response = views.server_error(Client().get("/").wsgi_request)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_database(client, monkeypatch):
    from django.db import OperationalError, connection

    def broken(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def run_settings(env: dict) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": "postgres://x@/y"}
    return subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_secret_key():
    result = run_settings({})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_its_public_address():
    # Without SITE_URL, feeds, canonical links and emails would point at 127.0.0.1.
    result = run_settings({"SECRET_KEY": "s" * 64, "ALLOWED_HOSTS": "example.gov.uk"})
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr


def test_production_settings_pass_the_deploy_check():
    env = {
        "SECRET_KEY": "x" * 60 + "production-like-secret-value",
        "ALLOWED_HOSTS": "practice.example.gov.uk",
        "SITE_URL": "https://practice.example.gov.uk",
    }
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings", "DATABASE_URL": "postgres://x@/y"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**base, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DEBUG" not in result.stderr


def test_debug_is_off_unless_asked_for():
    env = {"SECRET_KEY": "s" * 64, "ALLOWED_HOSTS": "example.gov.uk", "SITE_URL": "https://example.gov.uk"}
    result = run_settings(env)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.django_db
def test_forbidden_pages_explain_themselves(client, colleague):
    from practices.factories import CaseStudyFactory

    case_study = CaseStudyFactory()
    client.force_login(colleague)
    response = client.get(f"/curate/case-studies/{case_study.slug}/")
    assert response.status_code == 403
    assert "Only curators can" in response.content.decode()
