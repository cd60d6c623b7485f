"""Exports that re-import: the round trip, and broken files reported clearly with nothing saved."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from taggit.models import Tag, TaggedItem

from councils.models import Council, ServiceSilo
from practices.models import Adoption, CaseStudy, CitizenGroup, Framework, FrameworkLink
from practices.services import ImportRejected, practices_import
from practices.services.demo import demo_data
from practices.services.exports import case_studies_csv, case_studies_xlsx, case_study_records
from practices.services.imports import import_file_read, practices_import_preview

pytestmark = pytest.mark.django_db

CSV_HEADER = "title,slug,lead_council,primary_silo,summary,tags,frameworks\n"


def _export(tmp_path, name="dump.json", *extra) -> bytes:
    path = tmp_path / name
    call_command("export_practices", "-o", str(path), *extra)
    return path.read_bytes()


def _empty_the_portal():
    Adoption.objects.all().delete()
    FrameworkLink.objects.all().delete()
    Framework.objects.update(generalised_from=None)
    CaseStudy.objects.all().delete()
    Framework.objects.all().delete()
    Council.objects.all().delete()
    ServiceSilo.objects.all().delete()
    CitizenGroup.objects.all().delete()
    TaggedItem.objects.all().delete()
    Tag.objects.all().delete()


@pytest.fixture
def demo(db):
    practices_import(demo_data())
    # Something that must not leave the portal, and something under another licence.
    draft = CaseStudy.objects.filter(status="published").order_by("slug").first()
    CaseStudy.objects.filter(pk=draft.pk).update(status="draft", title="Unpublished draft about gritter routes")
    CaseStudy.objects.filter(status="published").exclude(pk=draft.pk).order_by("slug").update(
        contact_email="team@bristol.gov.uk"
    )
    licensed = CaseStudy.objects.filter(status="published").order_by("-slug").first()
    licensed.licence = "Creative Commons Attribution 4.0"
    licensed.save()
    return draft


def test_export_import_into_an_empty_portal_and_export_again_is_identical(demo, tmp_path):
    first = _export(tmp_path, "first.json")
    bundle = json.loads(first)
    assert bundle["format_version"] == 2
    assert bundle["licence"]["default"] == "Open Government Licence v3.0"
    assert len(bundle["case_studies"]) == CaseStudy.objects.filter(status="published").count() > 5
    assert {cs["licence"] for cs in bundle["case_studies"]} == {
        "Open Government Licence v3.0",
        "Creative Commons Attribution 4.0",
    }
    assert "Unpublished draft" not in first.decode()
    assert "@bristol.gov.uk" not in first.decode(), "contact emails stay in the portal"
    assert any(cs["frameworks"] for cs in bundle["case_studies"]) and bundle["adoptions"]

    _empty_the_portal()
    assert CaseStudy.objects.count() == 0
    call_command("import_practices", str(tmp_path / "first.json"))
    second = _export(tmp_path, "second.json")
    assert second == first


def test_csv_and_xlsx_exports_re_import_unchanged(demo):
    records = case_study_records(CaseStudy.objects.filter(status="published").order_by("slug"))
    for name, content in (("list.csv", case_studies_csv(records).encode()), ("list.xlsx", case_studies_xlsx(records))):
        parsed = import_file_read(content, filename=name)
        preview = practices_import_preview(parsed.data, tabular=parsed.tabular)
        assert len(preview.rows) == len(records)
        assert {row.outcome for row in preview.rows} == {"unchanged"}, [r.problems for r in preview.rows if r.problems]


def test_preview_says_what_each_row_would_do_and_saves_nothing(demo):
    existing = CaseStudy.objects.filter(status="published").select_related("lead_council", "primary_silo").first()
    content = (
        CSV_HEADER
        + f"{existing.title},{existing.slug},{existing.lead_council.gss_code},{existing.primary_silo.name},Changed summary.,,\n"
        + f"Bin lorry tracking,leeds-bin-lorries,{existing.lead_council.name.upper()},{existing.primary_silo.slug},In-cab tablets.,,\n"
        + "Nowhere,nowhere-council-work,Borsetshire Unknown Council,transport,Text.,,\n"
    ).encode()
    parsed = import_file_read(content, filename="upload.csv")
    preview = practices_import_preview(parsed.data, tabular=True, new_status="draft")
    assert [(row.label, row.outcome) for row in preview.rows] == [
        (f"row 2 '{existing.slug}'", "updated"),
        ("row 3 'leeds-bin-lorries'", "created"),
        ("row 4 'nowhere-council-work'", "problem"),
    ]
    assert preview.rows[2].problems == ["unknown lead council 'Borsetshire Unknown Council'."]
    assert not CaseStudy.objects.filter(slug="leeds-bin-lorries").exists()
    assert CaseStudy.objects.get(pk=existing.pk).summary == existing.summary


def test_uploaded_items_land_as_drafts_matched_by_gss_code_and_silo_name(demo):
    council = Council.objects.exclude(gss_code=None).first()
    silo = ServiceSilo.objects.first()
    content = (
        CSV_HEADER + f"School bus tracking,school-bus-tracking,{council.gss_code},{silo.name},GPS on buses.,,\n"
    ).encode()
    parsed = import_file_read(content, filename="upload.csv")
    practices_import(parsed.data, tabular=True, new_status="draft")
    created = CaseStudy.objects.get(slug="school-bus-tracking")
    assert (created.status, created.lead_council, created.primary_silo, created.published_at) == (
        "draft",
        council,
        silo,
        None,
    )


def test_dry_run_command_prints_the_preview(demo, tmp_path, capsys):
    silo = ServiceSilo.objects.first()
    path = tmp_path / "new.csv"
    path.write_text(CSV_HEADER + f"Tablet inspections,tablet-inspections,,{silo.slug},Mobile working.,,\n")
    with pytest.raises(CommandError, match="1 record\\(s\\) with problems"):
        call_command("import_practices", str(path), "--dry-run")
    assert "problem: record: A published case study needs a summary, a lead council" in capsys.readouterr().out
    call_command("import_practices", str(path), "--dry-run", "--as-draft")
    out = capsys.readouterr().out
    assert "row 2 'tablet-inspections': create – Tablet inspections" in out
    assert "would create 1" in out and "Nothing was saved" in out
    assert not CaseStudy.objects.filter(slug="tablet-inspections").exists()


def _rejected(content: bytes, filename: str, **options) -> str:
    before = CaseStudy.objects.count(), Council.objects.count(), Tag.objects.count()
    with pytest.raises(ImportRejected) as caught:
        parsed = import_file_read(content, filename=filename)
        practices_import(parsed.data, tabular=parsed.tabular, **options)
    assert (CaseStudy.objects.count(), Council.objects.count(), Tag.objects.count()) == before, "nothing saved"
    return str(caught.value)


def test_wrong_encoding_is_reported(demo):
    content = (CSV_HEADER + "Caf\xe9 inspections,cafe-inspections,,transport,Text.,,\n").encode("cp1252")
    assert "not UTF-8 text" in _rejected(content, "windows.csv")


def test_missing_columns_are_named(demo):
    message = _rejected(b"title,slug,primary_silo\nBins,bins,waste\n", "short.csv")
    assert "no 'lead_council', 'summary' columns" in message


def test_unknown_council_is_reported_against_its_row(demo):
    silo = ServiceSilo.objects.first()
    content = (
        CSV_HEADER
        + f"Good row,good-row,,{silo.slug},Fine.,,\n"
        + f"Bad row,bad-row,Ambridge Parish Council,{silo.slug},Fine.,,\n"
    ).encode()
    message = _rejected(content, "councils.csv")
    assert "row 3 'bad-row': unknown lead council 'Ambridge Parish Council'." in message
    assert not CaseStudy.objects.filter(slug="good-row").exists()


def test_duplicate_rows_are_reported(demo):
    silo = ServiceSilo.objects.first()
    row = f"Same thing,same-thing,,{silo.slug},Twice.,,\n"
    message = _rejected((CSV_HEADER + row + row).encode(), "twice.csv")
    assert "row 3 'same-thing': appears twice in the file (first at row 2 'same-thing')" in message


def test_formulas_in_xlsx_cells_are_refused(demo):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["title", "slug", "lead_council", "primary_silo", "summary"])
    sheet.append(["Bins", "bins", "", ServiceSilo.objects.first().slug, '=HYPERLINK("http://x.example")'])
    out = io.BytesIO()
    workbook.save(out)
    message = _rejected(out.getvalue(), "formula.xlsx")
    assert "row 2: cell E2 holds a formula" in message


def test_not_a_workbook_is_reported(demo):
    assert "not an Excel workbook" in _rejected(b"PK\x03\x04 not really a zip", "broken.xlsx")


def test_ten_thousand_rows_import_with_progress_and_one_bad_row_saves_nothing(demo, tmp_path, capsys):
    silo = ServiceSilo.objects.first()
    council = Council.objects.first()
    lines = [CSV_HEADER.strip()]
    for n in range(10_000):
        lines.append(
            f"Fleet tracking {n},fleet-tracking-{n},{council.slug},{silo.slug},Vehicles report positions.,gps,"
        )
    good = "\n".join(lines) + "\n"
    bad = good.replace(f"{council.slug},{silo.slug},Vehicles report positions.,gps,\n", "", 0)
    bad = bad.rstrip("\n") + f"\nLast one,last-one,Unknown Council,{silo.slug},Text.,,\n"
    path = tmp_path / "bad.csv"
    path.write_text(bad)
    before = CaseStudy.objects.count()
    with pytest.raises(CommandError, match="row 10002 'last-one': unknown lead council"):
        call_command("import_practices", str(path))
    assert CaseStudy.objects.count() == before
    path.write_text(good)
    call_command("import_practices", str(path))
    assert "10,000 of 10,000 case studies checked" in capsys.readouterr().err
    assert CaseStudy.objects.filter(slug__startswith="fleet-tracking-").count() == 10_000
