"""/insights/: silos as islands joined by bridges, the silo x framework matrix and councils, with a CSV download."""

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render

from portal.caching import cache_for_visitors
from practices.selectors.insights import insights_csv_rows, insights_overview

CSV_TABLES = {"matrix", "bridges", "councils"}


@cache_for_visitors
def insights(request):
    return render(request, "practices/insights.html", insights_overview())


@cache_for_visitors
def insights_csv(request):
    table = request.GET.get("table", "matrix")
    if table not in CSV_TABLES:
        raise Http404("No such table")
    header, rows = insights_csv_rows(table)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="insights-{table}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
