"""Curator pages: link and unlink frameworks, generalise a case study, merge and rename tags, the freshness queue.

Every view here is @curator_required (portal/access.py): signed in, a curator, with two-factor authentication.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.access import curator_required
from portal.audit import Action, audit_entries
from practices.forms.curation import FrameworkLinkForm, GeneraliseForm, TagMergeForm, TagRenameForm
from practices.models import CaseStudy, Framework
from practices.selectors import curation as selectors
from practices.selectors.discovery import frameworks_suggested_for
from practices.services.curation import (
    CurationError,
    framework_generalise,
    framework_link,
    framework_unlink,
    tag_merge,
    tag_rename,
)
from practices.services.freshness import freshness_mark_reviewed

PAGE_SIZE = 25


@curator_required
def curate_home(request):
    return render(request, "practices/curate/home.html")


@curator_required
def unlinked_list(request):
    page = Paginator(selectors.case_studies_unlinked(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practices/curate/unlinked.html", {"page": page})


def _case_study_page(request, case_study, *, link_form=None, status=200):
    suggestions = frameworks_suggested_for(case_study)
    return render(
        request,
        "practices/curate/case_study.html",
        {
            "case_study": case_study,
            "links": list(case_study.framework_links.all()),
            "suggestions": suggestions,
            "link_form": link_form or FrameworkLinkForm(),
        },
        status=status,
    )


@curator_required
def case_study_curate(request, slug):
    return _case_study_page(request, selectors.case_study_for_curation(slug))


def framework_link_from_form(form: FrameworkLinkForm, *, case_study: CaseStudy, actor):
    """Link the case study as the bound form says; None, with the reason on the form, if it cannot be done.

    Shared by the curator tools and the review queue's "link suggested frameworks" step.
    """
    if not form.is_valid():
        return None
    try:
        return framework_link(
            case_study=case_study,
            framework=form.cleaned_data["framework"],
            actor=actor,
            customisation=form.cleaned_data["customisation"],
            citizen_group=form.cleaned_data["citizen_group"],
            effort=form.cleaned_data["effort"],
        )
    except CurationError as error:
        form.add_error("framework", str(error))
        return None


@curator_required
@require_POST
def case_study_link(request, slug):
    case_study = selectors.case_study_for_curation(slug)
    form = FrameworkLinkForm(request.POST)
    link = framework_link_from_form(form, case_study=case_study, actor=request.user)
    if link is not None:
        messages.success(request, f"Linked to “{link.framework.title}”.")
        return redirect("practices:curate_case_study", slug=case_study.slug)
    return _case_study_page(request, case_study, link_form=form, status=400)


@curator_required
@require_POST
def case_study_unlink(request, slug, framework_slug):
    case_study = selectors.case_study_for_curation(slug)
    framework = get_object_or_404(Framework, slug=framework_slug)
    try:
        framework_unlink(case_study=case_study, framework=framework, actor=request.user)
    except CurationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Unlinked from “{framework.title}”.")
    return redirect("practices:curate_case_study", slug=case_study.slug)


@curator_required
def case_study_generalise(request, slug):
    case_study = selectors.case_study_for_curation(slug)
    if request.method == "POST":
        form = GeneraliseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                framework = framework_generalise(
                    case_study=case_study,
                    actor=request.user,
                    title=data["title"],
                    slug=data["slug"],
                    summary=data["summary"],
                    reusable_core=data["reusable_core"],
                    what_varies=data["what_varies"],
                    pitfalls=data["pitfalls"],
                    tags=data["tags"],
                    silos=data["silos"],
                    status=data["status"],
                    customisation=data["customisation"],
                )
            except CurationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Framework “{framework.title}” created from this case study.")
                return redirect("practices:curate_framework", slug=framework.slug)
        status = 400
    else:
        form = GeneraliseForm(initial=GeneraliseForm.initial_from(case_study))
        status = 200
    return render(request, "practices/curate/generalise.html", {"case_study": case_study, "form": form}, status=status)


@curator_required
def tag_list(request):
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.tags_with_use(query), 50).get_page(request.GET.get("page"))
    return render(request, "practices/curate/tags.html", {"page": page, "query": query})


def _tag_page(request, tag, *, rename_form=None, merge_form=None, status=200):
    return render(
        request,
        "practices/curate/tag.html",
        {
            "tag": tag,
            "rename_form": rename_form or TagRenameForm(initial={"name": tag.name}, prefix="rename"),
            "merge_form": merge_form or TagMergeForm(source=tag, prefix="merge"),
        },
        status=status,
    )


@curator_required
def tag_curate(request, slug):
    return _tag_page(request, selectors.tag_for_curation(slug))


@curator_required
@require_POST
def tag_rename_view(request, slug):
    tag = selectors.tag_for_curation(slug)
    form = TagRenameForm(request.POST, prefix="rename")
    if form.is_valid():
        try:
            tag = tag_rename(tag=tag, name=form.cleaned_data["name"], actor=request.user)
        except CurationError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Tag renamed to “{tag.name}”. Everything carrying it has been re-indexed.")
            return redirect("practices:curate_tag", slug=tag.slug)
    return _tag_page(request, tag, rename_form=form, status=400)


@curator_required
@require_POST
def tag_merge_view(request, slug):
    tag = selectors.tag_for_curation(slug)
    form = TagMergeForm(request.POST, source=tag, prefix="merge")
    if form.is_valid():
        try:
            result = tag_merge(sources=[tag], target=form.cleaned_data["target"], actor=request.user)
        except CurationError as error:
            form.add_error("target", str(error))
        else:
            messages.success(
                request,
                f"“{', '.join(result.merged_names)}” merged into “{result.target.name}”: "
                f"{result.case_studies} case studies and {result.frameworks} frameworks re-tagged.",
            )
            return redirect("practices:curate_tag", slug=result.target.slug)
    return _tag_page(request, tag, merge_form=form, status=400)


@curator_required
def freshness_queue(request):
    case_studies, frameworks = selectors.freshness_queue()
    page = Paginator(case_studies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practices/curate/freshness.html", {"page": page, "frameworks": frameworks[:100]})


@curator_required
@require_POST
def mark_reviewed(request, kind, slug):
    model = {"case-study": CaseStudy, "framework": Framework}.get(kind)
    if model is None:
        raise Http404("Only case studies and frameworks have review dates")
    item = get_object_or_404(model, slug=slug)
    item = freshness_mark_reviewed(item=item, actor=request.user)
    messages.success(request, f"“{item}” marked as reviewed; next review by {item.review_by:%-d %B %Y}.")
    return redirect(reverse("practices:curate_freshness"))


AUDIT_PAGE_SIZE = 50


@curator_required
@require_GET
def audit_log(request):
    """Who signed in, changed roles or 2FA, published, returned, restored, merged, renamed or deleted what."""
    action = request.GET.get("action", "")
    if action not in Action.values:
        action = ""
    page = Paginator(audit_entries(action=action), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "practices/curate/audit.html",
        {
            "page": page,
            "action": action,
            "actions": Action.choices,
            "query_prefix": f"action={action}&" if action else "",
        },
    )
