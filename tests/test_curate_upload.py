"""Curators upload case studies from a file: preview first, problems by row, drafts by default."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from practices.models import CaseStudy

pytestmark = pytest.mark.django_db

HEADER = "title,slug,lead_council,primary_silo,summary,tags\n"


def _file(content: str, name="council-sheet.csv"):
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


@pytest.mark.parametrize("who,status", [("visitor", 302), ("owner", 403), ("outsider", 403), ("curator", 200)])
def test_only_curators_may_upload(client_for, who, status):
    assert client_for(who).get("/curate/import/").status_code == status


def test_preview_then_confirm_imports_new_rows_as_drafts(client_for, council, silo):
    curator = client_for("curator")
    content = (
        HEADER
        + f'Bulky waste booking,bulky-waste-booking,{council.gss_code},{silo.name},"Residents book online.","online booking; waste"\n'
    )
    page = curator.post("/curate/import/", {"file": _file(content), "status": "draft"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "row 2 &#x27;bulky-waste-booking&#x27;" in html and "Create" in html
    assert not CaseStudy.objects.filter(slug="bulky-waste-booking").exists(), "a preview saves nothing"
    token = page.context["token"]
    done = curator.post("/curate/import/confirm/", {"token": token}, follow=True)
    assert "Imported council-sheet.csv: 1 created" in done.content.decode()
    created = CaseStudy.objects.get(slug="bulky-waste-booking")
    assert (created.status, created.lead_council, created.primary_silo) == ("draft", council, silo)
    assert sorted(created.tags.names()) == ["online booking", "waste"]
    again = curator.post("/curate/import/confirm/", {"token": token}, follow=True)
    assert "expired or was already imported" in again.content.decode()


def test_problems_are_shown_against_their_rows_and_nothing_can_be_confirmed(client_for, silo):
    content = HEADER + f"Good,good-row,,{silo.slug},Fine.,\nBad,bad-row,Ambridge Parish Council,{silo.slug},Fine.,\n"
    page = client_for("curator").post("/curate/import/", {"file": _file(content), "status": "draft"})
    html = page.content.decode()
    assert page.status_code == 400
    assert "unknown lead council &#x27;Ambridge Parish Council&#x27;" in html
    assert "row 3 &#x27;bad-row&#x27;" in html
    assert page.context["token"] == ""
    assert not CaseStudy.objects.exists()


def test_unreadable_files_get_a_clear_error_on_the_form(client_for):
    page = client_for("curator").post(
        "/curate/import/",
        {"file": SimpleUploadedFile("sheet.csv", "Café,x\n".encode("cp1252")), "status": "draft"},
    )
    assert page.status_code == 400
    assert "not UTF-8 text" in page.content.decode()
    missing = client_for("curator").post("/curate/import/", {"status": "draft"})
    assert "Choose a file to upload." in missing.content.decode()


def test_the_upload_page_says_how_long_a_check_takes_and_has_a_live_region_for_progress(client_for):
    html = client_for("curator").get("/curate/import/").content.decode()
    # Without JavaScript the page says it beforehand; with it, the status region announces the check.
    assert "up to a minute for 10,000 rows" in html
    assert 'aria-describedby="check-time"' in html
    assert '<div role="status" aria-live="polite" data-progress-status></div>' in html
    assert "data-progress>" in html
    assert 'src="/static/upload-progress.js"' in html


def test_the_check_and_the_import_say_how_many_records_and_how_long(client_for, council, silo):
    rows = "".join(
        f"Bulky waste booking {n},bulky-waste-{n},{council.gss_code},{silo.name},Residents book online.,\n"
        for n in range(3)
    )
    curator = client_for("curator")
    page = curator.post("/curate/import/", {"file": _file(HEADER + rows), "status": "draft"})
    html = page.content.decode()
    assert re.search(r"Checked 3 records in council-sheet\.csv in \d+(\.\d)? seconds", html)
    assert 'data-progress-message="Importing 3 records from council-sheet.csv… this should take a few seconds."' in html
    done = curator.post("/curate/import/confirm/", {"token": page.context["token"]}, follow=True).content.decode()
    assert re.search(
        r"Imported council-sheet\.csv: 3 created, 0 updated, 0 unchanged \(3 records checked and saved in "
        r"\d+(\.\d)? seconds\)",
        done,
    )
