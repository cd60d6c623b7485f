"""Tag postings index and the small aggregates the discovery panels and insights read.

The aggregates are PostgreSQL materialised views (a few thousand rows at most:
silos x tags, silos x frameworks, silo pairs, councils) refreshed by
practices.services.discovery_stats.discovery_stats_refresh. Counting them live
would mean aggregating every published case study on each page view.
"""

from django.db import migrations

CASE_STUDY_CT = "(SELECT id FROM django_content_type WHERE app_label = 'practices' AND model = 'casestudy')"

SILO_TAG_STATS = f"""
CREATE MATERIALIZED VIEW practices_silo_tag_stats AS
SELECT cs.primary_silo_id AS silo_id, ti.tag_id, count(*)::integer AS case_studies
  FROM taggit_taggeditem ti
  JOIN practices_casestudy cs ON cs.id = ti.object_id
 WHERE ti.content_type_id = {CASE_STUDY_CT} AND cs.status = 'published'
 GROUP BY cs.primary_silo_id, ti.tag_id
UNION ALL
-- tag_id 0 holds the silo's total, so rarity needs no count over all case studies.
SELECT cs.primary_silo_id, 0, count(*)::integer
  FROM practices_casestudy cs
 WHERE cs.status = 'published'
 GROUP BY cs.primary_silo_id;
CREATE UNIQUE INDEX practices_silo_tag_stats_key ON practices_silo_tag_stats (silo_id, tag_id);
CREATE INDEX practices_silo_tag_stats_tag ON practices_silo_tag_stats (tag_id, silo_id) INCLUDE (case_studies);
"""

# Adoptions count as evidence once they are in progress or live: a plan proves
# nothing yet and a stopped adoption is not a success.
SILO_FRAMEWORK_STATS = """
CREATE MATERIALIZED VIEW practices_silo_framework_stats AS
SELECT silo_id, framework_id,
       sum(implementations)::integer AS implementations,
       sum(adoptions)::integer AS adoptions
  FROM (
    SELECT cs.primary_silo_id AS silo_id, fl.framework_id, count(*) AS implementations, 0 AS adoptions
      FROM practices_frameworklink fl
      JOIN practices_casestudy cs ON cs.id = fl.case_study_id
     WHERE cs.status = 'published'
     GROUP BY 1, 2
    UNION ALL
    SELECT a.silo_id, a.framework_id, 0, count(*)
      FROM practices_adoption a
     WHERE a.framework_id IS NOT NULL AND a.status IN ('in-progress', 'live')
     GROUP BY 1, 2
    UNION ALL
    SELECT a.silo_id, fl.framework_id, 0, count(*)
      FROM practices_adoption a
      JOIN practices_frameworklink fl ON fl.case_study_id = a.case_study_id
     WHERE a.status IN ('in-progress', 'live')
     GROUP BY 1, 2
  ) AS parts
 GROUP BY silo_id, framework_id;
CREATE UNIQUE INDEX practices_silo_framework_stats_key ON practices_silo_framework_stats (silo_id, framework_id);
CREATE INDEX practices_silo_framework_stats_framework ON practices_silo_framework_stats (framework_id, silo_id);
"""

# Flows and council reuse count plans too: knowledge has travelled even if the
# work has not started.
SILO_ADOPTION_FLOWS = """
CREATE MATERIALIZED VIEW practices_silo_adoption_flows AS
SELECT cs.primary_silo_id AS from_silo_id, a.silo_id AS to_silo_id, count(*)::integer AS adoptions
  FROM practices_adoption a
  JOIN practices_casestudy cs ON cs.id = a.case_study_id
 WHERE a.status <> 'stopped'
 GROUP BY 1, 2;
CREATE UNIQUE INDEX practices_silo_adoption_flows_key ON practices_silo_adoption_flows (from_silo_id, to_silo_id);
"""

COUNCIL_STATS = """
CREATE MATERIALIZED VIEW practices_council_stats AS
SELECT council_id, sum(contributed)::integer AS contributed, sum(reused)::integer AS reused
  FROM (
    SELECT lead_council_id AS council_id, count(*) AS contributed, 0 AS reused
      FROM practices_casestudy
     WHERE status = 'published' AND lead_council_id IS NOT NULL
     GROUP BY 1
    UNION ALL
    SELECT council_id, 0, count(*)
      FROM practices_adoption
     WHERE status <> 'stopped'
     GROUP BY 1
  ) AS parts
 GROUP BY council_id;
CREATE UNIQUE INDEX practices_council_stats_key ON practices_council_stats (council_id);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0003_constraint_messages"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # Tag postings: "which items carry tag t" for one content type, answered
        # from the index alone. taggit's own indexes serve "which tags does item i carry".
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS taggit_taggeditem_ct_tag_obj "
            "ON taggit_taggeditem (content_type_id, tag_id, object_id)",
            "DROP INDEX IF EXISTS taggit_taggeditem_ct_tag_obj",
        ),
        migrations.RunSQL(SILO_TAG_STATS, "DROP MATERIALIZED VIEW IF EXISTS practices_silo_tag_stats"),
        migrations.RunSQL(SILO_FRAMEWORK_STATS, "DROP MATERIALIZED VIEW IF EXISTS practices_silo_framework_stats"),
        migrations.RunSQL(SILO_ADOPTION_FLOWS, "DROP MATERIALIZED VIEW IF EXISTS practices_silo_adoption_flows"),
        migrations.RunSQL(COUNCIL_STATS, "DROP MATERIALIZED VIEW IF EXISTS practices_council_stats"),
    ]
