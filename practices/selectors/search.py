"""Search over published case studies and frameworks: PostgreSQL full text, facets and typo help.

One page of results is one SQL statement over ``practices_searchdocument`` (see
practices.services.search_index), which returns the total, the facet counts and
the page's rows with highlighted snippets. Its cost does not grow with the
number of matches: it ranks, counts and samples facets over at most
``CANDIDATES`` matches read in table order, and when there are more it
estimates the total from how far into the table those reached ("about
210,000 results"; docs/decisions/0010-bounded-search-candidates.md). Lists
and newest-first searches read the newest-first index and stop after their
page. A few more statements run only when they are needed: resolving the facet values in the URL, and, when a search
finds little, "did you mean" from the trigram vocabulary and a retry with the
correction or with any of the words. The number of statements never depends on
the amount of data.

The query syntax is the web's: words are all required, ``"a phrase"`` must appear
as written, ``-word`` leaves out, ``or`` offers alternatives. Words are stemmed
in English and accents folded (the ``english_unaccent`` configuration), and a
short list of council synonyms widens single words (docs/search.md).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from councils.models import CouncilKind, Region
from practices.models import FundingSource, SearchDocument
from practices.semantic import model as semantic_model
from practices.semantic import storage as semantic_storage

CONFIG = "english_unaccent"
PAGE_SIZE = 20
# Offsets beyond this are refused with a message: nobody reads result 10,001,
# and sorting that deep is the slow part of deep pages.
MAX_RESULTS_SHOWN = 10_000
MAX_TERMS = 32
# Facet counts are exact up to this many matches; beyond it they are estimated
# from an evenly spread sample of this size and shown as "about".
FACET_EXACT_LIMIT = 1_500
# "Did you mean" is offered when a search finds fewer than this many results.
FEW_RESULTS = 3
# A correction is applied for the user (not just offered) only when the search
# as typed matches no word and the two are at least this close in meaning.
# Typos embed poorly (measured: "bulkee colection" is 0.39 from "bulky
# collections", "tenent" 0.31 from "tenant", "Passivhaus" 0.53 from "pass"), so
# meaning alone cannot tell a typo from a different word: each corrected word
# must also be within two edits of what was typed, and meaning only rules out
# corrections into something unrelated.
CORRECTION_MIN_SIMILARITY = 0.3
CORRECTION_MAX_EDITS = 2
WORK_MEM = "32MB"
# A search ranks and counts at most this many matches (the first in table
# order, an even spread because documents are stored as they are published,
# whatever their topic). Beyond it the total is an estimate, facet counts are
# scaled, and relevance pages stop at this many results. Measured at 100,000
# documents: ranking and counting 2,000 candidates costs about 25-35 ms on
# this machine, against 150 ms for every match of a word in a fifth of them.
CANDIDATES = 2_000
# Newest first above CANDIDATES walks the newest-first index only when at least
# this many candidates pass the filters (5%: a page within about 400 rows per
# 20 results, whatever the size of the table).
WALK_MIN_PASSING = 100

# Private-use characters mark highlights inside ts_headline's output, so the
# text can be HTML-escaped before the marks become <mark> elements.
_MARK_START, _MARK_END = "\ue000", "\ue001"
_HEADLINE_OPTIONS = (
    f'StartSel={_MARK_START}, StopSel={_MARK_END}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'
)

# Council words that mean the same thing, applied to single words at query
# time (never to quoted phrases or to excluded words). Kept short and curated:
# each entry is a word officers type and the words write-ups use instead.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # The English stemmer leaves "buses" as "buse", apart from "bus".
    "bus": ("buses",),
    "buses": ("bus",),
    "bin": ("refuse", "waste", "rubbish"),
    "bins": ("refuse", "waste", "rubbish"),
    "rubbish": ("refuse", "waste"),
    "lorry": ("vehicle", "truck", "fleet"),
    "lorries": ("vehicles", "trucks", "fleet"),
    "truck": ("vehicle", "lorry"),
    "trucks": ("vehicles", "lorries"),
    "van": ("vehicle",),
    "vans": ("vehicles",),
    "tracker": ("tracking", "gps"),
    "trackers": ("tracking", "gps"),
    "satnav": ("gps",),
    "scanning": ("imaging", "scanned"),
    "scan": ("imaging", "scanned"),
    "scanned": ("imaging",),
    "forms": ("documents", "post", "paper"),
    "paperwork": ("documents", "paper"),
    "mash": ("multi-agency safeguarding hub",),
    "asb": ("anti-social behaviour",),
    "crm": ("customer relationship management",),
    "edrms": ("electronic document and records management", "document imaging"),
    "hmo": ("houses in multiple occupation", "multiple occupation"),
    "hmos": ("houses in multiple occupation", "multiple occupation"),
    "ehcp": ("education health and care plan",),
    "rtpi": ("real-time passenger information", "real-time information"),
    "elderly": ("older people",),
    "pensioners": ("older people",),
    "kids": ("children",),
    "app": ("smartphone", "mobile"),
    "appointment": ("booking",),
    "appointments": ("bookings",),
    "booking": ("appointment",),
    "bookings": ("appointments",),
    "phone": ("telephone", "call"),
    "calls": ("contacts", "phone"),
    "pothole": ("highway fault", "road defect"),
    "potholes": ("highway faults", "road defects"),
    "gritter": ("gritting", "winter maintenance"),
    "gritters": ("gritting", "winter maintenance"),
    "chatbot": ("web chat",),
    "sms": ("text message",),
    "texts": ("text messages",),
    "tablet": ("mobile working",),
    "tablets": ("mobile working",),
}

OR = object()  # the "or" between two alternatives
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_MARKDOWN_RE = re.compile(r"(\*\*|__|^#+\s*|`)", re.MULTILINE)


# --- Query parsing --------------------------------------------------------


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    negated: bool = False


@dataclass
class ParsedQuery:
    """A search as typed, split into groups of alternatives (each group is required)."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def positive_terms(self) -> list[Term]:
        return [term for group in self.groups for term in group]

    @property
    def words(self) -> list[str]:
        """Lower-case words of the positive terms, in order, for "did you mean"."""
        return [word.lower() for term in self.positive_terms for word in _WORD_RE.findall(term.text)]

    def __bool__(self) -> bool:
        return bool(self.groups)


