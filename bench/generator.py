"""Benchmark tooling: bulk generation of realistic benchmark content, and its removal.

The words it writes with are data, in practices/demo_data/bench_vocabulary.json
beside the demo content; `manage.py generate_bench_data` is the way in.

Benchmark rows are marked so they can be told apart from real and demo content:
case studies, frameworks and councils made here have slugs starting ``bench-``.
Nothing that exists already is changed; demo content is loaded first if the
database has no silos yet, because bench content is spread over the demo silos.

Speed matters (100,000 case studies in minutes), so rows go in with COPY and
the search index is built in set-based batches; no model save() runs per row and
no history is written for generated rows.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from councils.models import Council, ServiceSilo
from practices.models import CASE_STUDY_CONTENT_FIELDS, CaseStudy, CitizenGroup, Framework, FundingSource
from practices.services.discovery_stats import discovery_stats_refresh
from practices.services.search_index import search_index_rebuild, search_index_update

BENCH_PREFIX = "bench-"
COPY_BATCH = 5000
# A run adding at least this many case studies (and at least as many as are
# there already) drops the GIN indexes below while it writes, and builds them
# again from all the rows at the end: one build costs less than keeping a
# large GIN index up to date row by row.
SET_ASIDE_FROM = 100_000
SET_ASIDE_INDEXES = ("searchdocument_search_gin", "casestudy_title_trgm")
BUILD_MEMORY = "512MB"


class BenchDataError(Exception):
    """Benchmark data could not be generated."""


VOCABULARY_FILE = Path(__file__).resolve().parent.parent / "practices" / "demo_data" / "bench_vocabulary.json"


@dataclass(frozen=True)
class Capability:
    """A practice that recurs across silos, with the words write-ups about it use."""

    title: str
    tags: tuple[str, ...]
    problems: tuple[str, ...]
    approaches: tuple[str, ...]
    outcomes: tuple[str, ...]


def _load_vocabulary(path: Path = VOCABULARY_FILE) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["capabilities"] = [
        Capability(**{name: value if name == "title" else tuple(value) for name, value in item.items()})
        for item in data["capabilities"]
    ]
    data["silo_words"] = {
        slug: {kind: tuple(words) for kind, words in groups.items()} for slug, groups in data["silo_words"].items()
    }
    return data


_VOCABULARY = _load_vocabulary()
# Real councils beyond the demo set: (name, kind, region). Nation follows the region.
EXTRA_COUNCILS: list[tuple[str, str, str]] = [tuple(row) for row in _VOCABULARY["councils"]]
_NATIONS = {"scotland": "scotland", "wales": "wales", "northern-ireland": "northern-ireland"}
CAPABILITIES: list[Capability] = _VOCABULARY["capabilities"]
# What each silo calls the things it works on, its jargon, and its own tags.
SILO_WORDS: dict[str, dict[str, tuple[str, ...]]] = _VOCABULARY["silo_words"]
LONG_TAIL_TAGS: tuple[str, ...] = tuple(_VOCABULARY["long_tail_tags"])
CITIZEN_PHRASES: tuple[str, ...] = tuple(_VOCABULARY["citizen_phrases"])
LESSONS: tuple[str, ...] = tuple(_VOCABULARY["lessons"])
THINGS_TO_AVOID: tuple[str, ...] = tuple(_VOCABULARY["things_to_avoid"])
CONTACT_TEAMS: tuple[str, ...] = tuple(_VOCABULARY["contact_teams"])
PARTNERS: tuple[str, ...] = tuple(_VOCABULARY["partners"])
FUNDING_WEIGHTS: list[tuple[str, int]] = [
    (FundingSource(value), weight) for value, weight in _VOCABULARY["funding_weights"]
]
COST_BANDS: list[str] = _VOCABULARY["cost_bands"]
EFFORTS: list[str] = _VOCABULARY["efforts"]


def _copy(cursor, table: str, columns: list[str], rows: list[list]) -> None:
    """COPY rows into a table as CSV (arrays written as PostgreSQL array literals)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["\\N" if value is None else value for value in row])
    buffer.seek(0)
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
        buffer,
    )


def _copy_cell(value):
    """A Python value as COPY's CSV wants it: arrays in PostgreSQL's literal form, booleans as t/f."""
    if isinstance(value, list):
        return _pg_array(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    return value


def _pg_array(items: list[str]) -> str:
    return "{" + ",".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items) + "}"


