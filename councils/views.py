"""Browse pages for councils and service silos."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from councils import selectors
from councils.models import Council, ServiceSilo
from portal.caching import cache_for_visitors
from practices.selectors import browse as practice_selectors
from practices.selectors import discovery


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
            "page": Paginator(practice_selectors.case_studies_led_by(council), 20).get_page(request.GET.get("page")),
            "partnered": practice_selectors.case_studies_partnered_by(council),
            "adoptions": practice_selectors.adoptions_by_council(council),
            "reused_by_others": practice_selectors.adoptions_of_council_work(council),
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
            "ideas": discovery.frameworks_ideas_from_other_silos(silo),
            "following": discovery.follow_get(request.user, silo=silo),
        },
    )


@login_required
def profile(request):
    """Your account: who you are, your council and role; changing what you do here."""
    from councils.forms import ProfileForm
    from councils.services import MembershipError, member_profile_update
    from portal.access import user_has_two_factor

    member = selectors.member_profile(request.user)
    may_write = member is not None and member.council_id is not None and not member.is_curator
    initial = {
        "full_name": request.user.first_name,
        "job_title": member.job_title if member else "",
        "silo": member.silo_id if member else None,
        "contactable": member.contactable if member else False,
        "writes": "officer" if member and member.role != member.Role.MEMBER else "member",
    }
    form = ProfileForm(request.POST or None, initial=initial, may_write=may_write)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member_profile_update(
                user=request.user,
                full_name=data["full_name"],
                job_title=data["job_title"],
                silo=data["silo"],
                contactable=data["contactable"],
                writes=data.get("writes") if may_write else None,
            )
        except MembershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your details have been saved.")
            return redirect("councils:profile")
    return render(
        request,
        "account/profile.html",
        {"form": form, "member": member, "has_two_factor": user_has_two_factor(request.user)},
        status=400 if form.errors else 200,
    )