def parse_query(text: str) -> ParsedQuery:
    """Split a web-style search into terms; never fails, but says what it ignored."""
    parsed = ParsedQuery()
    if text.count('"') % 2:
        parsed.notices.append("The quotation marks in your search were not in pairs, so the last one was ignored.")
        last = text.rfind('"')
        text = text[:last] + " " + text[last + 1 :]
    tokens: list[Term | object] = []
    for match in re.finditer(r'(-?)"([^"]*)"|(\S+)', text):
        if match.group(3) is not None:
            raw = match.group(3)
            if raw.lower() == "or":
                tokens.append(OR)
                continue
            negated = raw.startswith("-") and len(raw) > 1
            word = raw[1:] if negated else raw
            if _WORD_RE.search(word):
                tokens.append(Term(word, phrase=False, negated=negated))
        else:
            phrase = " ".join(match.group(2).split())
            if _WORD_RE.search(phrase):
                tokens.append(Term(phrase, phrase=True, negated=bool(match.group(1))))
    count = 0
    join_next = False
    for item in tokens:
        if item is OR:
            join_next = bool(parsed.groups)
            continue
        if count >= MAX_TERMS:
            parsed.notices.append(f"Only the first {MAX_TERMS} words of your search were used.")
            break
        count += 1
        if item.negated:
            parsed.excluded.append(item)
        elif join_next:
            parsed.groups[-1].append(item)
        else:
            parsed.groups.append([item])
        join_next = False
    if parsed.excluded and not parsed.groups:
        parsed.notices.append("Add a word to search for as well as the words to leave out.")
    return parsed


def _term_sql(term: Term, params: list[Any], *, synonyms: bool = True) -> str:
    if term.phrase:
        params.append(term.text)
        return f"phraseto_tsquery('{CONFIG}', %s)"
    params.append(term.text)
    parts = [f"plainto_tsquery('{CONFIG}', %s)"]
    key = term.text.lower().strip(".,;:!?'")
    if synonyms and not term.negated:
        for alternative in SYNONYMS.get(key, ()):
            params.append(alternative)
            parts.append(f"phraseto_tsquery('{CONFIG}', %s)")
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def _is_phrase_group(group: list[Term]) -> bool:
    return all(term.phrase for term in group)


# A search is widened when fewer results than this have every word.
WIDEN_BELOW = PAGE_SIZE
# Up to this many plain words, a widened search needs at least half of them
# (written out as the combinations: at most 20 of 3); beyond it, any one of them.
WIDEN_COMBINATIONS_UP_TO = 6


def widened_tsquery_sql(parsed: ParsedQuery) -> tuple[str, list[Any]]:
    """Quoted phrases and exclusions still required; half of the plain words enough.

    Used when few results have every word: a write-up that says one thing in
    other words (a different verb) then still matches, and ranks below those
    that have them all.
    """
    plain = [group for group in parsed.groups if not _is_phrase_group(group)]
    if len(plain) < 2:
        return tsquery_sql(parsed)
    params: list[Any] = []
    phrases = [group for group in parsed.groups if _is_phrase_group(group)]
    parts = []
    for group in phrases:
        terms = [_term_sql(term, params) for term in group]
        parts.append(terms[0] if len(terms) == 1 else "(" + " || ".join(terms) + ")")

    def group_sql(group: list[Term]) -> str:
        terms = [_term_sql(term, params) for term in group]
        return terms[0] if len(terms) == 1 else "(" + " || ".join(terms) + ")"

    if len(plain) <= WIDEN_COMBINATIONS_UP_TO:
        needed = math.ceil(len(plain) / 2)
        options = []
        for chosen in itertools.combinations(plain, needed):
            options.append("(" + " && ".join(group_sql(g) for g in chosen) + ")")
        parts.append("(" + " || ".join(options) + ")")
    else:
        parts.append("(" + " || ".join(group_sql(g) for g in plain) + ")")
    joined = " && ".join(parts)
    for term in parsed.excluded:
        joined += f" && !!{_term_sql(term, params, synonyms=False)}"
    return joined, params


def required_tsquery_sql(parsed: ParsedQuery) -> tuple[str, list[Any]] | None:
    """What a result found by meaning alone must still satisfy: quoted phrases and -words, or None."""
    phrases = [group for group in parsed.groups if _is_phrase_group(group)]
    if not phrases and not parsed.excluded:
        return None
    if phrases:
        return tsquery_sql(ParsedQuery(groups=phrases, excluded=parsed.excluded))
    params: list[Any] = []
    # Nothing positive is required: a tsquery of only negations matches what lacks them.
    joined = " && ".join(f"!!{_term_sql(term, params, synonyms=False)}" for term in parsed.excluded)
    return joined, params


def tsquery_sql(parsed: ParsedQuery, *, any_word: bool = False) -> tuple[str, list[Any]]:
    """SQL for the tsquery of a parsed search: all groups required, or (any_word) any of them."""
    params: list[Any] = []
    groups = []
    for group in parsed.groups:
        parts = [_term_sql(term, params) for term in group]
        groups.append(parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")")
    joined = (" || " if any_word else " && ").join(groups)
    if any_word and len(groups) > 1:
        joined = f"({joined})"
    for term in parsed.excluded:
        joined += f" && !!{_term_sql(term, params, synonyms=False)}"
    return joined, params


# --- Facets --------------------------------------------------------------


@dataclass(frozen=True)
class FacetSpec:
    key: str  # the URL parameter
    label: str
    column: str
    array: bool = False
    table: str = ""  # where labels and slugs of id-valued facets live
    label_column: str = "name"
    choices: tuple[tuple[str, str], ...] = ()
    shown: int = 0  # values listed before "and N more"; 0 lists all