class _Writer:
    """Makes up one case study at a time from the vocabulary, deterministically from a seed."""

    def __init__(self, rng: random.Random, *, councils, silos, groups, frameworks_by_silo):
        self.rng = rng
        self.councils = councils
        self.silos = [s for s in silos if s.slug in SILO_WORDS] or silos
        self.groups = groups
        self.frameworks_by_silo = frameworks_by_silo
        # Silos are not equally busy: a few write most of the case studies.
        self.silo_weights = [1.0 / (rank + 1) ** 0.6 for rank in range(len(self.silos))]
        self.funding = [f for f, _ in FUNDING_WEIGHTS]
        self.funding_weights = [w for _, w in FUNDING_WEIGHTS]
        self.long_tail_weights = [1.0 / (rank + 1) ** 1.2 for rank in range(len(LONG_TAIL_TAGS))]
        self.capability_weights = [1.0 / (rank + 1) ** 0.5 for rank in range(len(CAPABILITIES))]

    def _fill(self, template: str, thing: str) -> str:
        r = self.rng
        return template.format(
            thing=thing,
            pct=r.randint(8, 74),
            num=r.randint(20, 900),
            small=r.randint(2, 9),
            money=r.randint(20, 900),
            money_small=f"{r.randint(4, 12)}.{r.randint(0, 9)}0",
        )

    def case_study(self, seq: int, now: datetime.datetime) -> dict:
        r = self.rng
        silo = r.choices(self.silos, self.silo_weights)[0]
        words = SILO_WORDS.get(silo.slug) or {"things": (silo.name.lower(),), "jargon": (), "tags": ()}
        capability = r.choices(CAPABILITIES, self.capability_weights)[0]
        thing = r.choice(words["things"])
        council = r.choice(self.councils)
        place = council.name.replace(" Council", "").replace("London Borough of ", "")
        title_forms = (
            f"{capability.title} for {thing}",
            f"{capability.title} for {thing} in {place}",
            f"{thing[0].upper()}{thing[1:]}: {capability.title.lower()}",
        )
        title = r.choice(title_forms)[:200]
        jargon = r.choice(words["jargon"]) if words["jargon"] else thing
        summary = " ".join(
            [
                self._fill(r.choice(capability.approaches), thing),
                f"The work was led by the {silo.name.lower()} team and focused on {r.choice(CITIZEN_PHRASES)}.",
            ]
        )
        problem = " ".join(
            self._fill(t, thing) for t in r.sample(capability.problems, k=min(2, len(capability.problems)))
        )
        problem += f" The {jargon} workload had grown every year."
        approach = "\n\n".join(
            [
                " ".join(
                    self._fill(t, thing) for t in r.sample(capability.approaches, k=min(2, len(capability.approaches)))
                ),
                f"We worked with {r.choice(PARTNERS) or 'colleagues across the council'} and kept {jargon} at the centre "
                f"of the design, testing each change with {r.choice(CITIZEN_PHRASES)}.",
            ]
        )
        outcomes = " ".join(self._fill(t, thing) for t in capability.outcomes)
        tags = set(r.sample(capability.tags, k=r.randint(1, 3)))
        if words["tags"]:
            tags.update(r.sample(words["tags"], k=r.randint(1, 2)))
        for _ in range(r.choices((0, 1, 2), (50, 35, 15))[0]):
            tags.add(r.choices(LONG_TAIL_TAGS, self.long_tail_weights)[0])
        start_year = r.randint(2000, 2025)
        published = now - datetime.timedelta(days=r.randint(0, 365 * 12), minutes=seq % 1440)
        end_year = r.choice((None, None, min(2026, start_year + r.randint(1, 6))))
        frameworks = self.frameworks_by_silo.get(silo.pk) or []
        return {
            "title": title,
            "slug": f"{BENCH_PREFIX}{seq}-{slugify(title)[:60].strip('-')}",
            "lead_council_id": council.pk,
            "partner_agencies": r.choice(PARTNERS),
            "primary_silo_id": silo.pk,
            "summary": summary,
            "problem": problem,
            "approach": approach,
            "outcomes": outcomes,
            "cost_band": r.choice(COST_BANDS),
            "funding_source": r.choices(self.funding, self.funding_weights)[0],
            "start_year": start_year,
            "end_year": end_year,
            "lessons": r.sample(LESSONS, k=r.randint(1, 3)),
            "things_to_avoid": r.sample(THINGS_TO_AVOID, k=r.randint(1, 2)),
            "contact_name": r.choice(CONTACT_TEAMS),
            "hosts_visits": r.random() < 0.3,
            "published_at": published,
            "tags": sorted(tags),
            "citizen_group_ids": [g.pk for g in r.sample(self.groups, k=min(len(self.groups), r.randint(0, 2)))],
            "other_silo_ids": [s.pk for s in r.sample(self.silos, k=r.choice((0, 0, 1)))] if self.silos else [],
            "framework_id": r.choice(frameworks).pk if frameworks and r.random() < 0.3 else None,
            "adoption": r.random() < 0.05,
        }


