"""Search: the english_unaccent text search configuration, an immutable unaccent
wrapper, the narrow search document table and the typo vocabulary.

Documents and queries both go through english_unaccent, so "café" and "cafe"
meet on the same lexeme. The last step fills the new tables from
what is already in the database (a fresh database has nothing to fill).
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


CONFIGURATION_SQL = """
CREATE OR REPLACE FUNCTION practices_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'english_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = english);
        -- unaccent only filters, then the English stemmer sees the folded word.
        ALTER TEXT SEARCH CONFIGURATION english_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
    END IF;
END $$;
"""

REVERSE_CONFIGURATION_SQL = """
DROP TEXT SEARCH CONFIGURATION IF EXISTS english_unaccent;
DROP FUNCTION IF EXISTS practices_unaccent(text);
"""


def fill_search_tables(apps, schema_editor):
    # Uses the live service rather than a frozen copy: it only runs on databases
    # that already held content when search arrived.
    from practices.services.search_index import search_index_rebuild

    search_index_rebuild(using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('practices', '0004_discovery_stats'),
    ]

    operations = [
        migrations.RunSQL(CONFIGURATION_SQL, REVERSE_CONFIGURATION_SQL),
        migrations.CreateModel(
            name='SearchTerm',
            fields=[
                ('term', models.CharField(max_length=60, primary_key=True, serialize=False)),
            ],
            options={
                'indexes': [django.contrib.postgres.indexes.GinIndex(fields=['term'], name='searchterm_trgm', opclasses=['gin_trgm_ops'])],
            },
        ),
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('case-study', 'Case study'), ('framework', 'Framework')], max_length=10)),
                ('vector', django.contrib.postgres.search.SearchVectorField()),
                ('rank_vector', django.contrib.postgres.search.SearchVectorField()),
                ('published_at', models.DateTimeField(blank=True, null=True)),
                ('silo_ids', django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), blank=True, default=list, size=None)),
                ('council_kind', models.CharField(blank=True, max_length=20)),
                ('region', models.CharField(blank=True, max_length=20)),
                ('funding_source', models.CharField(blank=True, max_length=20)),
                ('year', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('tag_ids', django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), blank=True, default=list, size=None)),
                ('framework_ids', django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), blank=True, default=list, size=None)),
                ('citizen_group_ids', django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), blank=True, default=list, size=None)),
                ('case_study', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='search_document', to='practices.casestudy')),
                ('framework', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='search_document', to='practices.framework')),
            ],
            options={
                'indexes': [django.contrib.postgres.indexes.GinIndex(fields=['vector'], name='searchdocument_vector_gin'), models.Index(fields=['-published_at', '-id'], include=['kind', 'case_study', 'framework', 'silo_ids', 'council_kind', 'region', 'funding_source', 'year', 'tag_ids', 'framework_ids', 'citizen_group_ids'], name='searchdocument_newest')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('case_study__isnull', False), ('framework__isnull', True), ('kind', 'case-study')), models.Q(('case_study__isnull', True), ('framework__isnull', False), ('kind', 'framework')), _connector='OR'), name='searchdocument_one_target')],
            },
        ),
        # What every match reads - the ranking vector and the facet arrays -
        # stays in the row uncompressed, so reading it costs no decompression.
        migrations.RunSQL(
            """
            ALTER TABLE practices_searchdocument
                ALTER COLUMN rank_vector SET STORAGE PLAIN,
                ALTER COLUMN silo_ids SET STORAGE PLAIN,
                ALTER COLUMN tag_ids SET STORAGE PLAIN,
                ALTER COLUMN framework_ids SET STORAGE PLAIN,
                ALTER COLUMN citizen_group_ids SET STORAGE PLAIN;
            """,
            migrations.RunSQL.noop,
        ),
        migrations.RunPython(fill_search_tables, migrations.RunPython.noop),
    ]
