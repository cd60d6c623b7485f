"""Cross-silo discovery: the reads that join implementations in one silo to the same practice elsewhere."""

from __future__ import annotations

from django.db import connection
from django.db.models.expressions import RawSQL
from taggit.models import Tag

from councils.models import ServiceSilo
from portal.access import user_curates
from practices.models import CaseStudy, Follow, Framework
from practices.semantic import storage as semantic_storage
from practices.semantic.model import DIMENSIONS

# Content types are looked up inside the SQL so no panel spends a query on them.
_CT_CASE_STUDY = "(SELECT id FROM django_content_type WHERE app_label = 'practices' AND model = 'casestudy')"
_CT_FRAMEWORK = "(SELECT id FROM django_content_type WHERE app_label = 'practices' AND model = 'framework')"

# Closeness in meaning on the panels is the cosine of two write-ups' vectors
# after the centre of all case studies (practices.semantic.storage.CENTRE_VIEW)
# is taken from both. Raw cosines between council write-ups are all high, and
# highest between two write-ups of one silo, because they share the silo's
# subject and the way councils write; less the centre, what decides is what two
# write-ups share beyond that, and the same idea in other silos' words comes
# closer (docs/decisions/0011-centred-similarity-for-discovery.md). Until the
# centre is first computed it is zero, which is the plain cosine.
#
# The nearest NEAR_POOL are read from the HNSW index (inner product with the
# centred vector orders by the centred dot product), then scored exactly; once
# per query (MATERIALIZED), whatever plan the rest of the query gets.
# Only where the server has pgvector; every panel works on tags alone without it.
NEAR_POOL = 100
_ME_CTE = f"""
me AS (
    SELECT e.embedding AS v FROM practices_searchembedding e
      JOIN practices_searchdocument d ON d.id = e.document_id
     WHERE d.case_study_id = %(id)s
),
mu AS (
    SELECT coalesce((SELECT centre FROM {semantic_storage.CENTRE_VIEW}),
                    array_fill(0::real, ARRAY[{DIMENSIONS}])::vector) AS v
),
me_c AS (SELECT me.v - mu.v AS v, vector_norm(me.v - mu.v) AS len FROM me CROSS JOIN mu)"""


def _centred_cosine(column: str) -> str:
    """SQL for the centred cosine of ``column`` (a vector) with the case study's (needs ``mu`` and ``me_c``)."""
    return f"(-(({column} - mu.v) <#> me_c.v) / nullif(vector_norm({column} - mu.v) * me_c.len, 0))"


_NEAR_CTE = f"""
near AS MATERIALIZED (
    SELECT d.case_study_id AS id, {_centred_cosine("n.embedding")} AS sim
      FROM (SELECT e.document_id, e.embedding FROM practices_searchembedding e
             WHERE EXISTS (SELECT 1 FROM me)
             ORDER BY e.embedding <#> (SELECT v FROM me_c) LIMIT {NEAR_POOL}) AS n
     CROSS JOIN mu CROSS JOIN me_c
      JOIN practices_searchdocument d ON d.id = n.document_id
     WHERE d.case_study_id IS NOT NULL AND d.case_study_id <> %(id)s
)"""
_NO_NEAR_CTE = """
near AS (SELECT NULL::bigint AS id, NULL::float8 AS sim WHERE false)"""

# Centred cosine above which two write-ups are said to take a similar approach
# (about the closest 5% of pairs of write-ups in the evaluation's content), and
# above which one stands in for "the same practice" when no framework is linked
# (about the closest 12%). Half the pairs are below zero. Chosen on the
# evaluation in tests/ (docs/search.md).
SIMILAR_APPROACH = 0.2
SAME_PRACTICE_BY_MEANING = 0.15
# Below this, a write-up with no tag in common is not shown as similar work at
# all (closer than about four pairs in five); between it and SIMILAR_APPROACH
# it is shown as "related in meaning".
RELATED_IN_MEANING = 0.1
# Plain cosine between a framework and the centroid of a silo's recent work
# above which it "reads like the silo's own work".
CLOSE_TO_SILO = 0.45


def _meaning_ctes(vectors: bool) -> str:
    return (_ME_CTE + "," + _NEAR_CTE) if vectors else _NO_NEAR_CTE


# Shared tags count for more than shared words: tags are chosen by people to
# name the capability, words also carry local detail.
_SUGGEST_TAG_WEIGHT = 0.65
_SUGGEST_TEXT_WEIGHT = 0.35
# Below this a suggestion is noise: every write-up shares a few words with every
# framework. A single shared tag always clears it; words alone need a real overlap.
_SUGGEST_MIN_SCORE = 0.06

