"""A member's own account page: who they are, their council and role."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from councils import selectors


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
