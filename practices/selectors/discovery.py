"""Cross-silo discovery: the reads that join implementations in one silo to the same practice elsewhere."""

from __future__ import annotations

from django.db import connection
from taggit.models import Tag

from councils.models import ServiceSilo
from councils.selectors import user_is_curator
from practices.models import CaseStudy, Follow, Framework

# Content types are looked up inside the SQL so no panel spends a query on them.
_CT_CASE_STUDY = "(SELECT id FROM django_content_type WHERE app_label = 'practices' AND model = 'casestudy')"
_CT_FRAMEWORK = "(SELECT id FROM django_content_type WHERE app_label = 'practices' AND model = 'framework')"

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
            ELSE coalesce(shared_weight, 0) / sqrt(fw_norm * cs_norm.total) END AS text_score
  FROM scored CROSS JOIN cs_norm
"""


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
    with connection.cursor() as cursor:
        cursor.execute(_SUGGEST_SQL, {"id": case_study.pk})
        rows = cursor.fetchall()
    ranked = sorted(
        (
            (
                _SUGGEST_TAG_WEIGHT * float(tag_score) + _SUGGEST_TEXT_WEIGHT * float(text_score),
                pk,
                shared,
                tag_score,
                text_score,
            )
            for pk, shared, tag_score, text_score in rows
            if _SUGGEST_TAG_WEIGHT * float(tag_score) + _SUGGEST_TEXT_WEIGHT * float(text_score) >= _SUGGEST_MIN_SCORE
        ),
        key=lambda row: (-row[0], row[1]),
    )[:limit]
    if not ranked:
        return []
    frameworks = Framework.objects.prefetch_related("tags", "silos").in_bulk([row[1] for row in ranked])
    result = []
    for score, pk, shared_ids, tag_score, text_score in ranked:
        framework = frameworks[pk]
        framework.score = round(score, 3)
        framework.tag_score = round(float(tag_score), 3)
        framework.text_score = round(float(text_score), 3)
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
)
SELECT st.silo_id,
       sum(rarity.weight * ln(1 + st.case_studies)) AS score,
       array_agg(st.tag_id ORDER BY st.case_studies DESC, st.tag_id) AS tag_ids,
       array_agg(st.case_studies ORDER BY st.case_studies DESC, st.tag_id) AS counts
  FROM practices_silo_tag_stats st
  JOIN rarity ON rarity.tag_id = st.tag_id
 WHERE st.silo_id NOT IN (SELECT silo_id FROM covered)
 GROUP BY st.silo_id
 ORDER BY score DESC, st.silo_id
 LIMIT %(limit)s
"""


def silos_where_else_could_apply(case_study: CaseStudy, limit: int = 4) -> list[ServiceSilo]:
    """Silos with no implementation of this case study's frameworks whose own case
    studies share its tags, most (and rarest) shared tags first.

    Each silo carries ``score`` and ``shared_tags``: a list of (Tag, number of
    the silo's published case studies carrying it). Three queries; counts come
    from the refreshed aggregates.
    """
    if case_study.pk is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_WHERE_ELSE_SQL, {"id": case_study.pk, "silo": case_study.primary_silo_id, "limit": limit})
        rows = cursor.fetchall()
    if not rows:
        return []
    silos = ServiceSilo.objects.in_bulk([row[0] for row in rows])
    tags = Tag.objects.in_bulk({tag_id for row in rows for tag_id in row[2]})
    result = []
    for silo_id, score, tag_ids, counts in rows:
        silo = silos[silo_id]
        silo.score = float(score)
        silo.shared_tags = [(tags[t], n) for t, n in zip(tag_ids, counts, strict=True) if t in tags]
        result.append(silo)
    return result


# ---------------------------------------------------------------------------
# On a case study: similar work elsewhere
# ---------------------------------------------------------------------------

# Scores come from the tag postings alone: for each of the case study's tags,
# the newest postings (all of them for a rare tag, a recent window for a
# common one) add that tag's rarity weight to each item. Only a shortlist of
# the best raw scores is then joined to the case studies for the boosts, so
# the cost is flat however popular a tag becomes.
_SIMILAR_WINDOW = 1500
_SIMILAR_SHORTLIST = 150
_OTHER_SILO_BOOST = 1.5
_SAME_KIND_BOOST = 0.25
_SAME_REGION_BOOST = 0.15

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
shortlist AS (
    SELECT object_id, sum(weight) AS tag_score, array_agg(tag_id ORDER BY df, tag_id) AS tag_ids
      FROM postings
     GROUP BY object_id
     ORDER BY tag_score DESC, object_id DESC
     LIMIT %(shortlist)s
)
SELECT c.id, shortlist.tag_ids,
       shortlist.tag_score
       * CASE WHEN c.primary_silo_id <> %(silo)s THEN %(other_silo)s ELSE 1 END
       * (1 + CASE WHEN lc.kind = %(kind)s AND lc.id <> %(council)s THEN %(same_kind)s ELSE 0 END
            + CASE WHEN lc.region = %(region)s AND lc.id <> %(council)s THEN %(same_region)s ELSE 0 END) AS score
  FROM shortlist
  JOIN practices_casestudy c ON c.id = shortlist.object_id
  LEFT JOIN councils_council lc ON lc.id = c.lead_council_id
 WHERE c.status = 'published'
   -- Those already shown as "the same practice" need not be shown twice.
   AND NOT EXISTS (
        SELECT 1 FROM practices_frameworklink theirs
          JOIN practices_frameworklink ours ON ours.framework_id = theirs.framework_id AND ours.case_study_id = %(id)s
         WHERE theirs.case_study_id = c.id)
 ORDER BY score DESC, c.published_at DESC, c.id DESC
 LIMIT %(limit)s
