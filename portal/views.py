"""Site-wide pages: home, health check, accessibility statement, error pages."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from councils.selectors import silos_with_counts
from portal.caching import cache_for_visitors
from practices.checks import semantic_search_status
from practices.selectors import browse as selectors


@cache_for_visitors
def home(request):
    return render(
        request,
        "portal/home.html",
        {
            "summary": selectors.home_summary(),
            "latest": selectors.case_studies_published()[:6],
            "most_reused": selectors.case_studies_most_reused(),
            "silos": [silo for silo in silos_with_counts() if silo.published_count],
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
    return render(request, "500.html", status=500)