_SUGGEST_SQL = f"""
WITH fw AS MATERIALIZED (
    SELECT f.id,
           tsvector_to_array(coalesce(f.search_vector, to_tsvector('english_unaccent', (
               f.title || ' ' || f.summary || ' ' || f.reusable_core)))) AS words,
           ARRAY(SELECT ti.tag_id FROM taggit_taggeditem ti
                  WHERE ti.content_type_id = {_CT_FRAMEWORK} AND ti.object_id = f.id) AS tag_ids
      FROM practices_framework f
     WHERE f.status = 'published'
),
corpus AS (SELECT count(*)::float AS n FROM fw),
fw_words AS MATERIALIZED (
    SELECT fw.id, w.word FROM fw CROSS JOIN LATERAL unnest(fw.words) AS w(word)
),
-- Word rarity among frameworks, so "council" and "residents" count for little.
idf AS MATERIALIZED (
    SELECT fw_words.word, ln(1 + corpus.n / count(*)) AS weight
      FROM fw_words CROSS JOIN corpus
     GROUP BY fw_words.word, corpus.n
),
cs AS (
    SELECT tsvector_to_array(to_tsvector('english_unaccent', (
               c.title || ' ' || c.summary || ' ' || c.problem || ' ' || c.approach))) AS words,
           ARRAY(SELECT ti.tag_id FROM taggit_taggeditem ti
                  WHERE ti.content_type_id = {_CT_CASE_STUDY} AND ti.object_id = c.id) AS tag_ids
      FROM practices_casestudy c
     WHERE c.id = %(id)s
),
cs_words AS MATERIALIZED (SELECT DISTINCT w.word FROM cs CROSS JOIN LATERAL unnest(cs.words) AS w(word)),
cs_norm AS (
    SELECT sum(coalesce(idf.weight, ln(1 + corpus.n))) AS total
      FROM cs_words CROSS JOIN corpus
      LEFT JOIN idf ON idf.word = cs_words.word
),
-- Each framework's total word weight, and the part of it the case study shares.
fw_text AS (
    SELECT fw_words.id, sum(idf.weight) AS norm,
           coalesce(sum(idf.weight) FILTER (WHERE cs_words.word IS NOT NULL), 0) AS shared
      FROM fw_words
      JOIN idf ON idf.word = fw_words.word
      LEFT JOIN cs_words ON cs_words.word = fw_words.word
     GROUP BY fw_words.id
),
scored AS (
    SELECT fw.id,
           ARRAY(SELECT unnest(fw.tag_ids) INTERSECT SELECT unnest(cs.tag_ids)) AS shared_tag_ids,
           cardinality(fw.tag_ids) AS fw_tags, cardinality(cs.tag_ids) AS cs_tags,
           fw_text.norm AS fw_norm, fw_text.shared AS shared_weight
      FROM fw CROSS JOIN cs
      LEFT JOIN fw_text ON fw_text.id = fw.id
     WHERE NOT EXISTS (SELECT 1 FROM practices_frameworklink fl
                        WHERE fl.framework_id = fw.id AND fl.case_study_id = %(id)s)
)
SELECT scored.id, scored.shared_tag_ids,
       CASE WHEN fw_tags * cs_tags = 0 THEN 0
            ELSE cardinality(shared_tag_ids) / sqrt(fw_tags * cs_tags) END AS tag_score,
       CASE WHEN coalesce(fw_norm, 0) * coalesce(cs_norm.total, 0) = 0 THEN 0
            ELSE coalesce(shared_weight, 0) / sqrt(fw_norm * cs_norm.total) END AS text_score,
       {{meaning}} AS meaning_score
  FROM scored CROSS JOIN cs_norm
"""
# The framework's similarity in meaning to the case study (frameworks are few,
# so each is read by key; no index needed).
_SUGGEST_MEANING = """(SELECT greatest(-(fe.embedding <#> ce.embedding), 0)
          FROM practices_searchdocument fd JOIN practices_searchembedding fe ON fe.document_id = fd.id,
               practices_searchdocument cd JOIN practices_searchembedding ce ON ce.document_id = cd.id
         WHERE fd.framework_id = scored.id AND cd.case_study_id = %(id)s)"""
# With meaning available, it takes a share of the weight from tags and words.
_SUGGEST_WEIGHTS_WITH_MEANING = (0.45, 0.15, 0.4)