def _ensure_base_content() -> None:
    if not ServiceSilo.objects.exists():
        from practices.services.demo import demo_seed

        demo_seed()
    existing = set(Council.objects.values_list("name", flat=True))
    new = []
    for name, kind, region in EXTRA_COUNCILS:
        if name in existing:
            continue
        slug = BENCH_PREFIX + slugify(name)
        new.append(
            Council(
                name=name,
                slug=slug,
                kind=kind,
                region=region,
                nation=_NATIONS.get(region, "england"),
                website=f"https://www.{slugify(name)}.example/",
            )
        )
    Council.objects.bulk_create(new, ignore_conflicts=True)


def _ensure_frameworks(count: int, rng: random.Random) -> dict[int, list[Framework]]:
    """Bench frameworks (one per capability and silo pair, up to count), plus the existing published ones."""
    silos = list(ServiceSilo.objects.filter(slug__in=SILO_WORDS))
    have = {f.slug for f in Framework.objects.filter(slug__startswith=BENCH_PREFIX)}
    pairs = [(c, s) for c in CAPABILITIES for s in silos]
    rng.shuffle(pairs)
    for capability, silo in pairs[:count]:
        slug = f"{BENCH_PREFIX}{slugify(capability.title)}-{silo.slug}"
        if slug in have:
            continue
        things = SILO_WORDS[silo.slug]["things"]
        framework = Framework.objects.create(
            title=f"{capability.title} in {silo.name.lower()}",
            slug=slug,
            summary=f"{capability.approaches[0].format(thing=things[0])} The generic practice, as {silo.name.lower()} "
            f"teams apply it to {', '.join(things[:3])}.",
            reusable_core="\n".join(
                f"{i}. {a.format(thing=things[0])}" for i, a in enumerate(capability.approaches, 1)
            ),
            what_varies=f"- Which {things[1]} come first\n- Who is told and how",
            pitfalls="\n".join(f"- {t}" for t in THINGS_TO_AVOID[:3]),
            status=Framework.Status.PUBLISHED,
        )
        framework.silos.add(silo)
        framework.tags.add(*capability.tags[:3])
    by_silo: dict[int, list[Framework]] = {}
    for framework in Framework.objects.filter(status=Framework.Status.PUBLISHED).prefetch_related("silos"):
        for silo in framework.silos.all():
            by_silo.setdefault(silo.pk, []).append(framework)
    return by_silo


def _tag_ids(names: set[str]) -> dict[str, int]:
    existing = {t.name: t.pk for t in Tag.objects.filter(name__in=names)}
    taken_slugs = set(Tag.objects.values_list("slug", flat=True))
    missing = []
    for name in sorted(names - set(existing)):
        slug = slugify(name) or "tag"
        while slug in taken_slugs:
            slug += "-1"
        taken_slugs.add(slug)
        missing.append(Tag(name=name, slug=slug))
    Tag.objects.bulk_create(missing)
    return {t.name: t.pk for t in Tag.objects.filter(name__in=names)}


def _next_sequence() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(substring(slug FROM '^bench-([0-9]+)-')::bigint), 0) FROM practices_casestudy"
            " WHERE slug LIKE 'bench-%%'"
        )
        return cursor.fetchone()[0] + 1


@dataclass
class BenchDataResult:
    case_studies: int
    frameworks: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.case_studies} case studies and {self.frameworks} frameworks in {self.seconds:.1f} s"


