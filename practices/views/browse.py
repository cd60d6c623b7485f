"""Browse pages for case studies, frameworks and tags."""

from django.core.paginator import Paginator
from django.shortcuts import render

from portal.caching import cache_for_visitors
from practices.selectors import browse as selectors

PAGE_SIZE = 20


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@cache_for_visitors
def case_study_list(request):
    page = _page(request, selectors.case_studies_published())
    return render(request, "practices/case_study_list.html", {"page": page})


@cache_for_visitors
def case_study_detail(request, slug):
    case_study = selectors.case_study_get_for_user(request.user, slug)
    return render(request, "practices/case_study_detail.html", {"case_study": case_study})


@cache_for_visitors
def framework_list(request):
    return render(request, "practices/framework_list.html", {"frameworks": selectors.frameworks_published()})


@cache_for_visitors
def framework_detail(request, slug):
    framework = selectors.framework_get_for_user(request.user, slug)
    links = selectors.framework_implementations(framework)
    return render(
        request,
        "practices/framework_detail.html",
        {
            "framework": framework,
            "links": links,
            "pitfalls_seen": selectors.framework_pitfalls_from_implementations(links),
        },
    )


@cache_for_visitors
def tag_detail(request, slug):
    tag = selectors.tag_get(slug)
    page = _page(request, selectors.case_studies_tagged(tag))
    return render(
        request,
        "practices/tag_detail.html",
        {"tag": tag, "page": page, "frameworks": selectors.frameworks_tagged(tag)},
    )
