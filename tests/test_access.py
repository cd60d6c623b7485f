"""Every curator door, found from the URL conf, asks the same questions in the same order: login → 403 → 2FA.

New curator pages are picked up automatically: any URL under /curate/ or /review/,
and any view marked ``@curator_required``, is walked as a visitor, a member, an
officer, a curator without two-factor authentication and a curator with it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from councils.factories import UserFactory
from practices.factories import CaseStudyFactory, FrameworkFactory
from practices.models import CaseStudy
from practices.services.workflow import case_study_submit

pytestmark = pytest.mark.django_db

CURATOR_PREFIXES = ("curate/", "review/")
TWO_FACTOR_SETUP = "/accounts/2fa/totp/activate/"


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and isinstance(entry.pattern, RoutePattern):
            yield route, entry


def curator_routes() -> list[tuple[str, object]]:
    """(route, pattern) for every URL a curator door guards: by prefix, or by its decorator."""
    found = []
    for route, entry in _walk(get_resolver().url_patterns):
        marked = getattr(entry.callback, "access_rule", None) == "curator"
        if route.startswith(CURATOR_PREFIXES) or marked:
            found.append((route, entry))
    return found


def test_the_walk_finds_the_curator_doors():
    routes = [route for route, _ in curator_routes()]
    assert "curate/" in routes
    assert "review/" in routes
    assert "case-studies/<slug:slug>/history/<int:history_id>/restore/" in routes, "restore is a curator door"


def test_every_url_under_curate_and_review_uses_curator_required():
    unguarded = [
        route for route, entry in curator_routes() if getattr(entry.callback, "access_rule", None) != "curator"
    ]
    assert unguarded == [], "put @curator_required (portal/access.py) on these views"


@pytest.fixture
def objects(council, silo, officer):
    case_study = CaseStudyFactory(
        lead_council=council,
        primary_silo=silo,
        created_by=officer,
        status=CaseStudy.Status.DRAFT,
        published_at=None,
        tags=["fleet tracking"],
    )
    case_study_submit(case_study=case_study, by=officer)
    case_study.refresh_from_db()
    framework = FrameworkFactory(slug="vehicle-tracking")
    framework.tags.add("fleet tracking")
    case_study.framework_links.create(framework=framework)
    tag = case_study.tags.get()
    history_id = CaseStudy.history.filter(id=case_study.pk).values_list("history_id", flat=True).first()
    return {"case_study": case_study, "framework": framework, "tag": tag, "history_id": history_id}


def url_for(route: str, objects) -> str:
    """The route with real objects' values put in, chosen by the parameter's name and what comes before it."""
    values = {
        "slug": objects["case_study"].slug,
        "framework_slug": objects["framework"].slug,
        "kind": "case-study",
        "history_id": str(objects["history_id"]),
    }
    parts = []
    for piece in route.split("/"):
        if piece.startswith("<") and piece.endswith(">"):
            name = piece[1:-1].split(":")[-1]
            value = values.get(name, "1")
            if name == "slug" and parts and parts[-1] == "tags":
                value = objects["tag"].slug
            elif name == "slug" and parts and parts[-1] == "frameworks":
                value = objects["framework"].slug
            parts.append(value)
        else:
            parts.append(piece)
    return "/" + "/".join(parts)


def request(client, url):
    """GET, or POST for the doors that only take POST."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


@pytest.mark.parametrize("who", ["visitor", "colleague", "owner", "curator_without_2fa", "curator"])
def test_every_curator_url_asks_login_then_403_then_2fa(who, client_for, objects):
    client = client_for(who)
    routes = curator_routes()
    assert len(routes) >= 15
    for route, _entry in routes:
        url = url_for(route, objects)
        response = request(client, url)
        location = response.get("Location", "")
        if who == "visitor":
            assert response.status_code == 302 and location.startswith("/accounts/login/?next="), url
        elif who in ("colleague", "owner"):
            assert response.status_code == 403, url
            assert "curators" in response.content.decode().lower(), url
        elif who == "curator_without_2fa":
            assert (response.status_code, location) == (302, TWO_FACTOR_SETUP), url
        else:
            assert response.status_code != 403, url
            assert not location.startswith(("/accounts/login/", TWO_FACTOR_SETUP)), url
            if client.get(url).status_code != 405:
                assert response.status_code == 200, url


ADMIN_PAGES = ["/admin/", "/admin/practices/casestudy/", "/admin/councils/memberprofile/"]


@pytest.fixture
def staff(db):
    return {"staff_without_2fa": UserFactory(is_staff=True, is_superuser=True), "staff": _with_totp()}


def _with_totp():
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_signs_in_through_the_portal_and_demands_two_factor(client, url, staff, colleague):
    visitor = client.get(url, follow=True)
    assert visitor.redirect_chain[-1][0].startswith("/accounts/login/?next=/admin/")

    client.force_login(colleague)
    assert client.get(url, follow=True).status_code == 403

    client.force_login(staff["staff_without_2fa"])
    response = client.get(url, follow=True)
    assert TWO_FACTOR_SETUP in [hop for hop, _ in response.redirect_chain]
    assert "Curators must turn on two-factor authentication" in response.content.decode()

    client.force_login(staff["staff"])
    assert client.get(url).status_code == 200


def test_the_admin_has_no_password_form_of_its_own(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("page", ["practices:case_study_detail", "practices:case_study_history"])
def test_a_curator_without_2fa_cannot_read_another_councils_draft(client_for, council, silo, officer, page):
    draft = CaseStudyFactory(
        lead_council=council,
        primary_silo=silo,
        created_by=officer,
        status=CaseStudy.Status.SUBMITTED,
        published_at=None,
        title="Draft of school bus live tracking",
    )
    with_2fa = client_for("curator").get(reverse(page, args=[draft.slug]))
    assert with_2fa.status_code == 200 and "Draft of school bus live tracking" in with_2fa.content.decode()
    assert client_for("curator_without_2fa").get(reverse(page, args=[draft.slug])).status_code == 404
