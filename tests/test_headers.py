"""Every page type carries the security headers: a strict CSP, Permissions-Policy, CORP, COOP and the rest."""

import base64
import hashlib
import re
import subprocess
import sys

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from councils.factories import UserFactory
from practices.factories import CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>(.*?)</script>", re.S)


@pytest.fixture
def site(council, silo, officer, curator):
    case_study = CaseStudyFactory(lead_council=council, primary_silo=silo, tags=["vehicle tracking"])
    framework = FrameworkFactory(slug="vehicle-tracking")
    FrameworkLinkFactory(case_study=case_study, framework=framework)
    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    return {"case_study": case_study, "framework": framework, "council": council, "silo": silo, "staff": staff}


def page_types(site, people):
    """(name, who, url, expected status) for every kind of page the portal serves."""
    cs, fw = site["case_study"], site["framework"]
    return [
        ("home", "visitor", "/", 200),
        ("case study list", "visitor", "/case-studies/", 200),
        ("framework list", "visitor", "/frameworks/", 200),
        ("council list", "visitor", "/councils/", 200),
        ("silo list", "visitor", "/silos/", 200),
        ("case study", "visitor", f"/case-studies/{cs.slug}/", 200),
        ("case study, signed in", "colleague", f"/case-studies/{cs.slug}/", 200),
        ("framework", "visitor", f"/frameworks/{fw.slug}/", 200),
        ("council", "visitor", f"/councils/{site['council'].slug}/", 200),
        ("silo", "visitor", f"/silos/{site['silo'].slug}/", 200),
        ("search", "visitor", "/search/?q=tracking", 200),
        ("tag", "visitor", "/tags/vehicle-tracking/", 200),
        ("insights", "visitor", "/insights/", 200),
        ("feed", "visitor", "/feeds/tags/vehicle-tracking/", 200),
        ("health", "visitor", "/healthz", 200),
        ("sign in", "visitor", "/accounts/login/", 200),
        ("sign up", "visitor", "/accounts/signup/", 200),
        ("submit", "owner", "/submit/", 200),
        ("review queue", "curator", "/review/", 200),
        ("curate", "curator", "/curate/", 200),
        ("curate tags", "curator", "/curate/tags/", 200),
        ("admin", "staff", "/admin/", 200),
        ("admin list", "staff", "/admin/practices/casestudy/", 200),
        ("not found", "visitor", "/no-such-page/", 404),
        ("forbidden", "colleague", "/curate/", 403),
        ("static file", "visitor", "/static/portal.js", 200),
    ]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_every_page_type_carries_every_header(site, people, client_for):
    people = {**people, "staff": site["staff"]}
    for name, who, url, status in page_types(site, people):
        client = Client()
        if people[who] is not None:
            client.force_login(people[who])
        response = client.get(url)
        assert response.status_code == status, name
        headers = response.headers
        csp = csp_directives(headers["Content-Security-Policy"])
        assert csp["default-src"] == ["'none'"], name
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"], name
        assert "'unsafe-eval'" not in headers["Content-Security-Policy"], name
        assert csp["frame-ancestors"] == ["'none'"], name
        assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"], name
        assert csp["form-action"] == ["'self'"], name
        assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"], name
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin", name
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", name
        if not url.startswith("/static/"):
            assert headers["X-Frame-Options"] == "DENY", name
        # Any inline script must be one the policy names by its hash.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for script in INLINE_SCRIPT.findall(body):
            digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
            assert f"'sha256-{digest}'" in csp["script-src"], (
                f"{name}: an inline script not in the CSP; put it in a static file, or set "
                f"JS_ENABLED_SCRIPT_HASH to 'sha256-{digest}' if it is base.html's js-enabled line"
            )


def test_base_html_inline_script_is_allowed_by_its_hash(client, site):
    html = client.get("/").content
    scripts = INLINE_SCRIPT.findall(html)
    assert len(scripts) == 1, "base.html has the one js-enabled line"
    assert b"govuk-frontend-supported" in scripts[0]


def test_production_sends_hsts_for_a_year_with_subdomains():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_SSL_REDIRECT)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": "postgres://x@/y",
        "SECRET_KEY": "s" * 64,
        "ALLOWED_HOSTS": "practice.example.gov.uk",
        "SITE_URL": "https://practice.example.gov.uk",
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    seconds, subdomains, redirect = result.stdout.split()
    assert int(seconds) >= 365 * 24 * 60 * 60
    assert subdomains == "True"
    assert redirect == "True"


def test_hsts_header_is_sent_over_https(client, settings, site):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
