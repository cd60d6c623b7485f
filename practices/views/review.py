"""Curators review submissions (publish, or return with a comment), link frameworks on publishing, restore versions.

Every page here is @curator_required (portal/access.py): signed in, a curator, with two-factor authentication.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal.access import curator_required
from practices.forms.curation import FrameworkLinkForm
from practices.forms.submission import ReturnForm
from practices.models import CaseStudy
from practices.selectors import access
from practices.selectors import review_queue as queue_selectors
from practices.selectors.discovery import frameworks_suggested_for
from practices.services.editing import case_study_restore
from practices.services.workflow import WorkflowError, case_study_publish, case_study_return
from practices.views.curate import framework_link_from_form
from practices.views.curate_frameworks import restore_from_history


@require_GET
@curator_required
def review_queue(request):
    return render(
        request, "practices/review/queue.html", {"case_studies": queue_selectors.case_studies_awaiting_review()}
    )


def _review_page(request, case_study: CaseStudy, *, return_form=None, status=200):
    return render(
        request,
        "practices/review/detail.html",
        {
            "case_study": case_study,
            "return_form": return_form or ReturnForm(),
            "review_notes": queue_selectors.review_notes_for(case_study),
            "submitted": case_study.status == CaseStudy.Status.SUBMITTED,
        },
        status=status,
    )


@require_GET
@curator_required
def review_detail(request, slug):
    case_study = access.case_study_get_for_user(request.user, slug)
    return _review_page(request, case_study)


@require_POST
@curator_required
def review_publish(request, slug):
    case_study = access.case_study_get_for_user(request.user, slug)
    try:
        case_study_publish(case_study=case_study, by=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
        return redirect("practices:review_detail", slug=case_study.slug)
    messages.success(request, f"“{case_study.title}” is published. Link it to the frameworks it implements.")
    return redirect("practices:review_frameworks", slug=case_study.slug)


@require_POST
@curator_required
def review_return(request, slug):
    case_study = access.case_study_get_for_user(request.user, slug)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _review_page(request, case_study, return_form=form, status=400)
    try:
        case_study_return(case_study=case_study, by=request.user, comment=form.cleaned_data["comment"])
    except WorkflowError as error:
        form.add_error("comment", str(error))
        return _review_page(request, case_study, return_form=form, status=400)
    messages.success(request, f"“{case_study.title}” has been returned to {case_study.lead_council} with your comment.")
    return redirect("practices:review_queue")


_PREFIX = re.compile(r"^fw-[a-z0-9-]{1,200}$")


def _frameworks_page(request, case_study, *, bound=None, status=200):
    suggestions = frameworks_suggested_for(case_study)
    group_choices = None
    for framework in suggestions:
        prefix = f"fw-{framework.slug}"
        if bound is not None and bound.prefix == prefix:
            framework.link_form = bound
            continue
        form = FrameworkLinkForm(prefix=prefix, initial={"framework": framework.slug})
        # Every suggestion offers the same citizen groups: read them once, not once per form.
        if group_choices is None:
            group_choices = list(form.fields["citizen_group"].choices)
        form.fields["citizen_group"].choices = group_choices
        framework.link_form = form
    any_form = bound if bound is not None and bound.prefix is None else FrameworkLinkForm()
    return render(
        request,
        "practices/review/frameworks.html",
        {
            "case_study": case_study,
            "links": list(case_study.framework_links.all()),
            "suggestions": suggestions,
            "any_form": any_form,
            "bound": bound,
        },
        status=status,
    )


@require_GET
@curator_required
def review_frameworks(request, slug):
    case_study = access.case_study_get_for_user(request.user, slug)
    return _frameworks_page(request, case_study)


@require_POST
@curator_required
def review_link(request, slug):
    case_study = access.case_study_get_for_user(request.user, slug)
    prefix = request.POST.get("form_prefix") or None
    if prefix is not None and not _PREFIX.match(prefix):
        prefix = None
    form = FrameworkLinkForm(request.POST, prefix=prefix)
    link = framework_link_from_form(form, case_study=case_study, actor=request.user)
    if link is not None:
        messages.success(request, f"Linked “{case_study.title}” to “{link.framework.title}”.")
        return redirect("practices:review_frameworks", slug=case_study.slug)
    return _frameworks_page(request, case_study, bound=form, status=400)


@require_POST
@curator_required
def history_restore(request, slug, history_id: int):
    case_study = access.case_study_get_for_user(request.user, slug)
    return restore_from_history(
        request,
        case_study,
        lambda item, **kw: case_study_restore(case_study=item, by=request.user, **kw),
        history_id=history_id,
        back_to="practices:case_study_history",
    )
