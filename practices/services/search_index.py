"""The search index: weighted search documents of case studies and frameworks, and the typo vocabulary.

Every service that writes searchable content calls search_index_update with the
ids it touched (the importer, bulk generation, tag merges and renames through
search_index_update_tagged). Each call recomputes, in a few SQL statements:

- the weighted vector (title A; summary and tags B; body, silo, council and
  citizen groups C), through the ``english_unaccent`` configuration so accents
  fold the same way on both sides of a search; a framework also keeps it in its
  own ``search_vector``, which framework suggestions read;
- its row in ``practices_searchdocument``: the same vector, a small copy of its
  title, summary and tag lexemes that ranking reads (bounded in size, so it
  always fits in the row), and the facet values
  search counts (silos, council kind and region, tags, frameworks, citizen
  groups, funding, year). Only published items have a row;
- the words of its title, summary, tags and council in ``practices_searchterm``,
  the vocabulary "did you mean" corrects against;
- its embedding, where the server has pgvector (practices.services.embeddings).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from practices.models import CaseStudy, Framework
from practices.services.embeddings import embeddings_update

SEARCH_CONFIG = "english_unaccent"
BATCH_SIZE = 2000

_CASE_STUDY_SOURCE = """
SELECT cs.id, cs.status, cs.published_at, cs.funding_source, cs.start_year,
       c.kind AS council_kind, c.region,
       setweight(to_tsvector('english_unaccent', cs.title), 'A')
    || setweight(to_tsvector('english_unaccent', cs.summary || ' ' || coalesce(tags.names, '')), 'B')
    || setweight(to_tsvector('english_unaccent', concat_ws(' ',
           cs.problem, cs.approach, cs.outcomes,
           array_to_string(cs.lessons, ' '), array_to_string(cs.things_to_avoid, ' '),
           s.name, c.name, cs.partner_agencies, groups.names)), 'C') AS vector,
       setweight(to_tsvector('english_unaccent', cs.title), 'A')
    || setweight(to_tsvector('english_unaccent', left(cs.summary, 2000) || ' ' || left(coalesce(tags.names, ''), 1000)), 'B')
       AS rank_vector,
       ARRAY[cs.primary_silo_id]::bigint[] AS silo_ids,
       coalesce(tags.ids, '{}') AS tag_ids,
       coalesce(links.ids, '{}') AS framework_ids,
       coalesce(groups.ids, '{}') AS citizen_group_ids,
       concat_ws(' ', cs.title, cs.summary, tags.names, c.name) AS vocabulary
  FROM practices_casestudy cs
  JOIN councils_servicesilo s ON s.id = cs.primary_silo_id
  LEFT JOIN councils_council c ON c.id = cs.lead_council_id
  LEFT JOIN LATERAL (
       SELECT string_agg(t.name, ' ') AS names, array_agg(t.id::bigint ORDER BY t.id) AS ids
         FROM taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id
        WHERE ti.content_type_id = %(ct)s AND ti.object_id = cs.id) tags ON true
  LEFT JOIN LATERAL (
       SELECT string_agg(g.name, ' ') AS names, array_agg(g.id ORDER BY g.id) AS ids
         FROM practices_casestudy_citizen_groups cg JOIN practices_citizengroup g ON g.id = cg.citizengroup_id
        WHERE cg.casestudy_id = cs.id) groups ON true
  LEFT JOIN LATERAL (
       SELECT array_agg(fl.framework_id ORDER BY fl.framework_id) AS ids
         FROM practices_frameworklink fl WHERE fl.case_study_id = cs.id) links ON true
 WHERE cs.id = ANY(%(ids)s)
"""

_FRAMEWORK_SOURCE = """
SELECT f.id, f.status, f.created_at AS published_at, '' AS funding_source, NULL::smallint AS start_year,
       '' AS council_kind, '' AS region,
       setweight(to_tsvector('english_unaccent', f.title), 'A')
    || setweight(to_tsvector('english_unaccent', f.summary || ' ' || coalesce(tags.names, '')), 'B')
    || setweight(to_tsvector('english_unaccent', concat_ws(' ',
           f.reusable_core, f.what_varies, f.pitfalls, silos.names)), 'C') AS vector,
       setweight(to_tsvector('english_unaccent', f.title), 'A')
    || setweight(to_tsvector('english_unaccent', left(f.summary, 2000) || ' ' || left(coalesce(tags.names, ''), 1000)), 'B')
       AS rank_vector,
       coalesce(silos.ids, '{}') AS silo_ids,
       coalesce(tags.ids, '{}') AS tag_ids,
       '{}'::bigint[] AS framework_ids,
       '{}'::bigint[] AS citizen_group_ids,
       concat_ws(' ', f.title, f.summary, tags.names) AS vocabulary
  FROM practices_framework f
  LEFT JOIN LATERAL (
       SELECT string_agg(t.name, ' ') AS names, array_agg(t.id::bigint ORDER BY t.id) AS ids
         FROM taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id
        WHERE ti.content_type_id = %(ct)s AND ti.object_id = f.id) tags ON true
  LEFT JOIN LATERAL (
       SELECT string_agg(s.name, ' ') AS names, array_agg(s.id ORDER BY s.id) AS ids
         FROM practices_framework_silos fs JOIN councils_servicesilo s ON s.id = fs.servicesilo_id
        WHERE fs.framework_id = f.id) silos ON true
 WHERE f.id = ANY(%(ids)s)