FACETS: tuple[FacetSpec, ...] = (
    FacetSpec("type", "Type", "kind", choices=tuple(SearchDocument.Kind.choices)),
    FacetSpec("silo", "Service silo", "silo_ids", array=True, table="councils_servicesilo"),
    FacetSpec("kind", "Council kind", "council_kind", choices=tuple(CouncilKind.choices)),
    FacetSpec("region", "Region", "region", choices=tuple(Region.choices)),
    FacetSpec("tag", "Tag", "tag_ids", array=True, table="taggit_tag", shown=15),
    FacetSpec(
        "framework",
        "Framework",
        "framework_ids",
        array=True,
        table="practices_framework",
        label_column="title",
        shown=10,
    ),
    FacetSpec("group", "Citizen group", "citizen_group_ids", array=True, table="practices_citizengroup"),
    FacetSpec("funding", "Funding", "funding_source", choices=tuple(FundingSource.choices)),
    FacetSpec("year", "Year started", "year"),
)
FACETS_BY_KEY = {facet.key: facet for facet in FACETS}
ID_FACETS = [facet for facet in FACETS if facet.table]


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    key: str
    label: str
    values: list[FacetValue]
    approximate: bool = False

    @property
    def selected_count(self) -> int:
        return sum(1 for value in self.values if value.selected)


@dataclass
class SelectedFilter:
    key: str
    facet_label: str
    value: str
    label: str
    remove_url: str = ""


# --- Requests and results ------------------------------------------------


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    facet_keys: tuple[str, ...] = tuple(f.key for f in FACETS)
    # Facets applied whatever the URL says (the case study list is case studies only).
    fixed: dict[str, list[str]] = field(default_factory=dict)
    autocorrect: bool = True  # show results for "did you mean" when the search finds nothing


@dataclass
class Result:
    kind: str
    title: str
    url: str
    snippet: SafeString
    council: str = ""
    silo: str = ""
    start_year: int | None = None
    published_at: str = ""
    tags: list[dict] = field(default_factory=list)
    # "all" (every word), "some" (some of the words) or "meaning" (no word, but close in meaning)
    match: str = "all"

    @property
    def related_in_meaning(self) -> bool:
        return self.match == "meaning"

    @property
    def kind_label(self) -> str:
        return SearchDocument.Kind(self.kind).label


@dataclass
class SearchResults:
    request: SearchRequest
    results: list[Result] = field(default_factory=list)
    total: int = 0
    facets: list[Facet] = field(default_factory=list)
    selected: list[SelectedFilter] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    suggestion: str = ""  # "did you mean"
    corrected_from: str = ""  # set when results are shown for the suggestion instead
    relaxed: bool = False  # no result had every word; these have some
    widened: bool = False  # fewer than a page had every word: near matches and related ones follow
    exact_total: int = 0  # how many of total have every word
    total_estimated: bool = False  # more matches than CANDIDATES: total is "about", rounded
    shown_limit: int = MAX_RESULTS_SHOWN  # results that can be paged to
    similar_tags: list[dict] = field(default_factory=list)
    searched: bool = False  # False when there was nothing to search for

    @property
    def page(self) -> int:
        return self.request.page

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(min(self.total, self.shown_limit) / PAGE_SIZE))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.results else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.results)


# --- SQL -----------------------------------------------------------------


def _filter_sql(facet: FacetSpec, values: list, params: dict, name: str) -> str:
    params[name] = values
    if facet.array:
        return f"d.{facet.column} && %({name})s::bigint[]"
    if facet.key == "year":
        return f"d.{facet.column} = ANY(%({name})s::int[])"
    return f"d.{facet.column} = ANY(%({name})s::text[])"


def _snippet_html(text: str | None) -> SafeString:
    text = _MARKDOWN_RE.sub("", text or "").strip()
    html = escape(text).replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our own marks are HTML


