"""Browse pages for case studies, frameworks and tags."""

from django.core.paginator import Paginator
from django.shortcuts import render

from portal.caching import cache_for_visitors
from practices.selectors import access, discovery
from practices.selectors import browse as selectors
from practices.views import search as search_views

FRAMEWORKS_PER_PAGE = 30


@cache_for_visitors
def case_study_list(request):
    # Filters, counts and pages come from the search engine (practices.views.search).
    return render(request, "practices/case_study_list.html", search_views.case_study_list_context(request))


@cache_for_visitors
def case_study_detail(request, slug):
    case_study = access.case_study_get_for_user(request.user, slug)
    return render(
        request,
        "practices/case_study_detail.html",
        {
            "case_study": case_study,
            "discovery": discovery.case_study_discovery(request.user, case_study),
            "actions": access.case_study_actions_for(request.user, case_study),
        },
    )


@cache_for_visitors
def framework_list(request):
    page = Paginator(selectors.frameworks_published(), FRAMEWORKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "practices/framework_list.html", {"page": page})


@cache_for_visitors
def framework_detail(request, slug):
    framework = access.framework_get_for_user(request.user, slug)
    links = selectors.framework_implementations(framework)
    return render(
        request,
        "practices/framework_detail.html",
        {
            "framework": framework,
            "links": links,
            "pitfalls_seen": selectors.framework_pitfalls_from_implementations(links),
            "following": discovery.follow_get(request.user, framework=framework),
        },
    )


@cache_for_visitors
def tag_detail(request, slug):
    tag = access.tag_get_public(slug)
    return render(
        request,
        "practices/tag_detail.html",
        {
            "tag": tag,
            "case_studies": selectors.case_studies_tagged(tag),
            "case_study_count": selectors.case_study_count_tagged(tag),
            "frameworks": selectors.frameworks_tagged(tag),
            "following": discovery.follow_get(request.user, tag=tag),
        },
    )
