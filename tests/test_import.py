"""import_practices: JSON and CSV in, idempotent, all or nothing, clear errors."""

import json

import pytest
from django.core.management import CommandError, call_command

from practices.models import Adoption, CaseStudy, Framework, FrameworkLink
from practices.services import ImportRejected, practices_import
from practices.services.imports import parse_import_file

pytestmark = pytest.mark.django_db


def bundle():
    return {
        "councils": [
            {
                "name": "Bristol City Council",
                "slug": "bristol-city-council",
                "gss_code": "E06000023",
                "kind": "unitary",
                "nation": "england",
                "region": "south-west",
                "website": "https://www.bristol.gov.uk/",
                "email_domains": ["Bristol.gov.uk"],
            },
            {
                "name": "Leeds City Council",
                "slug": "leeds-city-council",
                "gss_code": "E08000035",
                "kind": "metropolitan",
                "nation": "england",
                "region": "yorkshire-humber",
                "email_domains": ["leeds.gov.uk"],
            },
        ],
        "silos": [{"name": "Transport", "slug": "transport"}, {"name": "Waste and recycling", "slug": "waste"}],
        "citizen_groups": [{"name": "Commuters", "slug": "commuters"}],
        "frameworks": [
            {
                "title": "Vehicle tracking",
                "slug": "vehicle-tracking",
                "summary": "Track fleets.",
                "silos": ["transport", "waste"],
                "tags": ["Vehicle Tracking"],
                "generalised_from": "bristol-bus-tracking",
            }
        ],
        "case_studies": [
            {
                "title": "Live bus arrivals from GPS",
                "slug": "bristol-bus-tracking",
                "lead_council": "bristol-city-council",
                "primary_silo": "transport",
                "other_silos": ["waste"],
                "summary": "Buses report their position every 30 seconds.",
                "outcomes": "Complaints fell 30%.",
                "citizen_groups": ["commuters"],
                "tags": ["vehicle tracking", "real-time information"],
                "lessons": ["Start with one route"],
                "things_to_avoid": ["Proprietary data formats"],
                "start_year": 2018,
                "published_at": "2024-05-01",
                "frameworks": [
                    {
                        "framework": "vehicle-tracking",
                        "customisation": "Added SMS alerts",
                        "citizen_group": "commuters",
                        "effort": "months",
                    }
                ],
            }
        ],
        "adoptions": [
            {
                "council": "leeds-city-council",
                "case_study": "bristol-bus-tracking",
                "silo": "waste",
                "status": "in-progress",
                "what_changed": "Used on bin lorries",
            }
        ],
    }


def test_json_bundle_creates_everything_linked_and_searchable():
    result = practices_import(bundle())
    assert result.created == 9  # 2 councils, 2 silos, 1 group, 1 framework, 1 case study, 1 link, 1 adoption
    case_study = CaseStudy.objects.get(slug="bristol-bus-tracking")
    assert case_study.lead_council.gss_code == "E06000023"
    assert case_study.lead_council.email_domains == ["bristol.gov.uk"], "domains are stored lower-case"
    assert sorted(case_study.tags.names()) == ["real-time information", "vehicle tracking"]
    assert FrameworkLink.objects.get(case_study=case_study).customisation == "Added SMS alerts"
    assert Framework.objects.get(slug="vehicle-tracking").generalised_from == case_study
    assert Adoption.objects.get().silo.slug == "waste"
    assert CaseStudy.objects.filter(search_document__isnull=False).count() == 1
    assert CaseStudy.objects.filter(search_document__vector="lorries").count() == 0
    assert CaseStudy.objects.filter(search_document__vector="buses").count() == 1, "stemmed full text is indexed"


def test_reimport_changes_nothing():
    practices_import(bundle())
    history = (
        CaseStudy.history.count(),
        Framework.history.count(),
        FrameworkLink.history.count(),
        Adoption.history.count(),
    )
    stamp = CaseStudy.objects.get().updated_at
    result = practices_import(bundle())
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == 9
    assert (
        CaseStudy.history.count(),
        Framework.history.count(),
        FrameworkLink.history.count(),
        Adoption.history.count(),
    ) == history
    assert CaseStudy.objects.get().updated_at == stamp