_SEARCH_SQL = """
WITH query AS MATERIALIZED (SELECT {tsquery} AS q, {required} AS qreq),
-- The documents nearest the search in meaning (none without pgvector): they
-- lift the word matches they share in the ranking, and when a search is
-- widened they are results of their own, "related in meaning".
near AS MATERIALIZED ({near}),
-- Every match, read only as far as a page needs it (lists and newest first
-- walk the searchdocument_newest index and stop).
matches AS NOT MATERIALIZED ({matches_select}),
-- The candidates: at most CANDIDATES matches in table order, with the heap
-- block each was read from, so the share of the table they cover is known.
hits AS MATERIALIZED (
    ({candidates_select} LIMIT %(candidates)s)
    {meaning_only}
),
scan AS MATERIALIZED (
    SELECT count(*) AS rows, count(*) FILTER (WHERE worded) AS words, max(block) FILTER (WHERE worded) AS last_block
      FROM hits
),
-- Below CANDIDATES every match was read and counts are exact; above it they
-- are scaled by how much of the table the candidates covered.
factor AS MATERIALIZED (
    SELECT CASE WHEN scan.words < %(candidates)s THEN 1.0::float8
                ELSE greatest(1.0, (pg_relation_size('practices_searchdocument') / current_setting('block_size')::int)
                                   ::float8 / (scan.last_block + 1)) END AS scale,
           scan.words >= %(candidates)s AS capped
      FROM scan
),
size AS MATERIALIZED (
    SELECT round(x.n * factor.scale)::bigint AS n, round(x.passed * factor.scale)::bigint AS passed,
           round(x.exact * factor.scale)::bigint AS exact, round(x.worded * factor.scale)::bigint AS worded,
           factor.capped, x.passed >= %(dense)s AS dense, x.passed AS candidates_passed
      FROM factor, (SELECT count(*) AS n, {passed} AS passed, {exact} AS exact, {worded} AS worded FROM hits) AS x
),
-- When few candidates pass the chosen filters (a common word narrowed by a
-- rare filter), the results would be those few: instead the matches that pass
-- every filter are read on their own, up to CANDIDATES, which is exact below
-- it. Skipped (a one-time filter) in every other case.
passing AS MATERIALIZED (
    SELECT * FROM ({candidates_select}) AS m
     WHERE m.failed = 0 AND %(ranked)s AND (SELECT capped AND NOT dense FROM size)
     LIMIT %(candidates)s
),
passing_size AS MATERIALIZED (
    SELECT count(*) AS n, max(block) AS last_block, %(ranked)s AND (SELECT capped AND NOT dense FROM size) AS used
      FROM passing
),
-- What the results are ranked from.
ranked_from AS (
    SELECT * FROM hits WHERE NOT (SELECT used FROM passing_size)
    UNION ALL
    SELECT * FROM passing
),
sample AS MATERIALIZED (
    -- every candidate when there are few; otherwise an even spread of about FACET_EXACT_LIMIT
    SELECT h.* FROM hits h, scan
     WHERE scan.rows <= %(exact)s OR (h.id * 7919) %% scan.rows < %(exact)s
),
counts AS ({counts}),
ranked AS (
    SELECT c.*, row_number() OVER (PARTITION BY c.facet ORDER BY c.n DESC, c.value) AS position FROM counts c
),
facets AS (
    SELECT r.facet, r.value, r.n,
           coalesce(s.name, t.name, f.title, g.name) AS label,
           coalesce(s.slug, t.slug, f.slug, g.slug) AS slug
      FROM ranked r
      LEFT JOIN councils_servicesilo s ON r.facet = 'silo' AND s.id::text = r.value
      LEFT JOIN taggit_tag t ON r.facet = 'tag' AND t.id::text = r.value
      LEFT JOIN practices_framework f ON r.facet = 'framework' AND f.id::text = r.value AND f.status = 'published'
      LEFT JOIN practices_citizengroup g ON r.facet = 'group' AND g.id::text = r.value
     WHERE r.position <= %(facet_rows)s OR r.value = ANY(%(selected_values)s::text[])
),
{page}
results AS (
    SELECT p.id, p.rank, p.fused, p.full_match, p.worded, p.kind,
           coalesce(cs.title, fw.title) AS title, coalesce(cs.slug, fw.slug) AS slug,
           c.name AS council, s.name AS silo, cs.start_year, p.published_at,
           {headline} AS snippet,
           (SELECT json_agg(json_build_object('name', t.name, 'slug', t.slug) ORDER BY t.name)
              FROM taggit_tag t WHERE t.id = ANY(p.tag_ids)) AS tags
      FROM page p CROSS JOIN query
      LEFT JOIN practices_casestudy cs ON cs.id = p.case_study_id AND cs.status = 'published'
      LEFT JOIN practices_framework fw ON fw.id = p.framework_id AND fw.status = 'published'
      LEFT JOIN councils_council c ON c.id = cs.lead_council_id
      LEFT JOIN councils_servicesilo s ON s.id = cs.primary_silo_id
     WHERE cs.id IS NOT NULL OR fw.id IS NOT NULL
)
SELECT (SELECT CASE WHEN NOT ps.used THEN size.passed
                    WHEN ps.n < %(candidates)s THEN ps.n
                    ELSE round(ps.n * greatest(1.0, (pg_relation_size('practices_searchdocument')
                                                     / current_setting('block_size')::int)::float8 / (ps.last_block + 1)))
               END::bigint FROM size, passing_size ps) AS total,
       (SELECT n FROM size) AS hits,
       (SELECT count(*) FROM sample) AS sampled,
       (SELECT json_agg(facets) FROM facets) AS facets,
       (SELECT json_agg(h ORDER BY {order}) FROM results AS h) AS results,
       (SELECT exact FROM size) AS exact,
       (SELECT worded FROM size) AS worded,
       (SELECT size.capped AND NOT (ps.used AND ps.n < %(candidates)s) FROM size, passing_size ps) AS capped,
       (SELECT CASE WHEN ps.used THEN ps.n ELSE size.candidates_passed END FROM size, passing_size ps)
           AS candidates_passed
"""

# A list without search words, or a search newest first, reads the newest-first
# index over every match and stops after a page.
_PAGE_LIST_SQL = """
page AS (
    SELECT h.id, h.kind, h.case_study_id, h.framework_id, h.published_at, h.tag_ids, h.rank,
           0::float8 AS fused, h.full_match, h.worded
      FROM {source} h WHERE h.failed = 0
     ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s
),"""

# Reciprocal rank fusion of two lists: the word matches by text rank (every
# word first) and the documents nearest in meaning. Only the top of each list
# is scored; below it, the text rank keeps the order.
# A search newest first: below CANDIDATES every match is a candidate, so the
# page is sorted from them. Above it, when enough candidates pass the filters,
# matches are dense enough that walking the newest-first index and testing each
# row fills a page within a few thousand rows; the walk's match test is written
# so that it cannot use the GIN index (with it, the planner would fetch and
# sort every match). When few pass (a common word narrowed by rare filters),
# walking could read the whole table, so every match is fetched and sorted.
_PAGE_NEWEST_SQL = """
walk AS NOT MATERIALIZED ({walk_select}),
page AS (
    (SELECT h.id, h.kind, h.case_study_id, h.framework_id, h.published_at, h.tag_ids, h.rank,
            0::float8 AS fused, h.full_match, h.worded
       FROM hits h WHERE h.failed = 0 AND NOT (SELECT capped FROM factor)
      ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s)
    UNION ALL
    (SELECT h.id, h.kind, h.case_study_id, h.framework_id, h.published_at, h.tag_ids, h.rank,
            0::float8 AS fused, h.full_match, h.worded
       FROM walk h WHERE h.failed = 0 AND (SELECT capped AND dense FROM size)
      ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s)
    UNION ALL
    (SELECT h.id, h.kind, h.case_study_id, h.framework_id, h.published_at, h.tag_ids, h.rank,
            0::float8 AS fused, h.full_match, h.worded
       FROM matches h WHERE h.failed = 0 AND (SELECT capped AND NOT dense FROM size)
      ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s)
),"""

