"""Officers write up their council's work; members record reuse and contact implementers.

Access: visitors are sent to sign in; what a person may not see is a 404;
what they may see but not do is a 403 page that says why.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from councils.selectors import member_profile
from portal.access import (
    curator_needs_two_factor,
    explained_403,
    officer_required,
    two_factor_first,
    user_curates,
    user_writer_profile,
)
from practices.forms.submission import (
    AdoptionForm,
    CaseStudyForm,
    EnquiryForm,
    case_study_advice,
)
from practices.models import Adoption, CaseStudy, Enquiry
from practices.selectors import access, review_queue
from practices.selectors.history import item_history
from practices.services.adoptions import AdoptionError, adoption_council_for, adoption_record
from practices.services.editing import (
    EditConflict,
    case_study_create,
    case_study_keep_refused_edit,
    case_study_update,
)
from practices.services.enquiries import EnquiryRefused, enquiries_remaining, enquiry_refusal, enquiry_send
from practices.services.workflow import WorkflowError, case_study_review_problems, case_study_submit

Status = CaseStudy.Status
# Statuses an officer can still send for review from.
SENDABLE = {Status.DRAFT, Status.RETURNED}
DRAFT_SAVED_COOKIE = "draft_saved"


def draft_key(case_study: CaseStudy | None) -> str:
    """The name static/form-drafts.js keeps this form's answers under in the browser."""
    return f"case-study-{case_study.pk}" if case_study else "case-study-new"


def confirm_draft_saved(response, key: str):
    """Tell the browser the form named ``key`` is saved, so it can drop its own copy of the answers."""
    # Read by JavaScript, so not HttpOnly; it holds only the form's name.
    response.set_cookie(
        DRAFT_SAVED_COOKIE, key, max_age=300, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE, httponly=False
    )
    return response


def _form_page(request, form, case_study=None, *, conflict=None, status=200):
    return render(
        request,
        "practices/submit/form.html",
        {
            "form": form,
            "draft_key": draft_key(case_study),
            "case_study": case_study,
            "conflict": conflict,
            "sendable": case_study is None or case_study.status in SENDABLE,
            "review_notes": review_queue.review_notes_for(case_study)[:3] if case_study else [],
        },
        status=status,
    )


def _after_save(request, case_study: CaseStudy, action: str, *, key: str, changed: list[str] | None = None):
    return confirm_draft_saved(_next_after_save(request, case_study, action, changed=changed), key)


def _next_after_save(request, case_study: CaseStudy, action: str, *, changed: list[str] | None = None):
    if action == "submit" and case_study.status in SENDABLE:
        try:
            case_study_submit(case_study=case_study, by=request.user)
        except WorkflowError as error:
            messages.error(request, str(error))
            return redirect("practices:submit_preview", slug=case_study.slug)
        messages.success(request, f"“{case_study.title}” has been sent to the curators for review.")
        return redirect("practices:submit_home")
    if action == "preview":
        return redirect("practices:submit_preview", slug=case_study.slug)
    if changed == []:
        messages.info(request, "There were no changes to save.")
    elif case_study.status in SENDABLE:
        messages.success(request, "Your draft has been saved.")
    else:
        messages.success(request, "Your changes have been saved and recorded in the history.")
    return redirect("practices:case_study_edit", slug=case_study.slug)


@officer_required
@require_GET
def submit_home(request):
    """The officer's page: their council's write-ups and where each one is."""
    profile = user_writer_profile(request.user)
    return render(
        request,
        "practices/submit/home.html",
        {"council": profile.council, "case_studies": review_queue.case_studies_for_council_writers(profile.council_id)},
    )


@officer_required
@require_http_methods(["GET", "POST"])
def case_study_new(request):
    profile = user_writer_profile(request.user)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        form = CaseStudyForm(request.POST, for_review=action == "submit")
        if form.is_valid():
            case_study = case_study_create(council=profile.council, by=request.user, content=form.content())
            return _after_save(request, case_study, action, key=draft_key(None))
        return _form_page(request, form, status=400)
    return _form_page(request, CaseStudyForm())


