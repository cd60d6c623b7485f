"""seed_demo: realistic content a council officer would recognise, loaded idempotently."""

import re

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from councils.models import GSS_PATTERN, Council, ServiceSilo
from practices.models import Adoption, CaseStudy, CitizenGroup, Framework, FrameworkLink

pytestmark = pytest.mark.django_db


def snapshot():
    """Everything a re-run could change: rows, history entries and timestamps."""
    models = [Council, ServiceSilo, CitizenGroup, Framework, CaseStudy, FrameworkLink, Adoption]
    counts = {model.__name__: model.objects.count() for model in models}
    history = {model.__name__: model.history.count() for model in (Framework, CaseStudy, FrameworkLink, Adoption)}
    stamps = sorted(CaseStudy.objects.values_list("slug", "updated_at")) + sorted(
        Framework.objects.values_list("slug", "updated_at")
    )
    return counts, history, stamps


def test_running_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert "0 created, 0 updated" in capsys.readouterr().out
    assert snapshot() == first


def test_demo_content_covers_the_domain():
    call_command("seed_demo")
    councils = Council.objects.all()
    assert councils.count() >= 30
    assert councils.values("kind").distinct().count() >= 6, "councils of many kinds"
    assert all(re.match(GSS_PATTERN, c.gss_code) for c in councils if c.gss_code)
    assert Council.objects.get(slug="bristol-city-council").gss_code == "E06000023"
    assert ServiceSilo.objects.count() >= 12
    published = CaseStudy.objects.filter(status="published")
    assert published.count() >= 25
    assert published.values("primary_silo").distinct().count() >= 8
    assert Framework.objects.filter(status="published").count() >= 6
    frameworks_in_many_silos = (
        FrameworkLink.objects.values("framework")
        .annotate(silos=Count("case_study__primary_silo", distinct=True))
        .filter(silos__gte=2)
    )
    assert frameworks_in_many_silos.count() >= 4, "frameworks join implementations in several silos"
    assert Adoption.objects.exclude(case_study__lead_council=None).count() >= 5
    assert CaseStudy.objects.exclude(funding_source="").values("funding_source").distinct().count() >= 4
    assert CitizenGroup.objects.filter(case_studies__isnull=False).distinct().count() >= 5
    assert published.filter(search_document__isnull=False).count() == published.count()


@pytest.mark.parametrize(
    "phrase",  # the themes the seed article and the design name
    ["vehicle tracking", "multi-agency", "contact centre", "document imaging", "online booking", "meals-on-wheels"],
)
def test_demo_content_has_the_themes_the_article_names(phrase):
    call_command("seed_demo")
    mentions = Q(title__icontains=phrase) | Q(summary__icontains=phrase) | Q(tags__name__icontains=phrase)
    assert CaseStudy.objects.filter(mentions, status="published").exists(), phrase


def test_fleet_tracking_spans_transport_waste_and_meals_on_wheels():
    call_command("seed_demo")
    silos = set(
        CaseStudy.objects.filter(tags__name="vehicle tracking", status="published").values_list(
            "primary_silo__slug", flat=True
        )
    )
    assert len(silos) >= 3, silos