_PAGE_SEARCH_SQL = """
page AS (
    SELECT * FROM (
        SELECT h.id, h.kind, h.case_study_id, h.framework_id, h.published_at, h.tag_ids, h.rank,
               h.full_match, h.worded,
               (CASE WHEN h.full_match THEN 1 ELSE 0 END)
               + CASE WHEN h.worded AND h.text_pos <= %(fusion_depth)s THEN 1.0 / (%(rrf_k)s + h.text_pos) ELSE 0 END
               + coalesce(1.0 / (%(rrf_k)s + h.vec_pos), 0) AS fused
          -- The text position is a window over the candidates rather than a
          -- join to the top of the list: the planner cannot know how many
          -- candidates pass, and a nested loop over them costs quadratic time.
          FROM (SELECT h.*, row_number() OVER (PARTITION BY h.worded ORDER BY h.full_match DESC, h.rank DESC, h.id DESC)
                       AS text_pos
                  FROM ranked_from h WHERE h.failed = 0) AS h) AS h
     ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s
),"""

_NEAR_SQL = """
    SELECT n.document_id, n.sim, row_number() OVER (ORDER BY n.sim DESC, n.document_id) AS pos
      FROM (SELECT e.document_id, -(e.embedding <#> %(qvec)s::vector) AS sim
              FROM practices_searchembedding e
             ORDER BY e.embedding <#> %(qvec)s::vector LIMIT %(near)s) AS n"""
_NO_NEAR_SQL = "SELECT NULL::bigint AS document_id, NULL::float8 AS sim, NULL::bigint AS pos WHERE false"

_MEANING_ONLY_SQL = """
    UNION ALL
    SELECT NULL::bigint AS block, d.id, d.kind, d.case_study_id, d.framework_id, d.published_at,
           d.silo_ids, d.council_kind, d.region, d.funding_source, d.year,
           d.tag_ids, d.framework_ids, d.citizen_group_ids,
           0::real AS rank, {flags} AS failed, false AS full_match, false AS worded, near.sim, near.pos AS vec_pos
      FROM near JOIN practices_searchdocument d ON d.id = near.document_id CROSS JOIN query
     WHERE near.sim >= %(min_sim)s AND NOT (d.vector @@ query.q)
       AND (query.qreq IS NULL OR d.vector @@ query.qreq) AND {prefilter}"""

# One match's row; {block} is empty, or the heap block for candidates. The
# columns are the covering index's, so a list reads the index alone.
_MATCH_SELECT = """
    SELECT {{block}}d.id, d.kind, d.case_study_id, d.framework_id, d.published_at,
           d.silo_ids, d.council_kind, d.region, d.funding_source, d.year,
           d.tag_ids, d.framework_ids, d.citizen_group_ids,
           {rank} AS rank, {flags} AS failed, {full} AS full_match, true AS worded, {near_columns}
      FROM practices_searchdocument d CROSS JOIN query {near_join}
     WHERE {match} AND {prefilter}"""

# How many documents nearest in meaning are fetched for a search, how close a
# document must be to be shown for its meaning alone, and the fusion constants.
NEAR_LIMIT = 60
MEANING_MIN_SIMILARITY = 0.30
FUSION_DEPTH = 200
RRF_K = 60


@dataclass
class Plan:
    """How one statement searches: which tsquery finds word matches, and what meaning adds."""

    match: tuple[str, list] | None
    all_words: tuple[str, list] | None = None  # set when match is wider than "every word"
    required: tuple[str, list] | None = None  # what meaning-only results must still satisfy
    vector: str | None = None  # the search's embedding, as pgvector text
    meaning_results: bool = False  # add the nearest documents as results of their own


def _named(expr: str, values: list, prefix: str, params: dict) -> str:
    """Turn the %s placeholders of a tsquery expression into named ones."""
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
    counter = iter(range(len(values)))
    return re.sub(r"%s", lambda _: f"%({prefix}{next(counter)})s", expr)


def _count_sql(facet: FacetSpec, passes: str) -> str:
    if facet.array:
        # unnest() in the select list (ProjectSet) costs far less per row than a lateral function scan.
        return (
            f"SELECT '{facet.key}' AS facet, v::text AS value, count(*) AS n "
            f"FROM (SELECT unnest(sample.{facet.column}) AS v FROM sample WHERE {passes}) AS x GROUP BY v"
        )
    return (
        f"SELECT '{facet.key}' AS facet, sample.{facet.column}::text AS value, count(*) AS n FROM sample "
        f"WHERE {passes} AND sample.{facet.column} IS NOT NULL AND sample.{facet.column}::text <> '' "
        f"GROUP BY sample.{facet.column}"
    )


