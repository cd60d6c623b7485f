"""One GIN index over the words and every facet column, in place of the words-only one.

btree_gin (a trusted contrib extension, in PostgreSQL 13 and later) lets the
plain facet columns sit in the same GIN index as the tsvector and the id
arrays. A search that is narrowed by filters then finds the rows that have its
words and pass its filters in one index scan. Building the index reads the
whole search table: at 1,000,000 documents it takes about a minute.
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("practices", "0012_embedding_stale_marks"),
    ]

    operations = [
        BtreeGinExtension(),
        migrations.RemoveIndex(
            model_name="searchdocument",
            name="searchdocument_vector_gin",
        ),
        migrations.AddIndex(
            model_name="searchdocument",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=[
                    "vector",
                    "kind",
                    "silo_ids",
                    "council_kind",
                    "region",
                    "funding_source",
                    "year",
                    "tag_ids",
                    "framework_ids",
                    "citizen_group_ids",
                ],
                name="searchdocument_search_gin",
            ),
        ),
    ]
