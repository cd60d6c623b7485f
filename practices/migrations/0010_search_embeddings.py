"""Embeddings: the practices_searchembedding table everywhere; pgvector's column and HNSW index where offered.

On a server whose ``pg_available_extensions`` lists ``vector`` this creates the
extension, adds ``embedding vector(384)`` and its HNSW index (see
practices.semantic.storage). Elsewhere (PostgreSQL 15 without pgvector) the table
stays as it is and empty, and the migration succeeds all the same. Existing
content is embedded by ``manage.py embed_documents``, not here: embedding
takes minutes at scale and needs no lock.
"""

import django.db.models.deletion
from django.db import migrations, models


def add_vector_storage(apps, schema_editor):
    from practices.semantic.storage import vector_storage_ensure

    vector_storage_ensure(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("practices", "0009_framework_version_stale_summaries"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEmbedding",
            fields=[
                (
                    "document",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="embedding",
                        serialize=False,
                        to="practices.searchdocument",
                    ),
                ),
                ("source_hash", models.CharField(max_length=64)),
            ],
        ),
        # The search index deletes documents in SQL; their vectors go with them.
        migrations.RunSQL(
            """
            ALTER TABLE practices_searchembedding ADD CONSTRAINT searchembedding_document_fk
                FOREIGN KEY (document_id) REFERENCES practices_searchdocument (id) ON DELETE CASCADE;
            """,
            "ALTER TABLE practices_searchembedding DROP CONSTRAINT IF EXISTS searchembedding_document_fk;",
        ),
        migrations.RunPython(add_vector_storage, migrations.RunPython.noop),
    ]