def frameworks_suggested_for(case_study: CaseStudy, limit: int = 5) -> list[Framework]:
    """Published frameworks the case study does not implement yet, best match first.

    Ranked by shared tags (cosine over the two tag sets) and text similarity
    (cosine over the stemmed words of the case study and the framework's search
    document). Each framework carries ``score`` (0 to 1), ``tag_score``,
    ``text_score`` and ``shared_tags`` (Tag objects, by name) so a curator sees
    why it was suggested. Four queries whatever the data size.
    """
    if case_study.pk is None or limit <= 0:
        return []
    vectors = semantic_storage.vectors_available()
    sql = _SUGGEST_SQL.replace("{meaning}", _SUGGEST_MEANING if vectors else "NULL::float8")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"id": case_study.pk})
        rows = cursor.fetchall()

    def score(tag_score, text_score, meaning_score) -> float:
        if meaning_score is None:
            return _SUGGEST_TAG_WEIGHT * float(tag_score) + _SUGGEST_TEXT_WEIGHT * float(text_score)
        tag_weight, text_weight, meaning_weight = _SUGGEST_WEIGHTS_WITH_MEANING
        return tag_weight * float(tag_score) + text_weight * float(text_score) + meaning_weight * float(meaning_score)

    ranked = sorted(
        (
            (score(tag_score, text_score, meaning_score), pk, shared, tag_score, text_score, meaning_score)
            for pk, shared, tag_score, text_score, meaning_score in rows
        ),
        key=lambda row: (-row[0], row[1]),
    )
    # Meaning alone gives every framework some score, so the bar rises with it.
    floor = _SUGGEST_MIN_SCORE if not vectors else _SUGGEST_MIN_SCORE + 0.4 * 0.35
    ranked = [row for row in ranked if row[0] >= floor][:limit]
    if not ranked:
        return []
    frameworks = Framework.objects.prefetch_related("tags", "silos").in_bulk([row[1] for row in ranked])
    result = []
    for total, pk, shared_ids, tag_score, text_score, meaning_score in ranked:
        framework = frameworks[pk]
        framework.score = round(total, 3)
        framework.tag_score = round(float(tag_score), 3)
        framework.text_score = round(float(text_score), 3)
        framework.meaning_score = round(float(meaning_score), 3) if meaning_score is not None else None
        shared = set(shared_ids or ())
        framework.shared_tags = sorted((tag for tag in framework.tags.all() if tag.pk in shared), key=lambda t: t.name)
        result.append(framework)
    return result


# ---------------------------------------------------------------------------
# On a case study: the same practice in other silos
# ---------------------------------------------------------------------------

# Each shared framework contributes at most this many of its newest
# implementations, so the panel costs the same whether a framework has ten
# implementations or ten thousand.
_SAME_PRACTICE_POOL = 60

_SAME_PRACTICE_SQL = """
WITH mine AS (
    SELECT fl.framework_id FROM practices_frameworklink fl
      JOIN practices_framework f ON f.id = fl.framework_id
     WHERE fl.case_study_id = %(id)s AND f.status = 'published'
),
pool AS (
    SELECT x.id, x.primary_silo_id, x.published_at, mine.framework_id
      FROM mine
     CROSS JOIN LATERAL (
        SELECT c.id, c.primary_silo_id, c.published_at
          FROM practices_frameworklink fl
          JOIN practices_casestudy c ON c.id = fl.case_study_id
         WHERE fl.framework_id = mine.framework_id
           AND c.status = 'published'
           AND c.primary_silo_id <> %(silo)s
           AND c.id <> %(id)s
         ORDER BY c.published_at DESC, c.id DESC
         LIMIT %(pool)s
     ) AS x
),
per_case AS (
    SELECT id, primary_silo_id, max(published_at) AS published_at,
           array_agg(framework_id ORDER BY framework_id) AS framework_ids, count(*) AS shared
      FROM pool
     GROUP BY id, primary_silo_id
),
-- One per silo first, so five silos show before a second from any one silo.
ranked AS (
    SELECT *, row_number() OVER (
               PARTITION BY primary_silo_id ORDER BY shared DESC, published_at DESC, id DESC) AS silo_rank
      FROM per_case
)
SELECT id, framework_ids FROM ranked
 ORDER BY silo_rank, shared DESC, published_at DESC, id DESC
 LIMIT %(limit)s
"""


_SAME_BY_MEANING_SQL = f"""
WITH {_ME_CTE.strip()},
{_NEAR_CTE.strip()},
ranked AS (
    SELECT c.id, near.sim, c.primary_silo_id,
           row_number() OVER (PARTITION BY c.primary_silo_id ORDER BY near.sim DESC, c.id DESC) AS silo_rank
      FROM near JOIN practices_casestudy c ON c.id = near.id
     WHERE c.status = 'published' AND c.primary_silo_id <> %(silo)s AND near.sim >= %(min_sim)s
)
SELECT id, sim FROM ranked ORDER BY silo_rank, sim DESC, id DESC LIMIT %(limit)s
"""