def _run_search(
    plan: Plan,
    request: SearchRequest,
    filters: dict[str, list],
    selected_values: list[str],
) -> dict:
    params: dict[str, Any] = {}
    tsquery = plan.match
    required_expr = "NULL::tsquery"
    if tsquery is None:
        tsquery_expr, match, rank = "NULL::tsquery", "true", "0::real"
    else:
        tsquery_expr = _named(*tsquery, "q", params)
        match = "d.vector @@ query.q"
        rank = "ts_rank(d.rank_vector, query.q)"
        if plan.required:
            required_expr = _named(*plan.required, "r", params)
    full = "true"
    if tsquery is not None and plan.all_words:
        full = f"(d.vector @@ ({_named(*plan.all_words, 'a', params)}))"
    facets = [FACETS_BY_KEY[key] for key in request.facet_keys if key not in request.fixed]
    # Fixed facets are hard conditions; chosen ones become bits in "failed", so a
    # row can be counted for a facet when it passes every *other* facet's filter:
    # then ticking a second value in the same facet widens, as checkboxes should.
    fixed = [
        _filter_sql(FACETS_BY_KEY[key], values, params, f"x_{key}")
        for key, values in filters.items()
        if key in request.fixed
    ]
    active = [(FACETS_BY_KEY[key], values) for key, values in filters.items() if key not in request.fixed]
    bits = {facet.key: 1 << i for i, (facet, _) in enumerate(active)}
    flag_parts = [
        f"(CASE WHEN {_filter_sql(facet, values, params, f'f_{facet.key}')} THEN 0 ELSE {bits[facet.key]} END)"
        for facet, values in active
    ]
    flags = " + ".join(flag_parts) if flag_parts else "0"
    # A row failing two filters counts nowhere, so it need not be read further.
    prefilter = (
        " AND ".join(fixed + ([f"({' + '.join(f'({p} <> 0)::int' for p in flag_parts)}) <= 1"] if flag_parts else []))
        or "true"
    )
    counts = [
        _count_sql(facet, f"(failed & ~{bits[facet.key]}) = 0" if facet.key in bits else "failed = 0")
        for facet in facets
    ]
    # The same order as the searchdocument_newest index, so lists read it in order.
    if request.sort == "newest" or tsquery is None:
        order = "h.published_at DESC, h.id DESC"
    else:
        order = "h.fused DESC, h.rank DESC, h.published_at DESC, h.id DESC"
    if tsquery is None:
        headline = "left(coalesce(cs.summary, fw.summary), 400)"
    else:
        params["headline_options"] = _HEADLINE_OPTIONS
        headline = (
            f"ts_headline('{CONFIG}', CASE WHEN p.kind = 'framework' THEN concat_ws(' ', fw.summary, fw.reusable_core) "
            "ELSE concat_ws(' ', cs.summary, cs.problem, cs.approach, cs.outcomes) END, query.q, %(headline_options)s)"
        )
    use_vector = tsquery is not None and plan.vector is not None
    if use_vector:
        params.update(qvec=plan.vector, near=NEAR_LIMIT, min_sim=MEANING_MIN_SIMILARITY)
    near_columns = "near.sim, near.pos AS vec_pos" if use_vector else "NULL::float8 AS sim, NULL::bigint AS vec_pos"
    near_join = "LEFT JOIN near ON near.document_id = d.id" if use_vector else ""
    select = _MATCH_SELECT.format(
        rank=rank,
        flags=flags,
        full=full,
        near_columns=near_columns,
        near_join=near_join,
        match=match,
        prefilter=prefilter,
    )
    # Newest first over every match when the order is the index's; a search by
    # relevance pages through its ranked candidates.
    if tsquery is None:
        page = _PAGE_LIST_SQL.format(order=order, source="matches")
    elif request.sort == "newest" and not plan.meaning_results:
        walk = _MATCH_SELECT.format(
            rank=rank,
            flags=flags,
            full=full,
            near_columns=near_columns,
            near_join=near_join,
            match="(d.vector || ''::tsvector) @@ query.q",
            prefilter=prefilter,
        )
        page = _PAGE_NEWEST_SQL.format(order=order, walk_select=walk.format(block=""))
    else:
        page = _PAGE_SEARCH_SQL.format(order=order)
    page_is_ranked = tsquery is not None and not (request.sort == "newest" and not plan.meaning_results)
    sql = _SEARCH_SQL.format(
        matches_select=select.format(block=""),
        # The block number of the row's heap address: how far into the table the scan is.
        candidates_select=select.format(block="(d.ctid::text::point)[0]::bigint AS block, "),
        # Without a chosen filter no row can fail one, and a bare count(*) lets
        # an unfiltered list count from the index alone.
        passed="count(*)" if flags == "0" else "count(*) FILTER (WHERE failed = 0)",
        exact="count(*) FILTER (WHERE failed = 0 AND full_match)" if tsquery else "0",
        worded="count(*) FILTER (WHERE failed = 0 AND worded)" if tsquery else "0",
        tsquery=tsquery_expr,
        required=required_expr,
        near=_NEAR_SQL if use_vector else _NO_NEAR_SQL,
        meaning_only=_MEANING_ONLY_SQL.format(flags=flags, prefilter=prefilter)
        if use_vector and plan.meaning_results
        else "",
        counts="\nUNION ALL\n".join(counts),
        page=page,
        order=order,
        headline=headline,
    )
    params.update(
        exact=FACET_EXACT_LIMIT,
        facet_rows=max(f.shown or 100 for f in facets),
        selected_values=selected_values,
        limit=PAGE_SIZE,
        offset=(request.page - 1) * PAGE_SIZE,
        fusion_depth=FUSION_DEPTH,
        rrf_k=RRF_K,
        candidates=CANDIDATES,
        dense=WALK_MIN_PASSING,
        # Only a ranked page needs the passing matches: lists and newest first
        # read theirs in index order.
        ranked=page_is_ranked,
    )
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The matches are held in memory while they are ranked and counted; the
        # default 4 MB would spill a common word's matches to disk.
        # HNSW returns at most ef_search rows, so it must be above NEAR_LIMIT.
        ef_search = f"; SET LOCAL hnsw.ef_search = {NEAR_LIMIT + 20}" if use_vector else ""
        # Table order must start at the first block for the estimate (see factor).
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'; SET LOCAL synchronize_seqscans = off{ef_search}")
        cursor.execute(sql, params)
        total, hits, sampled, facet_rows, result_rows, exact, worded, capped, candidates_passed = cursor.fetchone()
    return {
        "total": total,
        "hits": hits,
        "sampled": sampled,
        "facets": facet_rows or [],
        "results": result_rows or [],
        "exact": exact,
        "worded": worded,
        "capped": bool(capped),
        "candidates_passed": candidates_passed,
    }


