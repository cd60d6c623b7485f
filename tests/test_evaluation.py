"""Evaluation of discovery by meaning: lay searches and cross-silo groups over council projects that are not the demo's.

The corpus (tests/evaluation/council_projects.json, written by make_corpus.py)
is imported the way a user would, with ``import_practices``, alongside the demo
content: no framework linked, tags as each author chose them. Each group is the
same idea written up by three silos in their own words.

Measured, and printed with ``pytest -s``:

- search: recall@10 (the share of expected items in the first ten results,
  averaged over the searches) and MRR (the mean of 1 / rank of the first
  expected item);
- panels: the share of each group's other members shown on a case study's page
  ("the same practice in other silos" or "similar work elsewhere").

The floors are the figures measured for this branch (docs/search.md): with
pgvector (words, tags and meaning), and without it (words and tags alone, as on
PostgreSQL 15, or with SEMANTIC_SEARCH off).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from practices.forms.search import SearchForm
from practices.models import CaseStudy
from practices.selectors.discovery import case_study_discovery
from practices.selectors.search import search
from practices.semantic import storage
from practices.services.demo import demo_seed
from practices.services.discovery_stats import discovery_stats_refresh

CORPUS = Path(__file__).parent / "evaluation" / "council_projects.json"

# (what a member of staff types, the write-ups it should find: any of them counts for MRR, all for recall)
SEARCHES: list[tuple[str, set[str]]] = [
    ("stop people dumping rubbish in alleys", {"hackney-fly-tipping-hotspot-cameras"}),
    ("fly tipping", {"hackney-fly-tipping-hotspot-cameras"}),
    ("furniture left next to bins on estates", {"croydon-estate-dumped-rubbish-caretakers"}),
    ("rubbish dumped in country lay-bys", {"powys-rural-lay-by-waste-crime"}),
    ("catching fly tippers on camera", {"hackney-fly-tipping-hotspot-cameras"}),
    ("help at home after leaving hospital", {"essex-reablement-six-weeks", "sunderland-home-from-hospital-support"}),
    ("reablement", {"essex-reablement-six-weeks"}),
    ("bed blocking delayed discharge", {"sunderland-home-from-hospital-support"}),
    ("grab rails fitted so patients can go home", {"telford-handyperson-hospital-discharge"}),
    ("mould in council flats", {"lambeth-damp-mould-sensors"}),
    ("damp sensors", {"lambeth-damp-mould-sensors"}),
    ("landlords who will not fix damp", {"manchester-private-rented-hazard-enforcement"}),
    ("children with asthma in cold damp homes", {"birmingham-healthy-homes-children-breathing"}),
    ("lonely older people", {"york-library-chatter-and-befriending", "cornwall-social-prescribing-link-workers"}),
    ("GP referrals to community groups", {"cornwall-social-prescribing-link-workers"}),
    ("exercise on prescription", {"swansea-exercise-referral-scheme"}),
    ("befriending volunteers", {"york-library-chatter-and-befriending"}),
    ("free school meals without applying", {"westminster-free-school-meals-auto-enrolment"}),
    ("pensioners missing out on benefits", {"leicester-pension-credit-campaign"}),
    ("unclaimed benefits", {"leicester-pension-credit-campaign", "westminster-free-school-meals-auto-enrolment"}),
    ("holiday clubs with free food", {"hampshire-holiday-activities-eligible-families"}),
    ("charging electric cars on the street", {"kent-lamp-column-ev-charging"}),
    ("electric vans", {"nottingham-council-fleet-electrification"}),
    ("electric bin lorries", {"brighton-electric-refuse-lorries"}),
    ("cutting diesel emissions from council vehicles", {"nottingham-council-fleet-electrification"}),
    ("Passivhaus", {"norwich-passivhaus-council-homes"}),
    ("cheaper energy bills for tenants", {"norwich-passivhaus-council-homes"}),
    ("heating a swimming pool without gas", {"leeds-leisure-centre-heat-pumps"}),
    ("insulating old tenements", {"glasgow-tenement-whole-house-retrofit"}),
    ("borrow a laptop", {"newcastle-library-laptop-lending"}),
    ("getting older people online", {"liverpool-sheltered-housing-wifi", "wigan-digital-champions-care"}),
    ("video calls for people receiving care", {"wigan-digital-champions-care"}),
    ("bins that say when they are full", {"westminster-smart-litter-bins"}),
    ("blocked drains flooding roads", {"lancashire-gully-level-sensors"}),
    ("overflowing communal bins", {"tower-hamlets-bin-store-monitoring"}),
    ("carers spending too long driving between visits", {"norfolk-home-care-rostering-by-area"}),
    ("SEN taxis cost too much", {"devon-send-transport-route-planning"}),
    ("new bin rounds", {"milton-keynes-collection-round-redesign"}),
    ("people owing the council money in several places", {"camden-single-view-of-debt"}),
    ("tenants behind with rent", {"hackney-rent-arrears-early-help"}),
    ("help with the cost of living", {"bristol-financial-wellbeing-hub"}),
    ("predicting which families need support", {"essex-early-help-risk-model"}),
    ("stopping people becoming homeless", {"newport-homelessness-prevention-analytics"}),
    ("older people falling at home", {"cardiff-falls-risk-stratification"}),
]


def _groups() -> dict[str, list[str]]:
    """Group name -> slugs, read back from the corpus generator's order (three consecutive items a group)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "eval_corpus", Path(__file__).parent / "evaluation" / "make_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    groups: dict[str, list[str]] = {}
    for item in module.ITEMS:
        groups.setdefault(item[0], []).append(f"eval-{item[1]}")
    return groups


