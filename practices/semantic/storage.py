"""Where embeddings live: pgvector's vector column on practices_searchembedding, when the server has pgvector.

The column, the extension and the HNSW index are created only when the server
offers the ``vector`` extension (``pg_available_extensions``); on a server
without it (this machine's PostgreSQL 15, say) the portal searches and
discovers on words and tags alone, and says so once, in a system check
warning and on /healthz.

Vectors are unit length, so the HNSW index uses the inner product
(``vector_ip_ops``; ``<#>`` is the negated inner product, that is minus the
cosine).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from practices.semantic.model import DIMENSIONS

TABLE = "practices_searchembedding"
# The mean of the case studies' vectors (the newest CENTRE_SAMPLE of them), one
# row, refreshed with the discovery summaries (practices.services.discovery_stats).
# Every write-up the model reads shares a large common direction ("a council
# did something for residents"); the discovery panels measure closeness after
# taking it away, so what two write-ups share beyond being council write-ups
# decides (docs/decisions/0011-centred-similarity-for-discovery.md).
CENTRE_VIEW = "practices_embedding_centre"
CENTRE_SAMPLE = 20_000
# The mean of a few write-ups is mostly those write-ups: taking it away would
# push them apart (with four, their centred vectors sum to zero). The centre is
# scaled by n / (n + CENTRE_SHRINK), so a new portal compares nearly plain
# vectors and one with hundreds of write-ups the fully centred ones.
CENTRE_SHRINK = 20

INDEX = "searchembedding_hnsw"
_INDEX_SQL = f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING hnsw (embedding vector_ip_ops)"
# Memory for building the index in one go: the graph of 100,000 vectors is
# about 200 MB, and a build that fits in memory runs several times faster.
INDEX_BUILD_MEMORY = "512MB"

_ENSURE_SQL = f"""
CREATE EXTENSION IF NOT EXISTS vector;
ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS embedding vector({DIMENSIONS});
{_INDEX_SQL};
CREATE MATERIALIZED VIEW IF NOT EXISTS {CENTRE_VIEW} AS
SELECT 1 AS id, count(*)::integer AS documents,
       avg(recent.embedding)
       * array_fill((count(*)::float8 / (count(*) + {CENTRE_SHRINK}))::real, ARRAY[{DIMENSIONS}])::vector AS centre
  FROM (SELECT e.embedding FROM {TABLE} e
          JOIN practices_searchdocument d ON d.id = e.document_id
         WHERE d.kind = 'case-study'
         ORDER BY e.document_id DESC
         LIMIT {CENTRE_SAMPLE}) AS recent;
CREATE UNIQUE INDEX IF NOT EXISTS embedding_centre_id ON {CENTRE_VIEW} (id);
"""

_available: dict[tuple[str, str], bool] = {}


def _key(using: str) -> tuple[str, str]:
    conn = connections[using]
    return using, str(conn.settings_dict.get("NAME"))


def server_has_pgvector(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector')")
        return bool(cursor.fetchone()[0])


def vector_storage_ensure(connection) -> bool:
    """Create the extension, the column, its index and the centre view where pgvector is on offer; True when they exist."""
    if not server_has_pgvector(connection):
        return False
    try:
        # A savepoint, so a role that may not create extensions leaves the
        # migration (and the words-only portal) standing.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(_ENSURE_SQL)
    except Exception:  # noqa: BLE001 - any failure here means "no vectors", which the check reports
        return False
    _available.pop(_key(connection.alias), None)
    return True


def vectors_available(using: str | None = None) -> bool:
    """Whether this database keeps embeddings (the vector column exists). Asked once per process."""
    if not getattr(settings, "SEMANTIC_SEARCH", True):
        return False
    using = using or DEFAULT_DB_ALIAS
    key = _key(using)
    if key not in _available:
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) "
                "AND attname = 'embedding' AND NOT attisdropped)",
                [TABLE],
            )
            _available[key] = bool(cursor.fetchone()[0])
    return _available[key]


def centre_refresh(using: str | None = None) -> None:
    """Recompute the mean vector the discovery panels centre on (no-op without pgvector)."""
    using = using or DEFAULT_DB_ALIAS
    if not vectors_available(using):
        return
    with connections[using].cursor() as cursor:
        cursor.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {CENTRE_VIEW}")


def index_drop(using: str | None = None) -> None:
    """Drop the HNSW index, before storing a large backlog of vectors (index_build puts it back)."""
    with connections[using or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def index_build(using: str | None = None) -> None:
    """Build the HNSW index if it is missing, from the vectors stored (PostgreSQL may use parallel workers)."""
    with transaction.atomic(using=using or DEFAULT_DB_ALIAS), connections[using or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        cursor.execute(_INDEX_SQL)


def forget_availability() -> None:
    """Ask the database again next time (after a migration, or in tests)."""
    _available.clear()


def vector_literal(values: Sequence[float]) -> str:
    """pgvector's text form, '[0.1,0.2,...]', which casts to vector without a client library."""
    return "[" + ",".join(f"{float(v):.6g}" for v in values) + "]"
