"""'Download these results': the case study list or a search, as CSV, JSON or XLSX in the import format."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils import timezone

from practices.forms.search import SearchForm
from practices.models import CaseStudy
from practices.selectors import open_data
from practices.services import exports
from practices.views.search import CASE_STUDIES_ONLY, LIST_FACETS

# A download is for a spreadsheet or a quick analysis; everything at once is export_practices or the API.
MAX_DOWNLOAD_ROWS = 10_000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _file(records: list[dict], file_format: str, name: str) -> HttpResponse:
    if file_format == "csv":
        # The byte order mark makes Excel read the file as UTF-8.
        body: str | bytes = "\ufeff" + exports.case_studies_csv(records)
    elif file_format == "json":
        body = exports.case_studies_json(records)
    else:
        body = exports.case_studies_xlsx(records)
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{file_format}"'
    response["X-Robots-Tag"] = "noindex"
    return response


def _check_format(file_format: str) -> None:
    if file_format not in CONTENT_TYPES:
        raise Http404("Downloads are .csv, .json or .xlsx")


def case_study_list_download(request, file_format: str):
    """The case study list with the filters in the URL, newest first."""
    _check_format(file_format)
    form = SearchForm(request.GET, facet_keys=LIST_FACETS)
    form.is_valid()  # the list forgives: unknown values are left out, as on the page
    queryset = open_data.case_studies_filtered(
        CaseStudy.objects.filter(status=CaseStudy.Status.PUBLISHED), form.facet_values
    ).order_by("-published_at", "slug")[:MAX_DOWNLOAD_ROWS]
    return _file(exports.case_study_records(queryset), file_format, "case-studies")


def search_download(request, file_format: str):
    """The case studies a search finds, in the order the search page lists them."""
    _check_format(file_format)
    form = SearchForm(request.GET)
    if not form.is_valid():
        raise Http404("That search cannot be downloaded")
    slugs = open_data.search_case_study_slugs(form.search_request(fixed=CASE_STUDIES_ONLY))
    by_slug = {
        cs.slug: cs
        for cs in open_data.case_studies_with_details(CaseStudy.objects.filter(slug__in=slugs, status="published"))
    }
    records = [exports.case_study_record(by_slug[slug]) for slug in slugs if slug in by_slug]
    return _file(records, file_format, "search-results")
