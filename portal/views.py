"""Site-wide pages: home, health check, accessibility statement, error pages."""

import sys

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from portal.caching import cache_for_visitors
from portal.outage import database_unavailable, outage_response, render_without_database
from practices.checks import semantic_search_status
from practices.selectors import browse as selectors
from practices.selectors import places


@cache_for_visitors
def home(request):
    return render(
        request,
        "portal/home.html",
        {
            "summary": selectors.home_summary(),
            "latest": selectors.case_studies_published()[:6],
            "most_reused": selectors.case_studies_most_reused(),
            "silos": [silo for silo in places.silos_with_counts() if silo.published_count],
        },
    )


@never_cache
def healthz(request):
    """Liveness and database reachability, for load balancers and uptime checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        _, search = semantic_search_status(check_files=False)
        return JsonResponse({"status": "ok", "database": "ok", "search": search})
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)


@cache_for_visitors
def accessibility(request):
    return render(request, "portal/accessibility.html")


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    """500, or an honest 503 when the database is unreachable; drawn without the database either way,
    since it may be what failed (a signed-in user's session lives there)."""
    if database_unavailable(sys.exc_info()[1]):
        return outage_response(request)
    return render_without_database(request, "500.html", status=500)
