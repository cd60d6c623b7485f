"""Honest answers when the database is unreachable: a 503 page drawn without touching the database.

Django sends every uncaught exception to ``handler500``. When the cause is a lost or refused
database connection, the usual error page would itself need the database (the session, the
signed-in user, context processors), so the visitor would get a bare "Internal Server Error".
This module recognises those errors and renders a page from a plain context instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from portal.context_processors import NAVIGATION

# How long a browser or load balancer should wait before asking again.
RETRY_AFTER_SECONDS = 30
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def database_unavailable(error: BaseException | None) -> bool:
    """True when ``error`` (or what caused it) says the database could not be reached or went away."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def plain_context(request: HttpRequest) -> dict:
    """What base.html needs, with no user, session or database lookups behind it."""
    return {
        "request": request,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "demo_notice": False,
        "nav_items": [{"label": label, "href": href, "active": False} for label, href in NAVIGATION],
    }


def render_without_database(request: HttpRequest, template: str, *, status: int, extra=None) -> HttpResponse:
    # No request passed to the renderer: context processors (and so the session and user) stay untouched.
    html = render_to_string(template, {**plain_context(request), **(extra or {})})
    response = HttpResponse(html, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def outage_response(request: HttpRequest) -> HttpResponse:
    response = render_without_database(
        request, "503.html", status=503, extra={"was_sending": request.method in UNSAFE_METHODS}
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