def bench_data_generate(
    *, case_studies: int, seed: int = 1, progress: Callable[[str], None] | None = None
) -> BenchDataResult:
    """Add case_studies published benchmark case studies (and a few frameworks) to the database."""
    if case_studies < 0:
        raise BenchDataError("The number of case studies cannot be negative.")
    started = time.perf_counter()
    say = progress or (lambda message: None)
    rng = random.Random(seed * 1_000_003 + _next_sequence())
    _ensure_base_content()
    frameworks_before = Framework.objects.filter(slug__startswith=BENCH_PREFIX).count()
    frameworks_by_silo = _ensure_frameworks(max(10, min(200, case_studies // 1000)), rng)
    writer = _Writer(
        rng,
        councils=list(Council.objects.all()),
        silos=list(ServiceSilo.objects.all()),
        groups=list(CitizenGroup.objects.all()),
        frameworks_by_silo=frameworks_by_silo,
    )
    tag_ids = _tag_ids(
        {t for c in CAPABILITIES for t in c.tags}
        | {t for w in SILO_WORDS.values() for t in w["tags"]}
        | set(LONG_TAIL_TAGS)
    )
    content_type = ContentType.objects.get_for_model(CaseStudy).pk
    now = timezone.now()
    sequence = _next_sequence()
    large = case_studies >= max(SET_ASIDE_FROM, CaseStudy.objects.count())
    with _indexes_set_aside(SET_ASIDE_INDEXES if large else (), say):
        made = 0
        while made < case_studies:
            size = min(COPY_BATCH, case_studies - made)
            items = [writer.case_study(sequence + made + i, now) for i in range(size)]
            with transaction.atomic(), connection.cursor() as cursor:
                _copy_case_studies(cursor, items, now)
                cursor.execute(
                    "SELECT slug, id FROM practices_casestudy WHERE slug = ANY(%s)", [[item["slug"] for item in items]]
                )
                ids = dict(cursor.fetchall())
                _copy_relations(cursor, items, ids, tag_ids, content_type, writer, now)
                search_index_update(case_study_ids=ids.values())
            made += size
            say(f"{made} of {case_studies} case studies ({time.perf_counter() - started:.0f} s)")
    if case_studies:
        new_frameworks = Framework.objects.filter(slug__startswith=BENCH_PREFIX).values_list("pk", flat=True)
        search_index_update(framework_ids=new_frameworks)
        with connection.cursor() as cursor:
            for table in ("practices_casestudy", "practices_searchdocument", "taggit_taggeditem"):
                cursor.execute(f"ANALYZE {table}")
        discovery_stats_refresh()
    frameworks_made = Framework.objects.filter(slug__startswith=BENCH_PREFIX).count() - frameworks_before
    return BenchDataResult(case_studies, frameworks_made, time.perf_counter() - started)


@contextmanager
def _indexes_set_aside(names: tuple[str, ...], say: Callable[[str], None]) -> Iterator[None]:
    """Drop these indexes for the block and build them again after it, even when it fails."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ANY(%s)",
            [list(names)],
        )
        definitions = cursor.fetchall()
        for name, _ in definitions:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
            if definitions:
                # Inside an outer transaction (tests), deferred key checks must run before an index is built.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, definition in definitions:
                started = time.perf_counter()
                cursor.execute(definition)
                say(f"built {name} ({time.perf_counter() - started:.0f} s)")


def _copy_case_studies(cursor, items: list[dict], now: datetime.datetime) -> None:
    review_by = (now + datetime.timedelta(days=365)).date().isoformat()
    # The authored fields, in the model's one list, then what the workflow would have set.
    content = [f"{name}_id" if name == "primary_silo" else name for name in CASE_STUDY_CONTENT_FIELDS]
    columns = [*content, "slug", "lead_council_id", "status", "review_by", "published_at", "created_at"]
    columns += ["updated_at", "version"]
    rows = [
        [_copy_cell(item.get(name, "")) for name in content]
        + [
            item["slug"],
            item["lead_council_id"],
            CaseStudy.Status.PUBLISHED,
            review_by,
            item["published_at"].isoformat(),
            item["published_at"].isoformat(),
            now.isoformat(),
            1,
        ]
        for item in items
    ]
    _copy(cursor, "practices_casestudy", columns, rows)


def _copy_relations(cursor, items, ids, tag_ids, content_type, writer: _Writer, now) -> None:
    r = writer.rng
    tagged, groups, other_silos, links, adoptions = [], [], [], [], []
    for item in items:
        pk = ids[item["slug"]]
        tagged.extend([tag_ids[name], pk, content_type] for name in item["tags"])
        groups.extend([pk, group] for group in item["citizen_group_ids"])
        other_silos.extend([pk, silo] for silo in item["other_silo_ids"] if silo != item["primary_silo_id"])
        if item["framework_id"]:
            group = r.choice(item["citizen_group_ids"]) if item["citizen_group_ids"] else None
            links.append(
                [
                    pk,
                    item["framework_id"],
                    "Adapted the generic steps to local systems.",
                    group,
                    r.choice(EFFORTS),
                    now.isoformat(),
                ]
            )
        if item["adoption"]:
            council = r.choice(writer.councils)
            if council.pk != item["lead_council_id"]:
                adoptions.append(
                    [
                        council.pk,
                        pk,
                        item["primary_silo_id"],
                        "live",
                        "Reused with local changes.",
                        "",
                        "",
                        now.isoformat(),
                        now.isoformat(),
                    ]
                )
    _copy(cursor, "taggit_taggeditem", ["tag_id", "object_id", "content_type_id"], tagged)
    _copy(cursor, "practices_casestudy_citizen_groups", ["casestudy_id", "citizengroup_id"], groups)
    _copy(cursor, "practices_casestudy_other_silos", ["casestudy_id", "servicesilo_id"], other_silos)
    _copy(
        cursor,
        "practices_frameworklink",
        ["case_study_id", "framework_id", "customisation", "citizen_group_id", "effort", "created_at"],
        links,
    )
    _copy(
        cursor,
        "practices_adoption",
        [
            "council_id",
            "case_study_id",
            "silo_id",
            "status",
            "what_changed",
            "effort",
            "outcome",
            "created_at",
            "updated_at",
        ],
        adoptions,
    )


def _delete_referencing(cursor, model, ids: list[int]) -> None:
    """Clear what points at these rows as the foreign keys say: SET_NULL empties, anything else deletes.

    Done in SQL rather than through the ORM, whose cascade would write a history
    row for each of possibly 100,000 deletions.
    """
    for other in apps.get_models(include_auto_created=True):
        for fk in other._meta.concrete_fields:
            if not fk.is_relation or fk.related_model is not model or other is model:
                continue
            table, column = other._meta.db_table, fk.column
            if fk.remote_field.on_delete is models.SET_NULL:
                cursor.execute(f'UPDATE "{table}" SET "{column}" = NULL WHERE "{column}" = ANY(%s)', [ids])
            else:
                cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" = ANY(%s)', [ids])


@transaction.atomic
def bench_data_clear() -> int:
    """Remove every benchmark row (slugs starting 'bench-'); returns how many case studies went."""
    case_study_ct = ContentType.objects.get_for_model(CaseStudy).pk
    framework_ct = ContentType.objects.get_for_model(Framework).pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM practices_casestudy WHERE slug LIKE 'bench-%%'")
        case_study_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM practices_framework WHERE slug LIKE 'bench-%%'")
        framework_ids = [row[0] for row in cursor.fetchall()]
        for ct, ids in ((case_study_ct, case_study_ids), (framework_ct, framework_ids)):
            cursor.execute(
                "DELETE FROM taggit_taggeditem WHERE content_type_id = %s AND object_id = ANY(%s)", [ct, ids]
            )
        # Frameworks first: bench links and adoptions point at both.
        for model, ids in ((Framework, framework_ids), (CaseStudy, case_study_ids)):
            _delete_referencing(cursor, model, ids)
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = ANY(%s)", [ids])
    Council.objects.filter(slug__startswith=BENCH_PREFIX, case_studies__isnull=True).exclude(
        members__isnull=False
    ).delete()
    bench_tags = {t for c in CAPABILITIES for t in c.tags} | {t for w in SILO_WORDS.values() for t in w["tags"]}
    Tag.objects.filter(name__in=bench_tags | set(LONG_TAIL_TAGS), taggit_taggeditem_items__isnull=True).filter(
        followers__isnull=True
    ).delete()
    # The vocabulary cannot tell bench words from others: rebuild it from what remains.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM practices_searchterm")
    search_index_rebuild()
    discovery_stats_refresh()
    return len(case_study_ids)