def _conflict_rows(form: CaseStudyForm, current: CaseStudy) -> list[dict]:
    """The answers where the version someone else saved differs from what this person typed."""
    content = form.content()
    rows = []
    for name, yours in content.fields.items():
        theirs = getattr(current, name)
        if theirs != yours:
            rows.append({"label": form[name].label, "theirs": _shown(theirs), "yours": _shown(yours)})
    for name, objs in content.m2m.items():
        theirs = sorted(str(obj) for obj in getattr(current, name).all())
        yours = sorted(str(obj) for obj in objs)
        if theirs != yours:
            label = form["partner_council_names" if name == "partner_councils" else name].label
            rows.append({"label": label, "theirs": ", ".join(theirs), "yours": ", ".join(yours)})
    theirs_tags = sorted(tag.name for tag in current.tags.all())
    if sorted(content.tags or []) != theirs_tags:
        rows.append(
            {
                "label": form["tags"].label,
                "theirs": ", ".join(theirs_tags),
                "yours": ", ".join(sorted(content.tags or [])),
            }
        )
    return rows


def _shown(value) -> str:
    if isinstance(value, list):
        return "\n".join(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "" if value is None else str(value)


@login_required
@require_http_methods(["GET", "POST"])
@explained_403
def case_study_edit(request, slug):
    case_study = access.case_study_get_for_user(request.user, slug, write=True)
    if curator_needs_two_factor(request.user) and not access.user_writes_for(request.user, case_study.lead_council_id):
        return two_factor_first(request)
    if request.method == "GET":
        return _form_page(request, CaseStudyForm(instance=case_study), case_study)
    action = request.POST.get("action", "save")
    for_review = action == "submit" and case_study.status in SENDABLE
    form = CaseStudyForm(request.POST, instance=case_study, for_review=for_review)
    if not form.is_valid():
        return _form_page(request, form, case_study, status=400)
    try:
        saved = case_study_update(
            case_study=case_study,
            by=request.user,
            content=form.content(),
            expected_version=form.cleaned_data["version"] or 0,
        )
    except EditConflict as conflict:
        current = conflict.current
        case_study_keep_refused_edit(
            case_study=current,
            by=request.user,
            content=form.content(),
            based_on_version=form.cleaned_data["version"] or 0,
        )
        # Keep everything this person typed, now based on the saved version, so
        # saving again is a deliberate choice made with both versions in view.
        data = request.POST.copy()
        data["version"] = str(current.version)
        kept = CaseStudyForm(data, instance=CaseStudy.objects.get(pk=current.pk))
        kept.is_valid()
        return _form_page(
            request,
            kept,
            current,
            conflict={"current": current, "rows": _conflict_rows(form, current)},
            status=409,
        )
    return _after_save(request, saved.item, action, key=draft_key(case_study), changed=saved.changed)


def _writer_view_of(request, slug) -> CaseStudy:
    """The case study for its writers: 404 if not visible, 403 if visible but theirs to read only."""
    case_study = access.case_study_get_for_user(request.user, slug)
    if not (access.user_writes_for(request.user, case_study.lead_council_id) or user_curates(request.user)):
        raise PermissionDenied("Only officers of the council that wrote this, and curators, can use this page.")
    return case_study


@login_required
@require_GET
@explained_403
def case_study_preview(request, slug):
    case_study = _writer_view_of(request, slug)
    return render(
        request,
        "practices/submit/preview.html",
        {
            "case_study": case_study,
            "problems": case_study_review_problems(case_study) if case_study.status in SENDABLE else [],
            "advice": case_study_advice(case_study) if case_study.status in SENDABLE else [],
            "can_edit": access.case_study_editable_by(request.user, case_study),
            "sendable": case_study.status in SENDABLE and access.case_study_editable_by(request.user, case_study),
            "review_notes": review_queue.review_notes_for(case_study)[:3],
        },
    )


@login_required
@require_POST
@explained_403
def case_study_send_for_review(request, slug):
    case_study = access.case_study_get_for_user(request.user, slug, write=True)
    if case_study.status not in SENDABLE:
        messages.error(
            request, f"This case study is {case_study.get_status_display().lower()}: it cannot be sent for review now."
        )
        return redirect("practices:submit_preview", slug=slug)
    problems = case_study_review_problems(case_study)
    if problems:
        messages.error(request, "Answer the questions listed below before sending it for review.")
        return redirect("practices:submit_preview", slug=slug)
    try:
        case_study_submit(case_study=case_study, by=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
        return redirect("practices:submit_preview", slug=slug)
    messages.success(request, f"“{case_study.title}” has been sent to the curators for review.")
    return redirect("practices:submit_home")


@login_required
@require_GET
@explained_403
def case_study_history(request, slug):
    case_study = _writer_view_of(request, slug)
    entries, page = item_history(case_study, page=request.GET.get("page") or 1)
    back = (
        case_study.get_absolute_url() if case_study.is_published else reverse("practices:submit_preview", args=[slug])
    )
    return render(
        request,
        "practices/history.html",
        {
            "item": case_study,
            "back_url": back,
            "back_label": "Back to the case study",
            "restore_url": "practices:case_study_restore",
            "entries": entries,
            "page": page,
            "can_restore": user_curates(request.user),
            "refused_edits": case_study.refused_edits.select_related("author")[:20],
        },
    )


def _reuse_page(request, form, *, case_study=None, framework=None, council=None, adoption=None, status=200):
    return render(
        request,
        "practices/submit/reuse.html",
        {
            "form": form,
            "case_study": case_study,
            "framework": framework,
            "target": case_study or framework,
            "council": council,
            "adoption": adoption,
        },
        status=status,
    )


def _reuse(request, *, case_study=None, framework=None):
    target = case_study or framework
    if target.status != "published":
        raise PermissionDenied("Only published work can be recorded as reused.")
    try:
        council = adoption_council_for(request.user, case_study=case_study)
    except AdoptionError as error:
        raise PermissionDenied(str(error)) from error
    lookup = {"case_study": case_study} if case_study else {"framework": framework}
    adoption = Adoption.objects.filter(council=council, **lookup).first()
    if request.method == "POST":
        form = AdoptionForm(request.POST)
        if form.is_valid():
            try:
                adoption_record(by=request.user, case_study=case_study, framework=framework, **form.cleaned_data)
            except AdoptionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, f"Recorded: {council.name} reused “{target}”. It now shows on both councils' pages."
                )
                return redirect(target.get_absolute_url())
        return _reuse_page(
            request, form, case_study=case_study, framework=framework, council=council, adoption=adoption, status=400
        )
    initial = {}
    if adoption:
        initial = {f: getattr(adoption, f) for f in ("status", "what_changed", "effort", "outcome")}
        initial["silo"] = adoption.silo_id
    else:
        profile = member_profile(request.user)
        initial["silo"] = profile.silo_id if profile else None
    return _reuse_page(
        request,
        AdoptionForm(initial=initial),
        case_study=case_study,
        framework=framework,
        council=council,
        adoption=adoption,
    )


@login_required
@require_http_methods(["GET", "POST"])
@explained_403
def case_study_reuse(request, slug):
    return _reuse(request, case_study=access.case_study_get_for_user(request.user, slug))


@login_required
@require_http_methods(["GET", "POST"])
@explained_403
def framework_reuse(request, slug):
    return _reuse(request, framework=access.framework_get_for_user(request.user, slug))


def _enquiry(request, slug, kind: str):
    case_study = access.case_study_get_for_user(request.user, slug)
    refusal = enquiry_refusal(request.user, case_study, kind)
    if refusal:
        raise PermissionDenied(refusal)
    limited = enquiries_remaining(request.user)
    form = EnquiryForm(request.POST or None, kind=kind)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                enquiry_send(
                    case_study=case_study,
                    sender=request.user,
                    kind=kind,
                    message=form.cleaned_data["message"],
                    preferred_dates=form.cleaned_data.get("preferred_dates", ""),
                )
            except EnquiryRefused as error:
                form.add_error(None, str(error))
                limited = enquiries_remaining(request.user)
                status = 429 if limited else 503
            else:
                sent = "visit request" if kind == Enquiry.Kind.VISIT else "message"
                messages.success(request, f"Your {sent} has been sent. Replies come straight to {request.user.email}.")
                return redirect(case_study.get_absolute_url())
        else:
            status = 400
    return render(
        request,
        "practices/submit/enquiry.html",
        {
            "form": form,
            "case_study": case_study,
            "kind": kind,
            "is_visit": kind == Enquiry.Kind.VISIT,
            "limited": limited,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@explained_403
def case_study_contact(request, slug):
    return _enquiry(request, slug, Enquiry.Kind.CONTACT)


@login_required
@require_http_methods(["GET", "POST"])
@explained_403
def case_study_visit(request, slug):
    return _enquiry(request, slug, Enquiry.Kind.VISIT)