_SUGGEST_SQL = """
SELECT (SELECT json_agg(json_build_object('word', w.word, 'known', w.known, 'best', w.best) ORDER BY w.n)
          FROM (
            SELECT u.word, u.n,
                   EXISTS (SELECT 1 FROM practices_searchterm st WHERE st.term = u.word) AS known,
                   (SELECT st.term FROM practices_searchterm st
                     WHERE st.term %% u.word
                       AND plainto_tsquery('english_unaccent', st.term)::text <> plainto_tsquery('english_unaccent', u.word)::text
                     ORDER BY st.term <-> u.word, st.term LIMIT 1) AS best
              FROM unnest(%(words)s::text[]) WITH ORDINALITY AS u(word, n)
          ) w),
       (SELECT json_agg(json_build_object('name', t.name, 'slug', t.slug) ORDER BY t.sim DESC, t.name)
          FROM (SELECT name, slug, similarity(name, %(text)s) AS sim FROM taggit_tag
                 WHERE name %% %(text)s ORDER BY sim DESC, name LIMIT 3) t)
"""


def _suggest(parsed: ParsedQuery, text: str) -> tuple[str, list[dict]]:
    """A corrected search (or "") and tags whose names look like the search."""
    words = [practices_word(word) for word in parsed.words][:MAX_TERMS]
    with connection.cursor() as cursor:
        cursor.execute(_SUGGEST_SQL, {"words": words, "text": " ".join(words)})
        word_rows, tags = cursor.fetchone()
    corrections = {
        row["word"]: row["best"] for row in word_rows or [] if not row["known"] and row["best"] and len(row["word"]) > 2
    }
    if not corrections:
        return "", tags or []

    def fix(match: re.Match) -> str:
        word = match.group(0)
        return corrections.get(practices_word(word), word)

    return _WORD_RE.sub(fix, text), tags or []


def practices_word(word: str) -> str:
    """A word as the vocabulary stores it: lower case, accents folded."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _resolve_filters(request: SearchRequest) -> tuple[dict[str, list], dict[tuple[str, str], str], list[str]]:
    """Facet values from the URL as ids/values for SQL, their labels, and notices for unknown ones."""
    wanted: dict[str, list[str]] = {}
    keys = list(dict.fromkeys([*request.facet_keys, *request.fixed]))
    for key in keys:
        values = list(dict.fromkeys((request.fixed.get(key) or []) + (request.filters.get(key) or [])))
        if values:
            wanted[key] = values
    labels: dict[tuple[str, str], str] = {}
    ids: dict[tuple[str, str], str] = {}
    lookups = [(FACETS_BY_KEY[key], values) for key, values in wanted.items() if FACETS_BY_KEY[key].table]
    if lookups:
        parts, params = [], []
        for facet, values in lookups:
            status = " AND status = 'published'" if facet.table == "practices_framework" else ""
            parts.append(
                f"SELECT '{facet.key}', id::text, slug, {facet.label_column} FROM {facet.table} "
                f"WHERE slug = ANY(%s){status}"
            )
            params.append(values)
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for key, pk, slug, label in cursor.fetchall():
                ids[(key, slug)] = pk
                labels[(key, slug)] = label
    filters: dict[str, list] = {}
    notices = []
    for key, values in wanted.items():
        facet = FACETS_BY_KEY[key]
        kept = []
        for value in values:
            if facet.table:
                if (key, value) in ids:
                    kept.append(int(ids[(key, value)]))
                    continue
            elif facet.choices:
                label = dict(facet.choices).get(value)
                if label:
                    labels[(key, value)] = label
                    kept.append(value)
                    continue
            else:  # year
                labels[(key, value)] = value
                kept.append(int(value))
                continue
            notices.append(f"There is no {facet.label.lower()} called ‘{value}’, so that filter was left out.")
        if kept:
            filters[key] = kept
    # Keep the facet order fixed so filter bits line up with FACETS.
    ordered = {key: filters[key] for key in keys if key in filters}
    return ordered, labels, notices


def _search_vector(parsed: ParsedQuery) -> str | None:
    """The search's embedding as pgvector text, or None when meaning cannot be used here."""
    if not semantic_storage.vectors_available():
        return None
    text = " ".join(term.text for term in parsed.positive_terms)
    try:
        return semantic_storage.vector_literal(semantic_model.embed_query(text))
    except semantic_model.ModelUnavailable:
        return None


def _close_in_meaning(original: str, suggestion: str) -> bool:
    """Whether a spelling correction keeps the meaning ("recylcing" → "recycling", not "Passivhaus" → "pass")."""
    if not getattr(settings, "SEMANTIC_SEARCH", True):
        return False
    try:
        a = semantic_model.embed_query(original)
        b = semantic_model.embed_query(suggestion)
    except semantic_model.ModelUnavailable:
        return False
    return float(a @ b) >= CORRECTION_MIN_SIMILARITY