"""


def case_studies_similar_elsewhere(case_study: CaseStudy, limit: int = 5) -> list[CaseStudy]:
    """Published case studies sharing this one's tags, rare tags weighing most
    (inverse document frequency), favouring other silos and councils of the same
    kind or region.

    Excludes those that share a framework with it (they are "the same practice").
    Each carries ``score`` and ``shared_tags`` (rarest first). Three queries.
    """
    if case_study.pk is None:
        return []
    council = case_study.lead_council
    params = {
        "id": case_study.pk,
        "silo": case_study.primary_silo_id,
        "council": council.pk if council else 0,
        "kind": council.kind if council else "",
        "region": council.region if council else "",
        "window": _SIMILAR_WINDOW,
        "shortlist": _SIMILAR_SHORTLIST,
        "other_silo": _OTHER_SILO_BOOST,
        "same_kind": _SAME_KIND_BOOST,
        "same_region": _SAME_REGION_BOOST,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SIMILAR_SQL, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    found = CaseStudy.objects.select_related("lead_council", "primary_silo").in_bulk([row[0] for row in rows])
    tags = Tag.objects.in_bulk({tag_id for row in rows for tag_id in row[1]})
    result = []
    for pk, tag_ids, score in rows:
        item = found[pk]
        item.score = float(score)
        item.shared_tags = [tags[t] for t in tag_ids if t in tags]
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
)
SELECT f.id, evidence.implementations, evidence.adoptions, evidence.silo_ids,
       coalesce(fit.score, 0) AS fit, coalesce(fit.tag_ids, '{{}}'), coalesce(fit.counts, '{{}}')
  FROM evidence
  JOIN practices_framework f ON f.id = evidence.framework_id AND f.status = 'published'
  LEFT JOIN fit ON fit.framework_id = f.id
 WHERE evidence.implementations + evidence.adoptions > 0
 ORDER BY fit DESC, evidence.implementations + evidence.adoptions DESC, cardinality(evidence.silo_ids) DESC, f.title
 LIMIT %(limit)s
"""


def frameworks_ideas_from_other_silos(silo: ServiceSilo, limit: int = 5) -> list[Framework]:
    """Published frameworks proven in other silos (implemented or adopted there)
    that this silo has not used, those whose tags its own case studies share first.

    Each carries the evidence: ``implementation_count``, ``adoption_count``,
    ``proven_in`` (ServiceSilo objects, most used first) and ``fit_tags``: a list
    of (Tag, number of this silo's case studies carrying it). Four queries.
    """
    with connection.cursor() as cursor:
        cursor.execute(_IDEAS_SQL, {"silo": silo.pk, "limit": limit})
        rows = cursor.fetchall()
    if not rows:
        return []
    frameworks = Framework.objects.in_bulk([row[0] for row in rows])
    silos = ServiceSilo.objects.in_bulk({sid for row in rows for sid in row[3]})
    tags = Tag.objects.in_bulk({tag_id for row in rows for tag_id in row[5]})
    result = []
    for pk, implementations, adoptions, silo_ids, fit, tag_ids, counts in rows:
        framework = frameworks[pk]
        framework.implementation_count = implementations
        framework.adoption_count = adoptions
        framework.proven_in = [silos[sid] for sid in silo_ids if sid in silos]
        framework.fit = float(fit)
        framework.fit_tags = [(tags[t], n) for t, n in zip(tag_ids, counts, strict=True) if t in tags]
        result.append(framework)
    return result


# ---------------------------------------------------------------------------
# What a page needs, in one call
# ---------------------------------------------------------------------------


def case_study_discovery(user, case_study: CaseStudy) -> dict:
    """The discovery panels of a case study page; curators also get framework
    suggestions when it implements none. At most 13 queries."""
    panels = {
        "same_practice": case_studies_same_practice_other_silos(case_study),
        "where_else": silos_where_else_could_apply(case_study),
        "similar": case_studies_similar_elsewhere(case_study),
        "suggestions": [],
        "can_curate": user_is_curator(user),
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