def case_studies_same_practice_by_meaning(case_study: CaseStudy, limit: int = 6) -> list[CaseStudy]:
    """For a case study with no framework linked: the closest in meaning in other silos, one per silo first.

    Each carries ``similarity``. Empty without pgvector. Two queries.
    """
    if case_study.pk is None or not semantic_storage.vectors_available():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _SAME_BY_MEANING_SQL,
            {
                "id": case_study.pk,
                "silo": case_study.primary_silo_id,
                "min_sim": SAME_PRACTICE_BY_MEANING,
                "limit": limit,
            },
        )
        rows = cursor.fetchall()
    # Always one more query, found or not, so a page's query count does not
    # depend on whether anything was close enough.
    found = {
        item.pk: item
        for item in CaseStudy.objects.select_related("lead_council", "primary_silo").filter(
            pk__in=RawSQL("SELECT unnest(%s::bigint[])", [[pk for pk, _ in rows]])
        )
    }
    result = []
    for pk, sim in rows:
        item = found[pk]
        item.similarity = float(sim)
        item.shared_frameworks = []
        result.append(item)
    return result


def case_studies_same_practice_other_silos(case_study: CaseStudy, limit: int = 6) -> list[CaseStudy]:
    """Published case studies in other silos that implement a framework this one implements.

    Spread across silos (the newest per silo first), most shared frameworks
    first. Each carries ``shared_frameworks`` (Framework objects). Three queries.
    """
    if case_study.pk is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _SAME_PRACTICE_SQL,
            {"id": case_study.pk, "silo": case_study.primary_silo_id, "pool": _SAME_PRACTICE_POOL, "limit": limit},
        )
        rows = cursor.fetchall()
    if not rows:
        return []
    found = CaseStudy.objects.select_related("lead_council", "primary_silo").in_bulk([pk for pk, _ in rows])
    frameworks = Framework.objects.only("id", "title", "slug").in_bulk({fid for _, ids in rows for fid in ids})
    result = []
    for pk, framework_ids in rows:
        item = found[pk]
        item.shared_frameworks = [frameworks[fid] for fid in framework_ids if fid in frameworks]
        result.append(item)
    return result


# ---------------------------------------------------------------------------
# On a case study: where else this could apply
# ---------------------------------------------------------------------------

_WHERE_ELSE_SQL = f"""
WITH my_tags AS (
    SELECT ti.tag_id FROM taggit_taggeditem ti
     WHERE ti.content_type_id = {_CT_CASE_STUDY} AND ti.object_id = %(id)s
),
my_frameworks AS (
    SELECT framework_id FROM practices_frameworklink WHERE case_study_id = %(id)s
),
-- Silos that already have the practice: its own, those its frameworks were
-- implemented, adopted or curated in, and those that reused this write-up.
covered AS (
    SELECT %(silo)s::bigint AS silo_id
    UNION SELECT servicesilo_id FROM practices_casestudy_other_silos WHERE casestudy_id = %(id)s
    UNION SELECT silo_id FROM practices_silo_framework_stats
           WHERE framework_id IN (SELECT framework_id FROM my_frameworks)
    UNION SELECT servicesilo_id FROM practices_framework_silos
           WHERE framework_id IN (SELECT framework_id FROM my_frameworks)
    UNION SELECT silo_id FROM practices_adoption WHERE case_study_id = %(id)s
),
totals AS (
    SELECT greatest(sum(case_studies), 1)::float AS n FROM practices_silo_tag_stats WHERE tag_id = 0
),
rarity AS (
    SELECT st.tag_id, ln(1 + totals.n / greatest(sum(st.case_studies), 1)) AS weight
      FROM practices_silo_tag_stats st CROSS JOIN totals
     WHERE st.tag_id IN (SELECT tag_id FROM my_tags)
     GROUP BY st.tag_id, totals.n
),
tagged AS (
    SELECT st.silo_id,
           sum(rarity.weight * ln(1 + st.case_studies)) AS score,
           array_agg(st.tag_id ORDER BY st.case_studies DESC, st.tag_id) AS tag_ids,
           array_agg(st.case_studies ORDER BY st.case_studies DESC, st.tag_id) AS counts
      FROM practices_silo_tag_stats st
      JOIN rarity ON rarity.tag_id = st.tag_id
     GROUP BY st.silo_id
),
{{meaning}},
-- Silos whose own case studies are close in meaning, however they are tagged.
alike AS (
    SELECT c.primary_silo_id AS silo_id, sum(near.sim) AS closeness, count(*) AS n
      FROM near JOIN practices_casestudy c ON c.id = near.id AND c.status = 'published'
     WHERE near.sim >= %(similar)s
     GROUP BY c.primary_silo_id
)
SELECT coalesce(t.silo_id, a.silo_id) AS silo_id,
       coalesce(t.score, 0) + %(meaning_weight)s * coalesce(a.closeness, 0) AS score,
       coalesce(t.tag_ids, '{{{{}}}}'), coalesce(t.counts, '{{{{}}}}'), coalesce(a.n, 0)
  FROM tagged t FULL JOIN alike a ON a.silo_id = t.silo_id
 WHERE coalesce(t.silo_id, a.silo_id) NOT IN (SELECT silo_id FROM covered)
 ORDER BY 2 DESC, 1
 LIMIT %(limit)s
"""
# A silo with a write-up close in meaning counts about as much as one sharing a rare tag.
_WHERE_ELSE_MEANING_WEIGHT = 2.0


