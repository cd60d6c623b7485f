"""Browse pages for councils and service silos: what each has published, reused and could learn from others."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from councils.models import Council, ServiceSilo
from portal.caching import cache_for_visitors
from practices.selectors import browse as practice_selectors
from practices.selectors import discovery, places


@cache_for_visitors
def council_list(request):
    return render(request, "practices/council_list.html", {"councils": places.councils_with_counts()})


@cache_for_visitors
def council_detail(request, slug):
    council = get_object_or_404(Council, slug=slug)
    return render(
        request,
        "practices/council_detail.html",
        {
            "council": council,
            "page": Paginator(practice_selectors.case_studies_led_by(council), 20).get_page(request.GET.get("page")),
            "partnered": practice_selectors.case_studies_partnered_by(council),
            "adoptions": practice_selectors.adoptions_by_council(council),
            "reused_by_others": practice_selectors.adoptions_of_council_work(council),
        },
    )


@cache_for_visitors
def silo_list(request):
    return render(request, "practices/silo_list.html", {"silos": places.silos_with_counts()})


@cache_for_visitors
def silo_detail(request, slug):
    silo = get_object_or_404(ServiceSilo, slug=slug)
    return render(
        request,
        "practices/silo_detail.html",
        {
            "silo": silo,
            "case_studies": practice_selectors.case_studies_for_silo(silo)[:50],
            "frameworks": practice_selectors.frameworks_for_silo(silo),
            "ideas": discovery.frameworks_ideas_from_other_silos(silo),
            "following": discovery.follow_get(request.user, silo=silo),
        },
    )