def test_reimport_with_a_change_updates_only_that_record():
    practices_import(bundle())
    changed = bundle()
    changed["case_studies"][0]["outcomes"] = "Complaints fell 35%."
    changed["case_studies"][0]["tags"].append("open data")
    result = practices_import(changed)
    assert result.updated == 1
    case_study = CaseStudy.objects.get()
    assert case_study.outcomes == "Complaints fell 35%."
    assert "open data" in case_study.tags.names()
    assert case_study.history.first().history_change_reason == "Imported"


def test_problems_are_all_reported_and_nothing_is_saved():
    bad = bundle()
    bad["councils"][1]["gss_code"] = "LEEDS"
    bad["case_studies"][0]["lead_council"] = "bristol"
    bad["case_studies"][0]["funding_source"] = "piggy bank"
    bad["case_studies"][0]["published_at"] = "last year"
    with pytest.raises(ImportRejected) as caught:
        practices_import(bad)
    message = str(caught.value)
    assert "councils[1] 'leeds-city-council': gss_code: Enter the ONS GSS code" in message
    assert "unknown lead council 'bristol'" in message
    assert "funding_source" in message
    assert "'last year' is not a date" in message
    assert CaseStudy.objects.count() == 0
    assert Framework.objects.count() == 0


def test_adoption_names_exactly_one_thing_reused():
    bad = bundle()
    bad["adoptions"][0]["framework"] = "vehicle-tracking"
    with pytest.raises(ImportRejected, match="give exactly one of case_study or framework"):
        practices_import(bad)
    assert Adoption.objects.count() == 0


def test_published_case_study_without_summary_is_refused():
    bad = bundle()
    bad["case_studies"][0]["summary"] = ""
    with pytest.raises(ImportRejected, match="case_studies\\[0\\] 'bristol-bus-tracking'"):
        practices_import(bad)


@pytest.mark.parametrize(
    "content,message",
    [
        ("{not json", "not valid JSON"),
        ('{"rubbish": []}', "an object with keys"),
        ('{"case_studies": {"a": 1}}', "'case_studies' must be a list"),
        ('{"case_studies": ["just text"]}', "each record must be an object"),
    ],
)
def test_malformed_files_get_a_clear_message(content, message):
    with pytest.raises(ImportRejected, match=message):
        practices_import(parse_import_file(content, filename="bad.json"))


def test_csv_import_through_the_command(tmp_path, capsys):
    practices_import({key: bundle()[key] for key in ("councils", "silos", "citizen_groups")})
    practices_import({"frameworks": [{"title": "Vehicle tracking", "slug": "vehicle-tracking", "summary": "Track."}]})
    path = tmp_path / "case-studies.csv"
    path.write_text(
        "title,slug,lead_council,primary_silo,summary,tags,lessons,frameworks,hosts_visits,start_year\n"
        'Bin lorry tracking,leeds-bin-lorries,leeds-city-council,waste,In-cab tablets.,"vehicle tracking; waste",'
        '"Train crews first; Use rugged devices",vehicle-tracking,yes,2021\n',
        encoding="utf-8",
    )
    call_command("import_practices", str(path))
    assert "2 created" in capsys.readouterr().out, "the case study and its framework link"
    case_study = CaseStudy.objects.get(slug="leeds-bin-lorries")
    assert case_study.lessons == ["Train crews first", "Use rugged devices"]
    assert case_study.hosts_visits is True
    assert case_study.frameworks.get().slug == "vehicle-tracking"
    call_command("import_practices", str(path))
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out


def test_command_reports_problems_without_a_traceback(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"title": "No silo", "slug": "no-silo"}]), encoding="utf-8")
    with pytest.raises(CommandError, match="primary silo is required"):
        call_command("import_practices", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_practices", str(tmp_path / "missing.json"))


def test_a_submitted_case_study_must_have_what_a_reviewer_needs(db):
    """The same rule as the submission form and case_study_submit: the import door agrees with the others."""
    data = {
        "silos": [{"slug": "transport", "name": "Transport"}],
        "case_studies": [
            {
                "slug": "half-done",
                "title": "Half-written bus write-up",
                "primary_silo": "transport",
                "status": "submitted",
            }
        ],
    }
    with pytest.raises(ImportRejected, match="submitted for review but incomplete: enter a summary; describe the"):
        practices_import(data)
    assert not CaseStudy.objects.filter(slug="half-done").exists()