"""

# One statement per kind: its search document (or its removal when it is not
# published), its new words and, for frameworks, the item's own vector.
_UPDATE_SQL = """
WITH src AS MATERIALIZED ({source}),{own}
gone AS (
    DELETE FROM practices_searchdocument d USING src
     WHERE d.{fk} = src.id AND src.status <> 'published'
),
words AS (
    INSERT INTO practices_searchterm (term)
    SELECT DISTINCT w FROM src,
           regexp_split_to_table(lower(practices_unaccent(src.vocabulary)), '[^a-z]+') AS w
     WHERE src.status = 'published' AND length(w) BETWEEN 3 AND 60
    ON CONFLICT DO NOTHING
)
INSERT INTO practices_searchdocument AS d
       (kind, {fk}, vector, rank_vector, published_at, silo_ids, council_kind, region, funding_source, year,
        tag_ids, framework_ids, citizen_group_ids)
SELECT %(kind)s, src.id, src.vector, src.rank_vector, src.published_at, src.silo_ids, coalesce(src.council_kind, ''),
       coalesce(src.region, ''), src.funding_source, src.start_year,
       src.tag_ids, src.framework_ids, src.citizen_group_ids
  FROM src WHERE src.status = 'published'
ON CONFLICT ({fk}) DO UPDATE SET
       vector = EXCLUDED.vector, rank_vector = EXCLUDED.rank_vector, published_at = EXCLUDED.published_at, silo_ids = EXCLUDED.silo_ids,
       council_kind = EXCLUDED.council_kind, region = EXCLUDED.region, funding_source = EXCLUDED.funding_source,
       year = EXCLUDED.year, tag_ids = EXCLUDED.tag_ids, framework_ids = EXCLUDED.framework_ids,
       citizen_group_ids = EXCLUDED.citizen_group_ids
"""

_FRAMEWORK_OWN = """
own AS (
    UPDATE practices_framework AS item SET search_vector = src.vector FROM src WHERE item.id = src.id
),"""
_CASE_STUDY_UPDATE = _UPDATE_SQL.format(source=_CASE_STUDY_SOURCE, own="", fk="case_study_id")
_FRAMEWORK_UPDATE = _UPDATE_SQL.format(source=_FRAMEWORK_SOURCE, own=_FRAMEWORK_OWN, fk="framework_id")


def _batches(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), BATCH_SIZE):
        yield ordered[start : start + BATCH_SIZE]


def search_index_update(*, case_study_ids: Iterable[int] = (), framework_ids: Iterable[int] = (), using=None) -> None:
    """Recompute the search vectors, documents and vocabulary of the given items."""
    using = using or DEFAULT_DB_ALIAS
    case_study_ids, framework_ids = list(case_study_ids), list(framework_ids)
    work = [
        (CaseStudy, _CASE_STUDY_UPDATE, "case-study", case_study_ids),
        (Framework, _FRAMEWORK_UPDATE, "framework", framework_ids),
    ]
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        for model, sql, kind, ids in work:
            batches = list(_batches(ids))
            if not batches:
                continue
            ct = ContentType.objects.db_manager(using).get_for_model(model).pk
            for batch in batches:
                cursor.execute(sql, {"ct": ct, "ids": batch, "kind": kind})
        # The same items' meaning, in the same transaction (a no-op without pgvector).
        embeddings_update(case_study_ids=case_study_ids, framework_ids=framework_ids, using=using)


def search_index_update_tagged(*, tag_ids: Iterable[int], using=None) -> None:
    """Re-index everything carrying these tags: call after renaming tags or merging them into one."""
    from taggit.models import TaggedItem

    using = using or DEFAULT_DB_ALIAS
    items = TaggedItem.objects.using(using).filter(tag_id__in=list(tag_ids))
    case_study_ct = ContentType.objects.db_manager(using).get_for_model(CaseStudy)
    framework_ct = ContentType.objects.db_manager(using).get_for_model(Framework)
    search_index_update(
        case_study_ids=items.filter(content_type=case_study_ct).values_list("object_id", flat=True),
        framework_ids=items.filter(content_type=framework_ct).values_list("object_id", flat=True),
        using=using,
    )


def search_index_rebuild(*, using=None) -> None:
    """Re-index every case study and framework (after a silo or council is renamed, or to repair)."""
    using = using or DEFAULT_DB_ALIAS
    search_index_update(
        case_study_ids=CaseStudy.objects.using(using).values_list("pk", flat=True),
        framework_ids=Framework.objects.using(using).values_list("pk", flat=True),
        using=using,
    )
