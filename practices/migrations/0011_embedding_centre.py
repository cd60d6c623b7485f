"""The mean vector the discovery panels centre on: a one-row materialized view, where pgvector is offered.

Runs practices.semantic.storage's ensure step again, which now also creates
``practices_embedding_centre``; on a server without pgvector it does nothing.
The view is filled by the next refresh of the discovery summaries (the worker,
``embed_documents`` or ``refresh_discovery_stats``).
"""

from django.db import migrations


def add_centre_view(apps, schema_editor):
    from practices.semantic.storage import vector_storage_ensure

    vector_storage_ensure(schema_editor.connection)


def drop_centre_view(apps, schema_editor):
    schema_editor.execute("DROP MATERIALIZED VIEW IF EXISTS practices_embedding_centre")


class Migration(migrations.Migration):

    dependencies = [
        ("practices", "0010_search_embeddings"),
    ]

    operations = [
        migrations.RunPython(add_centre_view, drop_centre_view),
    ]
