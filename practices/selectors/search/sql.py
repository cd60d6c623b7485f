"""The search statement: one SQL statement that returns a page of results, the total and the facet counts.

It reads ``practices_searchdocument`` (see practices.services.search_index). Its
cost does not grow with the number of matches: it ranks, counts and samples
facets over at most ``CANDIDATES`` matches read in table order, and when there
are more it estimates the total from how far into the table those reached
("about 210,000 results"; docs/decisions/0010-bounded-search-candidates.md).
Lists and newest-first searches read the newest-first index and stop after
their page. With pgvector, the documents nearest the search in meaning are
fused into the ranking and, for a widened search, added as results of their own.

The limits below are read when a search runs, so tests lower them on this
module (``monkeypatch.setattr(sql, "CANDIDATES", 8)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from .facets import FACET_EXACT_LIMIT, FACETS_BY_KEY, FacetSpec
from .results import PAGE_SIZE, SearchRequest
from .snippets import headline_sql

WORK_MEM = "32MB"
# A search whose words are in at least this share of the documents builds its
# bitmap of matches with little memory, so that PostgreSQL keeps it by page
# ("lossy") and rechecks the rows of the pages it reads: the first 2,000
# matches of a word in a fifth of the documents, ranked, then take about 38 ms
# instead of 86 at 1,000,000 (PostgreSQL 15). Below it, a page holds too few
# matches for the recheck to pay, and the bitmap stays exact. The share comes
# from PostgreSQL's own statistics of the commonest words (pg_stats), an upper
# bound for a search that needs every word.
DENSE_SHARE = 0.15
DENSE_WORK_MEM = "1MB"
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


def _filter_sql(facet: FacetSpec, values: list, params: dict, name: str) -> str:
    params[name] = values
    if facet.array:
        return f"d.{facet.column} && %({name})s::bigint[]"
    if facet.key == "year":
        return f"d.{facet.column} = ANY(%({name})s::smallint[])"
    return f"d.{facet.column} = ANY(%({name})s::text[])"


_SEARCH_SQL = """
WITH query AS MATERIALIZED (SELECT {tsquery} AS q, {required} AS qreq, {highlight} AS qhl),
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
-- The table's size in blocks, for estimates from how far into it a read reached.
blocks AS MATERIALIZED (
    SELECT (pg_relation_size('practices_searchdocument') / current_setting('block_size')::int)::float8 AS n
),
scan AS MATERIALIZED (
    SELECT count(*) AS rows, count(*) FILTER (WHERE worded) AS words, max(block) FILTER (WHERE worded) AS last_block
      FROM hits
),
-- Below CANDIDATES every match was read and counts are exact; above it they
-- are scaled by how much of the table the candidates covered.
factor AS MATERIALIZED (
    SELECT CASE WHEN scan.words < %(candidates)s THEN 1.0::float8
                ELSE greatest(1.0, (SELECT n FROM blocks) / (scan.last_block + 1)) END AS scale,
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
-- it. The filters are plain conditions here, so the GIN index over words and
-- facets finds these rows without reading the others. Skipped (a one-time
-- filter) in every other case.
passing AS MATERIALIZED (
    SELECT * FROM ({passing_select}) AS m
     WHERE (SELECT capped AND NOT dense FROM size)
     LIMIT %(candidates)s
),
passing_size AS MATERIALIZED (
    SELECT p.n, p.last_block, p.used,
           -- how many passing matches each one read stands for
           CASE WHEN p.n < %(candidates)s THEN 1.0::float8
                ELSE greatest(1.0, (SELECT n FROM blocks) / (p.last_block + 1)) END AS scale
      FROM (SELECT count(*) AS n, max(block) AS last_block,
                   (SELECT capped AND NOT dense FROM size) AS used
              FROM passing) AS p
),
-- What the results are ranked from.
ranked_from AS (
    SELECT * FROM hits WHERE NOT (SELECT used FROM passing_size)
    UNION ALL
    SELECT * FROM passing
),
hit_sample AS MATERIALIZED (
    -- every candidate when there are few; otherwise an even spread of about FACET_EXACT_LIMIT
    SELECT h.* FROM hits h, scan
     WHERE scan.rows <= %(exact)s OR (h.id * 7919) %% scan.rows < %(exact)s
),
-- What the facets are counted over, each row with the number of matches it
-- stands for. When the passing matches were read on their own, they stand for
-- the rows that pass every filter, and the candidates for the rest.
sample AS MATERIALIZED (
    SELECT h.*, (SELECT n FROM size)::float8 / nullif((SELECT count(*) FROM hit_sample), 0) AS weight
      FROM hit_sample h
     WHERE NOT (h.failed = 0 AND (SELECT used FROM passing_size))
    UNION ALL
    SELECT p.*, (SELECT scale FROM passing_size) AS weight FROM passing p
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
SELECT (SELECT CASE WHEN ps.used THEN round(ps.n * ps.scale) ELSE size.passed END::bigint
          FROM size, passing_size ps) AS total,
       (SELECT (SELECT count(*) FROM hit_sample) < n OR (SELECT used AND scale > 1 FROM passing_size) FROM size)
           AS facets_estimated,
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
# walking could read the whole table, so the matches that pass every filter are
# found through the GIN index over words and facets, fetched and sorted.
_PAGE_NEWEST_SQL = """
walk AS NOT MATERIALIZED ({walk_select}),
passing_matches AS NOT MATERIALIZED ({passing_matches_select}),
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
       FROM passing_matches h WHERE (SELECT capped AND NOT dense FROM size)
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


# The block number of a row's heap address: how far into the table a scan is.
_BLOCK = "(d.ctid::text::point)[0]::bigint AS block, "


# The statement's memory, by how common the search's words are: "min" for a
# search needing every word (its matches are at most as common as its rarest
# word), "max" for a widened one. A word missing from the statistics is rare.
_WORK_MEM_SQL = """
SELECT set_config('work_mem', CASE WHEN coalesce((
    SELECT {common}(coalesce(s.freqs[array_position(s.elems, w.lexeme)], 0))
      FROM unnest(tsvector_to_array(to_tsvector('english_unaccent', %(words)s))) AS w(lexeme),
           (SELECT st.most_common_elems::text::text[] AS elems, st.most_common_elem_freqs AS freqs
              FROM pg_stats st
             WHERE st.schemaname = current_schema() AND st.tablename = 'practices_searchdocument'
               AND st.attname = 'vector') AS s), 0) >= %(share)s
    THEN %(dense)s ELSE %(mem)s END, true)"""


def memory_setting(words: str, *, widened: bool) -> tuple[str, dict]:
    """The statement setting a search's work_mem for its transaction, and its parameters (see DENSE_SHARE)."""
    params = {"words": words, "share": DENSE_SHARE, "dense": DENSE_WORK_MEM, "mem": WORK_MEM}
    return _WORK_MEM_SQL.format(common="max" if widened else "min"), params


@dataclass
class Plan:
    """How one statement searches: which tsquery finds word matches, and what meaning adds."""

    match: tuple[str, list] | None
    all_words: tuple[str, list] | None = None  # set when match is wider than "every word"
    required: tuple[str, list] | None = None  # what meaning-only results must still satisfy
    vector: str | None = None  # the search's embedding, as pgvector text
    meaning_results: bool = False  # add the nearest documents as results of their own
    # What the snippet marks, when not the match itself: ts_headline's covers over a
    # widened search's combinations of words take time and memory exponential in
    # them (PostgreSQL 18 gave up asking for 1 GB), so it is given any of the words.
    highlight: tuple[str, list] | None = None
    words: str = ""  # the words searched for, plain, for how common they are (see DENSE_SHARE)


def _named(expr: str, values: list, prefix: str, params: dict) -> str:
    """Turn the %s placeholders of a tsquery expression into named ones."""
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
    counter = iter(range(len(values)))
    return re.sub(r"%s", lambda _: f"%({prefix}{next(counter)})s", expr)


def _count_sql(facet: FacetSpec, passes: str) -> str:
    """One facet's value counts over the sample, of the rows that pass the other facets' filters."""
    if facet.array:
        # unnest() in the select list (ProjectSet) costs far less per row than a lateral function scan.
        return (
            f"SELECT '{facet.key}' AS facet, v::text AS value, sum(weight) AS n "
            f"FROM (SELECT unnest(sample.{facet.column}) AS v, weight FROM sample WHERE {passes}) AS x GROUP BY v"
        )
    return (
        f"SELECT '{facet.key}' AS facet, sample.{facet.column}::text AS value, sum(weight) AS n FROM sample "
        f"WHERE {passes} AND sample.{facet.column} IS NOT NULL AND sample.{facet.column}::text <> '' "
        f"GROUP BY sample.{facet.column}"
    )


def run_search(
    plan: Plan,
    request: SearchRequest,
    filters: dict[str, list],
    selected_values: list[str],
) -> dict:
    """Run the search statement for one plan: the total, facet rows and the page's result rows, with what was capped."""
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
    highlight_expr = _named(*plan.highlight, "h", params) if tsquery is not None and plan.highlight else tsquery_expr
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
    chosen = {facet.key: _filter_sql(facet, values, params, f"f_{facet.key}") for facet, values in active}
    flag_parts = [f"(CASE WHEN {chosen[key]} THEN 0 ELSE {bit} END)" for key, bit in bits.items()]
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
    headline = headline_sql(params, searched=tsquery is not None)
    use_vector = tsquery is not None and plan.vector is not None
    if use_vector:
        params.update(qvec=plan.vector, near=NEAR_LIMIT, min_sim=MEANING_MIN_SIMILARITY)
    near_columns = "near.sim, near.pos AS vec_pos" if use_vector else "NULL::float8 AS sim, NULL::bigint AS vec_pos"
    near_join = "LEFT JOIN near ON near.document_id = d.id" if use_vector else ""

    # Every chosen filter as a plain condition, for the rows that pass them all.
    passes_all = " AND ".join(fixed + list(chosen.values()))

    def match_select(match_test: str, rows: str = prefilter) -> str:
        return _MATCH_SELECT.format(
            rank=rank,
            flags=flags,
            full=full,
            near_columns=near_columns,
            near_join=near_join,
            match=match_test,
            prefilter=rows or "true",
        )

    select = match_select(match)
    # Newest first over every match when the order is the index's; a search by
    # relevance pages through its ranked candidates.
    if tsquery is None:
        page = _PAGE_LIST_SQL.format(order=order, source="matches")
    elif request.sort == "newest" and not plan.meaning_results:
        walk = match_select("(d.vector || ''::tsvector) @@ query.q")
        page = _PAGE_NEWEST_SQL.format(
            order=order,
            walk_select=walk.format(block=""),
            passing_matches_select=match_select(match, passes_all).format(block=""),
        )
    else:
        page = _PAGE_SEARCH_SQL.format(order=order)
    sql = _SEARCH_SQL.format(
        matches_select=select.format(block=""),
        candidates_select=select.format(block=_BLOCK),
        passing_select=match_select(match, passes_all).format(block=_BLOCK),
        # Without a chosen filter no row can fail one, and a bare count(*) lets
        # an unfiltered list count from the index alone.
        passed="count(*)" if flags == "0" else "count(*) FILTER (WHERE failed = 0)",
        exact="count(*) FILTER (WHERE failed = 0 AND full_match)" if tsquery else "0",
        worded="count(*) FILTER (WHERE failed = 0 AND worded)" if tsquery else "0",
        tsquery=tsquery_expr,
        required=required_expr,
        highlight=highlight_expr,
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
    )
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The matches are held in memory while they are ranked and counted; the
        # default 4 MB would spill a common word's matches to disk.
        # HNSW returns at most ef_search rows, so it must be above NEAR_LIMIT.
        ef_search = f"; SET LOCAL hnsw.ef_search = {NEAR_LIMIT + 20}" if use_vector else ""
        # Table order must start at the first block for the estimate (see factor).
        memory, memory_params = memory_setting(plan.words if tsquery is not None else "", widened=bool(plan.all_words))
        cursor.execute(f"{memory}; SET LOCAL synchronize_seqscans = off{ef_search}", memory_params)
        cursor.execute(sql, params)
        total, facets_estimated, facet_rows, result_rows, exact, worded, capped, candidates_passed = cursor.fetchone()
    return {
        "total": total,
        "facets_estimated": bool(facets_estimated),
        "facets": facet_rows or [],
        "results": result_rows or [],
        "exact": exact,
        "worded": worded,
        "capped": bool(capped),
        "candidates_passed": candidates_passed,
    }