def silos_where_else_could_apply(case_study: CaseStudy, limit: int = 4) -> list[ServiceSilo]:
    """Silos with no implementation of this case study's frameworks whose own case
    studies share its tags or are close to it in meaning, most (and rarest)
    shared tags and closest write-ups first.

    Each silo carries ``score``, ``shared_tags`` (a list of (Tag, number of the
    silo's published case studies carrying it); counts come from the refreshed
    aggregates) and ``similar_count`` (how many of its case studies take a
    similar approach). Three queries.
    """
    if case_study.pk is None:
        return []
    vectors = semantic_storage.vectors_available()
    sql = _WHERE_ELSE_SQL.format(meaning=_meaning_ctes(vectors).strip())
    params = {
        "id": case_study.pk,
        "silo": case_study.primary_silo_id,
        "limit": limit,
        "similar": SIMILAR_APPROACH,
        "meaning_weight": _WHERE_ELSE_MEANING_WEIGHT,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    silos = ServiceSilo.objects.in_bulk([row[0] for row in rows])
    tags = Tag.objects.in_bulk({tag_id for row in rows for tag_id in row[2]})
    result = []
    for silo_id, score, tag_ids, counts, alike in rows:
        silo = silos[silo_id]
        silo.score = float(score)
        silo.shared_tags = [(tags[t], n) for t, n in zip(tag_ids, counts, strict=True) if t in tags]
        silo.similar_count = alike
        result.append(silo)
    return result


# ---------------------------------------------------------------------------
# On a case study: similar work elsewhere
# ---------------------------------------------------------------------------

# Candidates come from two lists: the tag postings (for each of the case
# study's tags, the newest postings - all of them for a rare tag, a recent
# window for a common one - add that tag's rarity weight), and the case studies
# nearest in meaning. Each candidate's score adds its share of the possible tag
# weight to its similarity in meaning, so a write-up that shares only a generic
# tag ranks below one that describes the same work in other words. The list is
# then spread: the best in each other silo first, then the second best in each,
# and the case study's own silo last.
_SIMILAR_WINDOW = 1500
_SIMILAR_SHORTLIST = 150
_SIMILAR_TAG_WEIGHT = 1.0
_SIMILAR_MEANING_WEIGHT = 1.0
# A centred similarity of 0.1 (closer than about four pairs in five), or a share of the tags.
_SIMILAR_MIN_SCORE = 0.1
_SAME_KIND_BOOST = 0.1
_SAME_REGION_BOOST = 0.05

_SIMILAR_SQL = f"""
WITH my_tags AS (
    SELECT ti.tag_id FROM taggit_taggeditem ti
     WHERE ti.content_type_id = {_CT_CASE_STUDY} AND ti.object_id = %(id)s
),
totals AS (
    SELECT greatest(sum(case_studies), 1)::float AS n FROM practices_silo_tag_stats WHERE tag_id = 0
),
rarity AS (
    SELECT my_tags.tag_id, greatest(coalesce(sum(st.case_studies), 0), 1) AS df,
           ln(1 + totals.n / greatest(coalesce(sum(st.case_studies), 0), 1)) AS weight
      FROM my_tags CROSS JOIN totals
      LEFT JOIN practices_silo_tag_stats st ON st.tag_id = my_tags.tag_id
     GROUP BY my_tags.tag_id, totals.n
),
possible AS (SELECT greatest(sum(weight), 1e-9) AS total FROM rarity),
postings AS (
    SELECT p.object_id, rarity.tag_id, rarity.df, rarity.weight
      FROM rarity
     CROSS JOIN LATERAL (
        SELECT ti.object_id FROM taggit_taggeditem ti
         WHERE ti.content_type_id = {_CT_CASE_STUDY} AND ti.tag_id = rarity.tag_id AND ti.object_id <> %(id)s
         ORDER BY ti.object_id DESC
         LIMIT %(window)s
     ) AS p
),
-- Only the sum: up to window x tags postings fall into thousands of groups, and
-- collecting each group's tags cost more than the rest of the query. The few
-- items shown get their shared tags at the end.
shortlist AS (
    SELECT object_id, sum(weight) AS tag_score
      FROM postings
     GROUP BY object_id
     ORDER BY tag_score DESC, object_id DESC
     LIMIT %(shortlist)s
),
{{meaning}},
joined AS (
    SELECT coalesce(s.object_id, near.id) AS id, coalesce(s.tag_score, 0) / possible.total AS tag_part, near.sim
      FROM shortlist s FULL JOIN near ON near.id = s.object_id CROSS JOIN possible
),
-- Each candidate's similarity is computed here once; the score, the filter and
-- the result all read it.
candidates AS MATERIALIZED (
    SELECT cand.id, cand.tag_part, {{sim}} AS sim FROM joined cand
),
scored AS (
    SELECT c.id, c.primary_silo_id, c.published_at, cand.tag_part, cand.sim,
           (%(tag_weight)s * cand.tag_part + %(meaning_weight)s * greatest(coalesce(cand.sim, 0), 0))
           * (1 + CASE WHEN lc.kind = %(kind)s AND lc.id <> %(council)s THEN %(same_kind)s ELSE 0 END
                + CASE WHEN lc.region = %(region)s AND lc.id <> %(council)s THEN %(same_region)s ELSE 0 END) AS score
      FROM candidates cand
      JOIN practices_casestudy c ON c.id = cand.id
      LEFT JOIN councils_council lc ON lc.id = c.lead_council_id
     WHERE c.status = 'published' AND c.id <> ALL(%(exclude)s::bigint[])
       -- Those already shown as "the same practice" need not be shown twice.
       AND NOT EXISTS (
            SELECT 1 FROM practices_frameworklink theirs
              JOIN practices_frameworklink ours ON ours.framework_id = theirs.framework_id AND ours.case_study_id = %(id)s
             WHERE theirs.case_study_id = c.id)
),
spread AS (
    SELECT scored.*, row_number() OVER (PARTITION BY primary_silo_id ORDER BY score DESC, id DESC) AS silo_rank
      -- Each shown item has a reason to give: a shared tag, or a meaning close enough to say so.
      FROM scored WHERE (score >= %(min_score)s AND (tag_part > 0 OR sim >= %(related)s))
                     OR {{unembedded}}
)
SELECT id, ARRAY(SELECT r.tag_id FROM rarity r
                   JOIN taggit_taggeditem ti ON ti.tag_id = r.tag_id
                  WHERE ti.content_type_id = {_CT_CASE_STUDY} AND ti.object_id = spread.id
                  ORDER BY r.df, r.tag_id),
       score, sim
  FROM spread
 ORDER BY (primary_silo_id = %(silo)s), silo_rank, score DESC, published_at DESC, id DESC
 LIMIT %(limit)s
"""

# A tag-only candidate outside the nearest NEAR_POOL still has a similarity: its own
# vector is read by key (at most the shortlist's 150 rows).
_CANDIDATE_SIM = f"""(coalesce(cand.sim, (
               SELECT {_centred_cosine("e.embedding")} FROM practices_searchdocument d
                 JOIN practices_searchembedding e ON e.document_id = d.id
                CROSS JOIN mu CROSS JOIN me_c
                WHERE d.case_study_id = cand.id)))"""


def case_studies_similar_elsewhere(case_study: CaseStudy, limit: int = 5, exclude: tuple = ()) -> list[CaseStudy]:
    """Published case studies like this one, by shared tags (rare tags weighing most)
    and by meaning, the best in each other silo first.

    Excludes those that share a framework with it (they are "the same practice")
    and those in ``exclude``. Each carries ``score``, ``shared_tags`` (rarest
    first), ``similarity`` (centred cosine in meaning, or None without
    pgvector), ``similar_approach`` (True when the meaning is close) and
    ``related_in_meaning`` (True when it is close enough to be shown for it),
    so the page can say why it matched: every item has shared tags or is
    related in meaning. Three queries.
    """
    if case_study.pk is None:
        return []
    council = case_study.lead_council
    vectors = semantic_storage.vectors_available()
    params = {
        "id": case_study.pk,
        "silo": case_study.primary_silo_id,
        "council": council.pk if council else 0,
        "kind": council.kind if council else "",
        "region": council.region if council else "",
        "window": _SIMILAR_WINDOW,
        "shortlist": _SIMILAR_SHORTLIST,
        "tag_weight": _SIMILAR_TAG_WEIGHT,
        "meaning_weight": _SIMILAR_MEANING_WEIGHT,
        "same_kind": _SAME_KIND_BOOST,
        "same_region": _SAME_REGION_BOOST,
        "min_score": _SIMILAR_MIN_SCORE,
        "related": RELATED_IN_MEANING,
        "exclude": [item for item in exclude],
        "limit": limit,
    }
    sql = _SIMILAR_SQL.format(
        meaning=_meaning_ctes(vectors).strip(),
        sim=_CANDIDATE_SIM if vectors else "NULL::float8",
        # Without its own vector (not embedded yet) the bar for tags alone applies.
        unembedded="NOT EXISTS (SELECT 1 FROM me)" if vectors else "true",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    found = CaseStudy.objects.select_related("lead_council", "primary_silo").in_bulk([row[0] for row in rows])
    tags = Tag.objects.in_bulk({tag_id for row in rows for tag_id in row[1]})
    result = []
    for pk, tag_ids, score, sim in rows:
        item = found[pk]
        item.score = float(score)
        item.shared_tags = [tags[t] for t in tag_ids if t in tags]
        item.similarity = float(sim) if sim is not None else None
        item.similar_approach = sim is not None and float(sim) >= SIMILAR_APPROACH
        item.related_in_meaning = sim is not None and float(sim) >= RELATED_IN_MEANING
        result.append(item)
    return result


# ---------------------------------------------------------------------------
# On a silo: ideas from other silos
# ---------------------------------------------------------------------------

_IDEAS_SQL = f"""
WITH used AS (
    SELECT framework_id FROM practices_silo_framework_stats WHERE silo_id = %(silo)s
    UNION SELECT framework_id FROM practices_framework_silos WHERE servicesilo_id = %(silo)s
    UNION SELECT framework_id FROM practices_adoption
           WHERE silo_id = %(silo)s AND framework_id IS NOT NULL AND status IN ('in-progress', 'live')
),
evidence AS (
    SELECT framework_id,
           sum(implementations)::integer AS implementations,
           sum(adoptions)::integer AS adoptions,
           array_agg(silo_id ORDER BY implementations + adoptions DESC, silo_id) AS silo_ids
      FROM practices_silo_framework_stats
     WHERE silo_id <> %(silo)s AND framework_id NOT IN (SELECT framework_id FROM used)
     GROUP BY framework_id
),
totals AS (
    SELECT greatest(sum(case_studies), 1)::float AS n FROM practices_silo_tag_stats WHERE tag_id = 0
),
here AS (
    SELECT tag_id, case_studies FROM practices_silo_tag_stats WHERE silo_id = %(silo)s AND tag_id <> 0
),
rarity AS (
    SELECT st.tag_id, ln(1 + totals.n / greatest(sum(st.case_studies), 1)) AS weight
      FROM practices_silo_tag_stats st CROSS JOIN totals
     WHERE st.tag_id IN (SELECT tag_id FROM here)
     GROUP BY st.tag_id, totals.n
),
fit AS (
    SELECT ft.object_id AS framework_id,
           sum(rarity.weight * ln(1 + here.case_studies)) AS score,
           array_agg(ft.tag_id ORDER BY here.case_studies DESC, ft.tag_id) AS tag_ids,
           array_agg(here.case_studies ORDER BY here.case_studies DESC, ft.tag_id) AS counts
      FROM taggit_taggeditem ft
      JOIN here ON here.tag_id = ft.tag_id
      JOIN rarity ON rarity.tag_id = ft.tag_id
     WHERE ft.content_type_id = {_CT_FRAMEWORK}
       AND ft.object_id IN (SELECT framework_id FROM evidence)
     GROUP BY ft.object_id
),
__MEANING__
SELECT f.id, evidence.implementations, evidence.adoptions, evidence.silo_ids,
       coalesce(fit.score, 0) + %(meaning_weight)s * greatest(coalesce(meaning.sim, 0), 0) AS fit,
       coalesce(fit.tag_ids, '{{}}'), coalesce(fit.counts, '{{}}'), meaning.sim
  FROM evidence
  JOIN practices_framework f ON f.id = evidence.framework_id AND f.status = 'published'
  LEFT JOIN fit ON fit.framework_id = f.id
  LEFT JOIN meaning ON meaning.framework_id = f.id
 WHERE evidence.implementations + evidence.adoptions > 0
 ORDER BY fit DESC, evidence.implementations + evidence.adoptions DESC, cardinality(evidence.silo_ids) DESC, f.title
 LIMIT %(limit)s
"""


# How close each candidate framework is in meaning to the silo's own work: the
# cosine between its vector and the mean of the silo's newest 300 case studies'
# vectors (read from the newest-first index, so the cost does not grow with the data).
_IDEAS_MEANING_CTE = """centroid AS (
    SELECT avg(e.embedding) AS v
      FROM (SELECT d.id FROM practices_searchdocument d
             WHERE d.kind = 'case-study' AND d.silo_ids @> ARRAY[%(silo)s]::bigint[]
             ORDER BY d.published_at DESC, d.id DESC LIMIT 300) AS mine
      JOIN practices_searchembedding e ON e.document_id = mine.id
),
meaning AS (
    SELECT fd.framework_id, -(fe.embedding <#> c.v) / nullif(vector_norm(c.v), 0) AS sim
      FROM practices_searchdocument fd
      JOIN practices_searchembedding fe ON fe.document_id = fd.id
     CROSS JOIN centroid c
     WHERE fd.framework_id IN (SELECT framework_id FROM evidence) AND c.v IS NOT NULL
)"""
_IDEAS_NO_MEANING_CTE = "meaning AS (SELECT NULL::bigint AS framework_id, NULL::float8 AS sim WHERE false)"
# A framework close in meaning to the silo's work counts about as much as one
# sharing a couple of the silo's common tags.
_IDEAS_MEANING_WEIGHT = 4.0


def frameworks_ideas_from_other_silos(silo: ServiceSilo, limit: int = 5) -> list[Framework]:
    """Published frameworks proven in other silos (implemented or adopted there)
    that this silo has not used, those whose tags its own case studies share first.

    Each carries the evidence: ``implementation_count``, ``adoption_count``,
    ``proven_in`` (ServiceSilo objects, most used first), ``fit_tags``: a list
    of (Tag, number of this silo's case studies carrying it), and
    ``close_in_meaning`` when it reads like this silo's own work. Four queries.
    """
    vectors = semantic_storage.vectors_available()
    sql = _IDEAS_SQL.replace("__MEANING__", _IDEAS_MEANING_CTE if vectors else _IDEAS_NO_MEANING_CTE)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"silo": silo.pk, "limit": limit, "meaning_weight": _IDEAS_MEANING_WEIGHT})
        rows = cursor.fetchall()
    if not rows:
        return []
    frameworks = Framework.objects.in_bulk([row[0] for row in rows])
    silos = ServiceSilo.objects.in_bulk({sid for row in rows for sid in row[3]})
    tags = Tag.objects.in_bulk({tag_id for row in rows for tag_id in row[5]})
    result = []
    for pk, implementations, adoptions, silo_ids, fit, tag_ids, counts, closeness in rows:
        framework = frameworks[pk]
        framework.implementation_count = implementations
        framework.adoption_count = adoptions
        framework.proven_in = [silos[sid] for sid in silo_ids if sid in silos]
        framework.fit = float(fit)
        framework.fit_tags = [(tags[t], n) for t, n in zip(tag_ids, counts, strict=True) if t in tags]
        framework.meaning_fit = float(closeness) if closeness is not None else None
        framework.close_in_meaning = closeness is not None and float(closeness) >= CLOSE_TO_SILO
        result.append(framework)
    return result


