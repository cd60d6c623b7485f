"""Curators upload case studies from a file: a preview of every row first, then an import on confirmation."""

from __future__ import annotations

import secrets
import time

from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

# The curator check every /curate/ page uses (signed in, a curator, two-factor), named in this one place.
from portal.access import curator_required
from practices.forms.uploads import ImportUploadForm
from practices.services.imports import ImportRejected, import_file_read, practices_import, practices_import_preview

# A checked file waits this long (in the shared cache) for the curator to confirm it.
PENDING_SECONDS = 60 * 60
ROWS_SHOWN = 500


def _pending_key(user_id: int, token: str) -> str:
    return f"curate-import:{user_id}:{token}"


def _took(started: float) -> str:
    """How long since ``started`` (a perf_counter reading), as the page says it: "0.4 seconds", "1 minute 5 seconds"."""
    seconds = time.perf_counter() - started
    if seconds < 10:
        return f"{seconds:.1f} seconds"
    minutes, rest = divmod(round(seconds), 60)
    if not minutes:
        return f"{rest} seconds"
    return f"{minutes} minute{'s' if minutes > 1 else ''}" + (
        f" {rest} second{'s' if rest != 1 else ''}" if rest else ""
    )


@curator_required
def upload_start(request):
    """Choose a file (GET), or check an uploaded one and show what it would do (POST)."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "practices/curate/import.html", {"form": form}, status=400 if form.errors else 200)
    upload = form.cleaned_data["file"]
    new_status = form.new_status()
    started = time.perf_counter()
    try:
        parsed = import_file_read(upload.read(), filename=upload.name)
        preview = practices_import_preview(parsed.data, by=request.user, tabular=parsed.tabular, new_status=new_status)
    except ImportRejected as rejected:
        form.add_error("file", "The file could not be read. " + " ".join(rejected.errors[:5]))
        return render(request, "practices/curate/import.html", {"form": form}, status=400)
    problems = [row for row in preview.rows if row.problems]
    token = ""
    if not problems and (preview.created or preview.updated):
        token = secrets.token_urlsafe(16)
        cache.set(
            _pending_key(request.user.pk, token),
            {"data": parsed.data, "tabular": parsed.tabular, "new_status": new_status, "name": upload.name},
            PENDING_SECONDS,
        )
    rows = preview.rows
    return render(
        request,
        "practices/curate/import_preview.html",
        {
            "file_name": upload.name,
            "preview": preview,
            "problems": problems,
            "rows": rows[:ROWS_SHOWN] if not problems else problems[:ROWS_SHOWN],
            "rows_hidden": max(0, (len(problems) if problems else len(rows)) - ROWS_SHOWN),
            "token": token,
            "status_label": dict(form.fields["status"].choices)[form.cleaned_data["status"]],
            "took": _took(started),
        },
        status=400 if problems else 200,
    )


@curator_required
@require_POST
def upload_confirm(request):
    """Import the file checked a moment ago, all or nothing."""
    key = _pending_key(request.user.pk, request.POST.get("token", ""))
    pending = cache.get(key)
    if pending is None:
        messages.error(request, "That upload has expired or was already imported. Upload the file again.")
        return redirect("practices:curate_import")
    started = time.perf_counter()
    try:
        result = practices_import(
            pending["data"], by=request.user, tabular=pending["tabular"], new_status=pending["new_status"]
        )
    except ImportRejected as rejected:
        # Something changed on the portal since the preview; nothing was saved.
        cache.delete(key)
        form = ImportUploadForm()
        messages.error(request, "Nothing was imported: " + " ".join(rejected.errors[:5]))
        return render(request, "practices/curate/import.html", {"form": form}, status=400)
    cache.delete(key)
    records = result.created + result.updated + result.unchanged
    messages.success(
        request,
        f"Imported {pending['name']}: {result} "
        f"({records:,} record{'s' if records != 1 else ''} checked and saved in {_took(started)}).",
    )
    return redirect("practices:curate_import")
