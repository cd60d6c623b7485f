"""Browse pages for councils and service silos."""

from django.shortcuts import get_object_or_404, render

from councils import selectors
from councils.models import Council, ServiceSilo
from portal.caching import cache_for_visitors
from practices.selectors import browse as practice_selectors


@cache_for_visitors
def council_list(request):
    return render(request, "councils/council_list.html", {"councils": selectors.councils_with_counts()})


@cache_for_visitors
def council_detail(request, slug):
    council = get_object_or_404(Council, slug=slug)
    return render(
        request,
        "councils/council_detail.html",
        {
            "council": council,
            "case_studies": practice_selectors.case_studies_for_council(council),
            "adoptions": practice_selectors.adoptions_by_council(council),
        },
    )


@cache_for_visitors
def silo_list(request):
    return render(request, "councils/silo_list.html", {"silos": selectors.silos_with_counts()})


@cache_for_visitors
def silo_detail(request, slug):
    silo = get_object_or_404(ServiceSilo, slug=slug)
    return render(
        request,
        "councils/silo_detail.html",
        {
            "silo": silo,
            "case_studies": practice_selectors.case_studies_for_silo(silo)[:50],
            "frameworks": practice_selectors.frameworks_for_silo(silo),
        },
    )