# ---------------------------------------------------------------------------
# What a page needs, in one call
# ---------------------------------------------------------------------------


def case_study_discovery(user, case_study: CaseStudy) -> dict:
    """The discovery panels of a case study page; curators also get framework
    suggestions when it implements none. At most 15 queries."""
    same_practice = case_studies_same_practice_other_silos(case_study)
    by_meaning = False
    if not same_practice and not case_study.framework_links.all():
        # No framework linked yet: the closest write-ups in meaning stand in, and the page says so.
        same_practice = case_studies_same_practice_by_meaning(case_study)
        by_meaning = bool(same_practice)
    panels = {
        "same_practice": same_practice,
        "same_practice_by_meaning": by_meaning,
        "where_else": silos_where_else_could_apply(case_study),
        "similar": case_studies_similar_elsewhere(
            case_study, exclude=tuple(item.pk for item in same_practice) if by_meaning else ()
        ),
        "suggestions": [],
        "can_curate": user_curates(user),
    }
    if panels["can_curate"] and not case_study.framework_links.all():
        panels["suggestions"] = frameworks_suggested_for(case_study)
    return panels


# ---------------------------------------------------------------------------
# Follows
# ---------------------------------------------------------------------------


def follow_get(user, *, silo=None, tag=None, framework=None) -> Follow | None:
    """The user's follow of exactly one target, or None (always None for visitors)."""
    if not user.is_authenticated:
        return None
    return Follow.objects.filter(user=user, silo=silo, tag=tag, framework=framework).first()


def follows_for_user(user) -> list[Follow]:
    """What the user follows, silos then tags then frameworks, each by name."""
    follows = Follow.objects.filter(user=user).select_related("silo", "tag", "framework")
    return sorted(follows, key=lambda f: (f.silo is None, f.tag is None, str(f.silo or f.tag or f.framework).lower()))