def _edits(a: str, b: str) -> int:
    """Levenshtein distance, counting a swap of two neighbouring letters as one edit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def _close_in_spelling(original: str, suggestion: str) -> bool:
    before = _WORD_RE.findall(original.lower())
    after = _WORD_RE.findall(suggestion.lower())
    if len(before) != len(after):
        return False
    return all(_edits(a, b) <= CORRECTION_MAX_EDITS for a, b in zip(before, after, strict=True) if a != b)


def _run_words_and_meaning(
    parsed: ParsedQuery, request: SearchRequest, filters: dict, selected_values: list[str]
) -> tuple[dict, bool]:
    """Every-word matches, fused with meaning; widened when they fill less than a page.

    Widening keeps quoted phrases and -words exact, lets a result lack some of
    the plain words (it ranks below those with all of them), and adds the
    documents closest in meaning. Returns the data and whether it was widened.
    """
    vector = _search_vector(parsed) if request.sort != "newest" else None
    all_words = tsquery_sql(parsed)
    data = _run_search(Plan(all_words, vector=vector), request, filters, selected_values)
    if data["total"] >= WIDEN_BELOW:
        return data, False
    widened = widened_tsquery_sql(parsed)
    if widened == all_words and vector is None:
        return data, False
    if request.sort == "newest" and data["total"]:
        return data, False  # newest first has no ranking to put the near matches after
    plan = Plan(
        widened,
        all_words=all_words,
        required=required_tsquery_sql(parsed),
        vector=vector,
        meaning_results=vector is not None,
    )
    wider = _run_search(plan, request, filters, selected_values)
    if wider["total"] > data["total"]:
        return wider, True
    return data, False


def search(request: SearchRequest) -> SearchResults:
    """Run a search: results for the page asked for, facet counts, and help when it finds little."""
    outcome = SearchResults(request=request)
    parsed = parse_query(request.q)
    outcome.notices.extend(parsed.notices)
    filters, labels, filter_notices = _resolve_filters(request)
    outcome.notices.extend(filter_notices)
    if request.q.strip() and not parsed:
        # Nothing searchable was typed (only punctuation, or only exclusions).
        if not parsed.notices:
            outcome.notices.append("Your search did not contain any words, so nothing was searched for.")
        return outcome
    if (request.page - 1) * PAGE_SIZE >= MAX_RESULTS_SHOWN:
        outcome.notices.append(
            f"Only the first {MAX_RESULTS_SHOWN:,} results can be shown. Add words or filters to narrow your search."
        )
        request.page = MAX_RESULTS_SHOWN // PAGE_SIZE
    if parsed and request.sort != "newest" and (request.page - 1) * PAGE_SIZE >= CANDIDATES:
        # Relevance is worked out for the first CANDIDATES matches only.
        outcome.notices.append(
            f"Only the {CANDIDATES:,} most relevant results can be shown. "
            "Add words or filters to narrow your search, or sort by newest."
        )
        request.page = max(1, math.ceil(CANDIDATES / PAGE_SIZE))
    # Chosen values are always listed in their facet, even outside the top few.
    selected_values = [str(v) for values in filters.values() for v in values]
    if parsed:
        data, widened = _run_words_and_meaning(parsed, request, filters, selected_values)
    else:
        data, widened = _run_search(Plan(None), request, filters, selected_values), False
    outcome.searched = True
    if parsed and data["exact"] < FEW_RESULTS:
        suggestion, outcome.similar_tags = _suggest(parsed, request.q)
        if suggestion and suggestion != request.q:
            corrected = parse_query(suggestion)
            # A correction is applied only when the words as typed match nothing
            # and it is both a small respelling and much the same in meaning;
            # otherwise it is offered.
            if (
                data["worded"] == 0
                and corrected
                and request.autocorrect
                and _close_in_spelling(request.q, suggestion)
                and _close_in_meaning(request.q, suggestion)
            ):
                retry, retry_widened = _run_words_and_meaning(corrected, request, filters, selected_values)
                if retry["worded"]:
                    data, widened, outcome.corrected_from = retry, retry_widened, request.q
                    parsed = corrected
            if not outcome.corrected_from:
                outcome.suggestion = suggestion
    outcome.total = _about(data["total"]) if data["capped"] else data["total"]
    outcome.total_estimated = data["capped"]
    if data["capped"] and parsed and request.sort != "newest":
        # Relevance pages go as far as the candidates that pass the filters.
        outcome.shown_limit = min(CANDIDATES, data["candidates_passed"])
    outcome.exact_total = data["exact"] if parsed else data["total"]
    outcome.widened = widened
    outcome.relaxed = widened and data["exact"] == 0 and data["worded"] > 0
    outcome.results = [_result(row) for row in data["results"]]
    outcome.facets = _facets(data, request, filters, labels)
    outcome.selected = [
        SelectedFilter(key, FACETS_BY_KEY[key].label, value, labels.get((key, value), value))
        for key, values in request.filters.items()
        for value in values
        if (key, value) in labels and key in request.facet_keys and key not in request.fixed
    ]
    return outcome


def _about(n: int) -> int:
    """An estimate rounded to two significant figures: 21,292 is "about 21,000"."""
    if n < 100:
        return n
    step = 10 ** (len(str(n)) - 2)
    return round(n / step) * step


def _result(row: dict) -> Result:
    kind = row["kind"]
    if row.get("full_match", True):
        match = "all"
    elif row.get("worded", True):
        match = "some"
    else:
        match = "meaning"
    name = "practices:case_study_detail" if kind == SearchDocument.Kind.CASE_STUDY else "practices:framework_detail"
    return Result(
        kind=kind,
        title=row["title"],
        url=reverse(name, kwargs={"slug": row["slug"]}),
        snippet=_snippet_html(row["snippet"]),
        council=row["council"] or "",
        silo=row["silo"] or "",
        start_year=row["start_year"],
        published_at=(row["published_at"] or "")[:10],
        tags=row["tags"] or [],
        match=match,
    )


def _facets(data: dict, request: SearchRequest, filters: dict, labels: dict) -> list[Facet]:
    by_key: dict[str, list[dict]] = {}
    for row in data["facets"]:
        by_key.setdefault(row["facet"], []).append(row)
    approximate = data["sampled"] < data["hits"]
    scale = data["hits"] / data["sampled"] if approximate and data["sampled"] else 1
    selected_by_key = {key: {str(v) for v in request.filters.get(key, [])} for key in request.facet_keys}
    facets = []
    for key in request.facet_keys:
        if key in request.fixed:
            continue
        spec = FACETS_BY_KEY[key]
        choices = dict(spec.choices)
        values = []
        chosen = selected_by_key.get(key, set())
        for row in sorted(
            by_key.get(key, []), key=lambda r: (-r["n"], r["label"] or choices.get(r["value"]) or r["value"])
        ):
            value = row["slug"] or row["value"]
            label = row["label"] or choices.get(row["value"]) or row["value"]
            if spec.table and not row["slug"]:
                continue  # an unpublished framework, or a value removed since indexing
            count = round(row["n"] * scale)
            values.append(FacetValue(value, label, count, value in chosen))
        shown = {v.value for v in values}
        for value in chosen - shown:
            if (key, value) in labels:
                values.append(FacetValue(value, labels[(key, value)], 0, True))
        if spec.shown:
            values = [v for i, v in enumerate(values) if i < spec.shown or v.selected]
        if key == "year":
            values.sort(key=lambda v: v.value, reverse=True)
        if values:
            facets.append(Facet(key, spec.label, values, approximate))
    return facets