GROUPS = _groups()

# Floors: the figures measured on this branch (docs/search.md), rounded down; words and
# tags alone measure 0.989 on PostgreSQL 18 and 0.977 on 15 (their stemming differs).
# Words and tags alone surface none of the groups on the case study page: their
# members share no tag and no framework, which is the point of the evaluation.
# With meaning, run alone: recall@10 0.989, MRR 0.936, panels 0.917 (66 of 72; 0.931 with the
# float model before decision 0014). In the whole suite what earlier tests leave in the tables
# can move a result a place (MRR once measured 0.928 there), so the search floors sit about one
# search below the figures, and the panels' floor is the issue's bar, 0.90, one expectation below.
FLOORS_WITH_MEANING = {"recall@10": 0.97, "mrr": 0.92, "panel recall": 0.90}
FLOORS_WORDS_AND_TAGS = {"recall@10": 0.97, "mrr": 0.91}


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    """The demo content and the evaluation corpus, imported once for the module and rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_seed()
        call_command("import_practices", str(CORPUS), verbosity=0)
        # As the worker does after the import commits: the tag counts and the
        # centre in meaning the panels read are those of this content, not of
        # whatever an earlier test left in the summaries.
        discovery_stats_refresh()
        if storage.vectors_available():
            # Earlier tests roll back thousands of vectors, and their dead entries stay in the HNSW
            # graph until a vacuum; neighbour reads that wade through them come back short. A
            # deployment's index holds what it stores, so the evaluation reads a freshly built one.
            with connection.cursor() as cursor:
                cursor.execute(f"REINDEX INDEX {storage.INDEX}")
        yield
        transaction.set_rollback(True)


def _slugs(q: str) -> list[str]:
    form = SearchForm({"q": q})
    assert form.is_valid(), form.errors
    outcome = search(form.search_request())
    return [result.url.rstrip("/").rsplit("/", 1)[-1] for result in outcome.results[:10]]


def measure() -> dict[str, float]:
    found = reciprocal = 0.0
    misses = []
    for q, wanted in SEARCHES:
        expected = {f"eval-{slug}" for slug in wanted}
        top = _slugs(q)
        found += len(expected & set(top)) / len(expected)
        ranks = [i for i, slug in enumerate(top, 1) if slug in expected]
        reciprocal += 1 / ranks[0] if ranks else 0
        if not ranks:
            misses.append(q)
    surfaced = expected_total = 0
    panel_misses = []
    user = AnonymousUser()
    for members in GROUPS.values():
        items = CaseStudy.objects.select_related("lead_council", "primary_silo").filter(slug__in=members)
        for case_study in items:
            panels = case_study_discovery(user, case_study)
            shown = {item.slug for item in panels["same_practice"]} | {item.slug for item in panels["similar"]}
            for other in members:
                if other == case_study.slug:
                    continue
                expected_total += 1
                if other in shown:
                    surfaced += 1
                else:
                    panel_misses.append(f"{case_study.slug} -> {other}")
    figures = {
        "recall@10": found / len(SEARCHES),
        "mrr": reciprocal / len(SEARCHES),
        "panel recall": surfaced / expected_total,
    }
    print(f"\n{figures} searches={len(SEARCHES)} groups={len(GROUPS)}")
    print("searches with nothing expected in the top 10:", misses)
    print("panel misses:", panel_misses)
    return figures


def test_the_evaluation_is_big_enough():
    assert len(SEARCHES) >= 40
    assert len(GROUPS) >= 12
    corpus = json.loads(CORPUS.read_text())
    assert {cs["slug"] for cs in corpus["case_studies"]} == {slug for members in GROUPS.values() for slug in members}
    for members in GROUPS.values():
        silos = {cs["primary_silo"] for cs in corpus["case_studies"] if cs["slug"] in members}
        assert len(silos) == len(members), "each group spans as many silos as it has members"


@pytest.mark.django_db
def test_search_and_panels_reach_their_floors(corpus):
    figures = measure()
    floors = FLOORS_WITH_MEANING if storage.vectors_available() else FLOORS_WORDS_AND_TAGS
    for name, floor in floors.items():
        assert figures[name] >= floor, (name, figures)


@pytest.mark.django_db
def test_words_and_tags_alone_reach_their_floors(corpus):
    storage.forget_availability()
    try:
        with override_settings(SEMANTIC_SEARCH=False):
            figures = measure()
    finally:
        storage.forget_availability()
    for name, floor in FLOORS_WORDS_AND_TAGS.items():
        assert figures[name] >= floor, (name, figures)
