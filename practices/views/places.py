"""Browse pages for councils and service silos: what each has published, reused and could learn from others."""

from django.shortcuts import get_object_or_404, render

from councils.models import Council, ServiceSilo
from portal.caching import cache_for_visitors
from practices.selectors import places


@cache_for_visitors
def council_list(request):
    return render(request, "practices/council_list.html", {"councils": places.councils_with_counts()})


@cache_for_visitors
def council_detail(request, slug):
    context = places.council_page(get_object_or_404(Council, slug=slug), page_number=request.GET.get("page"))
    return render(request, "practices/council_detail.html", context)


@cache_for_visitors
def silo_list(request):
    return render(request, "practices/silo_list.html", {"silos": places.silos_with_counts()})


@cache_for_visitors
def silo_detail(request, slug):
    context = places.silo_page(get_object_or_404(ServiceSilo, slug=slug), user=request.user)
    return render(request, "practices/silo_detail.html", context)
