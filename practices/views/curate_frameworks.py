"""Curator pages for the framework lifecycle: list, create, edit, preview, publish, archive, history and restore.

Every view here is @curator_required (portal/access.py): signed in, a curator, with two-factor authentication.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.access import curator_required
from practices.forms.curation import FrameworkForm
from practices.models import Framework
from practices.selectors import curation as selectors
from practices.selectors.history import item_history
from practices.services.editing import EditConflict, EditError
from practices.services.frameworks import (
    framework_archive,
    framework_create,
    framework_publish,
    framework_restore,
    framework_update,
)
from practices.services.workflow import WorkflowError
from practices.views.curate import PAGE_SIZE

Status = Framework.Status


def posted_version(request) -> int:
    """The version an edit or restore started from (-1 when missing or garbled, which always conflicts)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


@curator_required
def framework_list(request):
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    page = Paginator(selectors.frameworks_for_curation(status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "practices/curate/frameworks.html",
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "query_prefix": f"status={status}&" if status else "",
        },
    )


def _form_page(request, form, *, framework=None, version=None, status=200):
    return render(
        request,
        "practices/curate/framework_form.html",
        {"form": form, "framework": framework, "version": version},
        status=status,
    )


@curator_required
def framework_new(request):
    if request.method != "POST":
        return _form_page(request, FrameworkForm())
    form = FrameworkForm(request.POST)
    if form.is_valid():
        try:
            framework = framework_create(by=request.user, content=form.content())
        except EditError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Draft framework “{framework.title}” created. Check it, then publish it.")
            return redirect("practices:curate_framework", slug=framework.slug)
    return _form_page(request, form, status=400)


@curator_required
def framework_preview(request, slug):
    framework = selectors.framework_for_curation(slug)
    return render(request, "practices/curate/framework.html", {"framework": framework})


@curator_required
def framework_edit(request, slug):
    framework = selectors.framework_for_curation(slug)
    published = framework.status == Status.PUBLISHED
    if request.method != "POST":
        form = FrameworkForm(initial=FrameworkForm.initial_for(framework), published=published)
        return _form_page(request, form, framework=framework, version=framework.version)
    form = FrameworkForm(request.POST, published=published)
    version = posted_version(request)
    if form.is_valid():
        try:
            saved = framework_update(
                framework=framework, by=request.user, content=form.content(), expected_version=version
            )
        except EditConflict as conflict:
            # Keep what the curator typed; saving again from here overwrites the other change knowingly.
            form.add_error(
                None,
                "Someone else saved this framework while you were editing it. Your changes are below, not saved: "
                "check the current version in another tab, then save again to replace it.",
            )
            version = conflict.current.version
        except EditError as error:
            form.add_error(None, str(error))
        else:
            if saved.changed:
                messages.success(request, f"Saved: {', '.join(saved.changed)}.")
            else:
                messages.info(request, "There were no changes to save.")
            return redirect("practices:curate_framework", slug=framework.slug)
    return _form_page(request, form, framework=framework, version=version, status=400)


def _move(request, slug, service, done: str):
    framework = selectors.framework_for_curation(slug)
    try:
        framework = service(framework=framework, by=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done.format(title=framework.title))
    return redirect("practices:curate_framework", slug=framework.slug)


@curator_required
@require_POST
def framework_publish_view(request, slug):
    return _move(request, slug, framework_publish, "“{title}” is published: it is on the site and in search now.")


@curator_required
@require_POST
def framework_archive_view(request, slug):
    return _move(
        request,
        slug,
        framework_archive,
        "“{title}” is archived: it has left the site and search. You can publish it again.",
    )


@curator_required
def framework_history(request, slug):
    framework = selectors.framework_for_curation(slug)
    entries, page = item_history(framework, page=request.GET.get("page") or 1)
    return render(
        request,
        "practices/history.html",
        {
            "item": framework,
            "back_url": reverse("practices:curate_framework", args=[framework.slug]),
            "back_label": "Back to the framework",
            "restore_url": "practices:curate_framework_restore",
            "entries": entries,
            "page": page,
            "can_restore": True,
        },
    )


def restore_from_history(request, item, restore, *, history_id: int, back_to: str):
    """Run a restore service with the version the history page was opened at, say how it went, go back there."""
    try:
        restore(item, history_id=history_id, expected_version=posted_version(request))
    except EditConflict:
        messages.error(
            request,
            f"The {item._meta.verbose_name} changed after you opened its history. "
            "Check the latest change, then try again.",
        )
    except EditError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "The earlier version has been restored. The version it replaced is kept in the history."
        )
    return redirect(back_to, slug=item.slug)


@curator_required
@require_POST
def framework_restore_view(request, slug, history_id: int):
    return restore_from_history(
        request,
        selectors.framework_for_curation(slug),
        lambda framework, **kw: framework_restore(framework=framework, by=request.user, **kw),
        history_id=history_id,
        back_to="practices:curate_framework_history",
    )
