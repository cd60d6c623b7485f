"""/insights/: islands and bridges, the silo x framework matrix, councils, CSV downloads."""

import csv
import io

import pytest
from django.core.cache import caches

from councils.factories import CouncilFactory, ServiceSiloFactory
from practices.factories import AdoptionFactory, CaseStudyFactory, FrameworkFactory, FrameworkLinkFactory
from practices.services.discovery_stats import discovery_stats_refresh


@pytest.fixture
def islands(db):
    """Transport and Waste share the fleet framework; Housing reused a Transport case study;
    Libraries share nothing with anyone."""
    transport = ServiceSiloFactory(name="Transport", slug="transport")
    waste = ServiceSiloFactory(name="Waste", slug="waste")
    housing = ServiceSiloFactory(name="Housing", slug="housing")
    ServiceSiloFactory(name="Libraries", slug="libraries")
    framework = FrameworkFactory(title="Fleet tracking", slug="fleet-tracking")
    leeds = CouncilFactory(name="Leeds City Council", slug="leeds")
    bus = CaseStudyFactory(primary_silo=transport, lead_council=leeds)
    FrameworkLinkFactory(case_study=bus, framework=framework)
    FrameworkLinkFactory(case_study=CaseStudyFactory(primary_silo=waste, lead_council=leeds), framework=framework)
    AdoptionFactory(case_study=bus, silo=housing, council=CouncilFactory(name="Hackney Council", slug="hackney"))
    discovery_stats_refresh()
    caches["pages"].clear()


def test_insights_draws_islands_and_bridges_with_a_text_alternative(client, islands):
    html = client.get("/insights/").content.decode()

    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'role="img" aria-labelledby="islands-title islands-desc"' in html
    assert '<title id="islands-title">Service silos as islands joined by bridges</title>' in html
    # Housing's reuse of the Transport case study makes it a user of the fleet framework too.
    assert "4 silos and 3 bridges. Isolated: Libraries." in html
    assert "Libraries (isolated)" in html  # said in words on the drawing, not only by colour
    assert "Transport and Waste" in html and "Housing and Transport" in html and "Housing and Waste" in html


def test_insights_has_data_tables_and_csv_links(client, islands):
    html = client.get("/insights/").content.decode()

    assert '<table class="govuk-table">' in html
    assert "Fleet tracking: 1 / 0" in html  # Transport's row of the matrix table
    assert "/insights/data.csv?table=bridges" in html
    assert "/insights/data.csv?table=matrix" in html
    assert "Leeds City Council" in html  # contributes most
    assert "Hackney Council" in html  # reuses most


def test_matrix_csv_download(client, islands):
    response = client.get("/insights/data.csv?table=matrix")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="insights-matrix.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["silo", "framework", "implementations", "adoptions", "listed_by_curators"]
    assert ["Transport", "Fleet tracking", "1", "0", "no"] in rows
    assert ["Housing", "Fleet tracking", "0", "1", "no"] in rows


def test_bridges_csv_lists_isolated_silos(client, islands):
    rows = list(csv.reader(io.StringIO(client.get("/insights/data.csv?table=bridges").content.decode())))

    assert ["Libraries", "", "0", "0", "isolated"] in rows
    assert ["Transport", "Waste", "1", "0", "Fleet tracking"] in rows


def test_unknown_csv_table_is_not_found(client, islands):
    assert client.get("/insights/data.csv?table=passwords").status_code == 404


def test_insights_is_in_the_navigation(client, islands):
    html = client.get("/insights/").content.decode()

    assert 'href="/insights/" aria-current="true"' in html


def test_insights_queries_do_not_grow_with_data(client, islands, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        assert client.get("/insights/").status_code == 200
    for n in range(6):
        silo = ServiceSiloFactory(name=f"Extra silo {n}", slug=f"extra-{n}")
        framework = FrameworkFactory(slug=f"extra-framework-{n}")
        FrameworkLinkFactory(case_study=CaseStudyFactory(primary_silo=silo), framework=framework)
        AdoptionFactory(case_study=CaseStudyFactory(primary_silo=silo), silo=silo)
    discovery_stats_refresh()
    caches["pages"].clear()
    with django_assert_max_num_queries(10):
        assert client.get("/insights/").status_code == 200


def test_insights_with_no_data_says_so(client, db):
    html = client.get("/insights/").content.decode()

    assert "None recorded yet." in html
