"""The stored, weighted search documents of case studies and frameworks."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from practices.models import CaseStudy, Framework

# Search documents: title weighs most, then summary and tags, then the body.
_CASE_STUDY_VECTOR_SQL = """
UPDATE practices_casestudy AS cs SET search_vector =
    setweight(to_tsvector('english', unaccent(cs.title)), 'A')
 || setweight(to_tsvector('english', unaccent(cs.summary || ' ' || coalesce(
        (SELECT string_agg(t.name, ' ') FROM taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id
          WHERE ti.content_type_id = %(ct)s AND ti.object_id = cs.id), ''))), 'B')
 || setweight(to_tsvector('english', unaccent(
        cs.problem || ' ' || cs.approach || ' ' || cs.outcomes || ' '
        || array_to_string(cs.lessons, ' ') || ' ' || array_to_string(cs.things_to_avoid, ' ')
        || ' ' || coalesce((SELECT s.name FROM councils_servicesilo s WHERE s.id = cs.primary_silo_id), '')
        || ' ' || coalesce((SELECT c.name FROM councils_council c WHERE c.id = cs.lead_council_id), ''))), 'C')
WHERE cs.id = ANY(%(ids)s)
"""

_FRAMEWORK_VECTOR_SQL = """
UPDATE practices_framework AS f SET search_vector =
    setweight(to_tsvector('english', unaccent(f.title)), 'A')
 || setweight(to_tsvector('english', unaccent(f.summary || ' ' || coalesce(
        (SELECT string_agg(t.name, ' ') FROM taggit_taggeditem ti JOIN taggit_tag t ON t.id = ti.tag_id
          WHERE ti.content_type_id = %(ct)s AND ti.object_id = f.id), ''))), 'B')
 || setweight(to_tsvector('english', unaccent(f.reusable_core || ' ' || f.what_varies || ' ' || f.pitfalls)), 'C')
WHERE f.id = ANY(%(ids)s)
"""


def search_index_update(*, case_study_ids=(), framework_ids=()) -> None:
    """Recompute the stored search documents of the given items in one statement each."""
    with connection.cursor() as cursor:
        if case_study_ids:
            ct = ContentType.objects.get_for_model(CaseStudy).pk
            cursor.execute(_CASE_STUDY_VECTOR_SQL, {"ct": ct, "ids": list(case_study_ids)})
        if framework_ids:
            ct = ContentType.objects.get_for_model(Framework).pk
            cursor.execute(_FRAMEWORK_VECTOR_SQL, {"ct": ct, "ids": list(framework_ids)})
