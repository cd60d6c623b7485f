"""Keep the embedding of every published case study and framework current (pgvector servers only).

search_index_update calls embeddings_update with the documents it wrote, in the
same transaction. There a write only marks the items (EmbeddingStaleMark), and
the worker embeds them as soon as the write has committed
(embeddings_refresh_marked, usually within a second): the model's ~40 ms of CPU
a write-up stays out of every publish, edit, import, tag merge and link. With
EMBEDDINGS_AFTER_COMMIT off (tests, which run no worker) they are embedded
inside the write instead. The text
embedded is the item's title, summary, tags, then its problem, approach and
outcomes (a framework's reusable core and what varies), cut by the model at
128 word pieces. An item whose text has not changed (same SHA-256) is not
embedded again.

Bulk writers (generate_bench_data) wrap their work in ``embeddings_deferred()``
and then call embeddings_refresh, which embeds in batches with a progress
report; ``manage.py embed_documents`` runs the same and is safe to rerun: it
embeds only what is missing or stale.

With ``jobs`` above 1, embeddings_refresh hands each chunk's texts to that many
worker processes (one model and one thread each; the model is CPU-bound, so one
process per core) and keeps reading and writing in this process, still one
transaction per chunk in id order: the vectors are the ones the serial run
stores, and an interrupted run keeps every chunk it wrote.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from practices.models import EmbeddingStaleMark
from practices.semantic import model, storage

logger = logging.getLogger(__name__)

_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("embeddings_deferred", default=False)

_TEXT_SQL = """
SELECT d.id,
       CASE WHEN d.kind = 'case-study' THEN
            concat_ws('. ', cs.title, cs.summary, cs.approach, ctags.names, cs.problem)
       ELSE concat_ws('. ', f.title, f.summary, f.reusable_core, ftags.names) END AS text,
       e.source_hash
  FROM practices_searchdocument d
  LEFT JOIN practices_casestudy cs ON cs.id = d.case_study_id
  LEFT JOIN practices_framework f ON f.id = d.framework_id
  LEFT JOIN practices_searchembedding e ON e.document_id = d.id
  LEFT JOIN LATERAL (
       SELECT string_agg(t.name, ', ' ORDER BY t.name) AS names FROM taggit_taggeditem ti
         JOIN taggit_tag t ON t.id = ti.tag_id
        WHERE d.case_study_id IS NOT NULL AND ti.object_id = d.case_study_id
          AND ti.content_type_id = (SELECT id FROM django_content_type
                                     WHERE app_label = 'practices' AND model = 'casestudy')) ctags ON true
  LEFT JOIN LATERAL (
       SELECT string_agg(t.name, ', ' ORDER BY t.name) AS names FROM taggit_taggeditem ti
         JOIN taggit_tag t ON t.id = ti.tag_id
        WHERE d.framework_id IS NOT NULL AND ti.object_id = d.framework_id
          AND ti.content_type_id = (SELECT id FROM django_content_type
                                     WHERE app_label = 'practices' AND model = 'framework')) ftags ON true
 WHERE {where}
 ORDER BY d.id
 {limit}
"""

_UPSERT_SQL = f"""
INSERT INTO {storage.TABLE} (document_id, source_hash, embedding)
SELECT u.id, u.hash, u.vec::vector
  FROM unnest(%(ids)s::bigint[], %(hashes)s::text[], %(vectors)s::text[]) AS u(id, hash, vec)
ON CONFLICT (document_id) DO UPDATE SET source_hash = EXCLUDED.source_hash, embedding = EXCLUDED.embedding
"""


def _hash(text: str) -> str:
    return hashlib.sha256(f"{model.MODEL_VERSION}:{text}".encode()).hexdigest()


@contextmanager
def embeddings_deferred() -> Iterator[None]:
    """Within this block, writes leave embedding to a later embeddings_refresh (bulk loads)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def _stale(rows: Iterable[tuple[int, str, str | None]]) -> list[tuple[int, str, str]]:
    out = []
    for pk, text, old_hash in rows:
        new_hash = _hash(text or "")
        if new_hash != old_hash:
            out.append((pk, text or "", new_hash))
    return out


def _store(cursor, items: list[tuple[int, str, str]], vectors=None) -> None:
    if vectors is None:
        vectors = model.embed_texts([text for _, text, _ in items])
    cursor.execute(
        _UPSERT_SQL,
        {
            "ids": [pk for pk, _, _ in items],
            "hashes": [h for _, _, h in items],
            "vectors": [storage.vector_literal(v) for v in vectors],
        },
    )


def embeddings_update(
    *, case_study_ids: Iterable[int] = (), framework_ids: Iterable[int] = (), using: str | None = None
) -> int:
    """Keep these items' embeddings current; returns how many were embedded now.

    With ``EMBEDDINGS_AFTER_COMMIT`` (the default outside tests) a write only
    marks the items, inside its own transaction, and the worker embeds them once
    it has committed (embeddings_refresh_marked); otherwise they are embedded
    here. Does nothing (and returns 0) without pgvector or inside
    embeddings_deferred().
    """
    using = using or DEFAULT_DB_ALIAS
    case_study_ids, framework_ids = list(case_study_ids), list(framework_ids)
    if _deferred.get() or not (case_study_ids or framework_ids) or not storage.vectors_available(using):
        return 0
    if settings.EMBEDDINGS_AFTER_COMMIT:
        EmbeddingStaleMark.objects.using(using).bulk_create(
            [EmbeddingStaleMark(case_study_id=pk) for pk in case_study_ids]
            + [EmbeddingStaleMark(framework_id=pk) for pk in framework_ids]
        )
        return 0
    return _embed_now(case_study_ids, framework_ids, using)


def _embed_now(case_study_ids: list[int], framework_ids: list[int], using: str) -> int:
    """Embed the published documents of these items whose text changed (the model cannot load: none, logged)."""
    if model.model_problem():
        logger.warning("Embeddings not updated: %s", model.model_problem())
        return 0
    sql = _TEXT_SQL.format(
        where="(d.case_study_id = ANY(%(cs)s) OR d.framework_id = ANY(%(fw)s))",
        limit="",
    )
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(sql, {"cs": case_study_ids, "fw": framework_ids})
        items = _stale(cursor.fetchall())
        if items:
            _store(cursor, items)
    return len(items)


# Marks taken per pass: one transaction, a few seconds of the model at most.
MARKED_BATCH = 64


def embeddings_refresh_marked(*, using: str | None = None) -> int:
    """Embed the items writes have marked since, in batches; returns how many documents were embedded.

    For the worker, after commit. Marks are taken with SKIP LOCKED, so several
    workers share them, and deleted in the transaction that stores the vectors:
    a worker stopped half way leaves its marks for the next pass. An item that
    has been unpublished or deleted since has no document and is skipped.
    """
    using = using or DEFAULT_DB_ALIAS
    if not storage.vectors_available(using):
        return 0
    embedded = 0
    while True:
        with transaction.atomic(using=using):
            marks = list(
                EmbeddingStaleMark.objects.using(using)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", "case_study_id", "framework_id")[:MARKED_BATCH]
            )
            if not marks:
                return embedded
            embedded += _embed_now(
                sorted({cs for _, cs, _ in marks if cs}), sorted({fw for _, _, fw in marks if fw}), using
            )
            EmbeddingStaleMark.objects.using(using).filter(pk__in=[pk for pk, _, _ in marks]).delete()


@dataclass
class RefreshReport:
    checked: int = 0
    embedded: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        rate = self.embedded / self.seconds if self.seconds else 0
        return (
            f"{self.embedded:,} of {self.checked:,} published documents embedded "
            f"in {self.seconds:,.1f} s ({rate:,.1f} a second)"
        )


def default_jobs() -> int:
    """Worker processes for a bulk refresh: one per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# A backlog at least this large, and at least as large as what is already
# stored (a first embedding, a bulk import, `--force`), is stored with the HNSW
# index dropped and the index is built afterwards: building it from 100,000
# vectors took 23 s here, where inserting them one by one cost about 140 s of
# the database's CPU beside the model (docs/decisions/0014). Meanwhile a search
# by meaning reads the vectors without the index: exact, and slower.
INDEX_REBUILD_BACKLOG = 10_000


def embeddings_refresh(
    *,
    force: bool = False,
    chunk: int = 256,
    progress: Callable[[int, int, int], None] | None = None,
    using: str | None = None,
    jobs: int = 1,
) -> RefreshReport:
    """Embed every published document that has no embedding or a stale one (all of them with force).

    Works through the documents in id order, one transaction per chunk, so an
    interrupted run keeps what it finished and a rerun carries on. ``progress``
    is called after each chunk with (checked, embedded, total). ``jobs`` above 1
    embeds the chunks in that many worker processes (see the module's note).
    """
    using = using or DEFAULT_DB_ALIAS
    report = RefreshReport()
    if not storage.vectors_available(using):
        return report
    started = time.perf_counter()
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM practices_searchdocument")
        total = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {storage.TABLE}")
        stored = cursor.fetchone()[0]
    backlog = total if force else total - stored
    rebuild = backlog >= max(INDEX_REBUILD_BACKLOG, stored)
    if rebuild:
        storage.index_drop(using)
    try:
        _refresh_chunks(force=force, chunk=chunk, using=using, jobs=jobs, total=total, report=report, progress=progress)
    finally:
        if rebuild:
            storage.index_build(using)
    if report.embedded:
        storage.centre_refresh(using)
    report.seconds = time.perf_counter() - started
    return report


def _refresh_chunks(
    *,
    force: bool,
    chunk: int,
    using: str,
    jobs: int,
    total: int,
    report: RefreshReport,
    progress: Callable[[int, int, int], None] | None,
) -> None:
    chunks = _chunks(force=force, chunk=chunk, using=using)

    def written(rows: list, items: list) -> None:
        report.checked += len(rows)
        report.embedded += len(items)
        if progress:
            progress(report.checked, report.embedded, total)

    # One chunk or less is embedded here: starting workers, each loading the
    # model, would cost more than it saves.
    if jobs <= 1 or total <= chunk:
        model.encoder()  # fail now, with the reason, rather than after the first chunk
        for rows, items in chunks:
            if items:
                with transaction.atomic(using=using), connections[using].cursor() as cursor:
                    _store(cursor, items)
            written(rows, items)
    else:
        problem = model.files_problem()
        if problem:
            raise model.ModelUnavailable(problem)
        _refresh_in_workers(chunks, jobs=jobs, using=using, written=written)


def _chunks(*, force: bool, chunk: int, using: str) -> Iterator[tuple[list, list[tuple[int, str, str]]]]:
    """(rows read, items to embed) for each chunk of documents, in id order."""
    sql = _TEXT_SQL.format(where="d.id > %(after)s", limit="LIMIT %(chunk)s")
    last_id = 0
    while True:
        with connections[using].cursor() as cursor:
            cursor.execute(sql, {"after": last_id, "chunk": chunk})
            rows = cursor.fetchall()
        if not rows:
            return
        last_id = rows[-1][0]
        yield rows, ([(pk, text or "", _hash(text or "")) for pk, text, _ in rows] if force else _stale(rows))


def _refresh_in_workers(chunks: Iterator, *, jobs: int, using: str, written: Callable[[list, list], None]) -> None:
    """Embed chunks in ``jobs`` processes while this one reads the next chunks and writes finished ones, in order.

    Each chunk's texts are shared out between the workers, so a chunk is done
    about ``jobs`` times sooner and none waits alone at the end. The workers
    are started afresh (spawn), not forked: a fork would copy this process's
    database connection and ONNX Runtime's state; each loads the model once
    (about 2 s) and only turns texts into vectors.
    """
    pending: deque[tuple[list, list, list[Future]]] = deque()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            for rows, items in chunks:
                texts = [text for _, text, _ in items]
                share = max(_MIN_SHARE, -(-len(texts) // jobs))
                futures = [pool.submit(model.embed_texts, texts[i : i + share]) for i in range(0, len(texts), share)]
                pending.append((rows, items, futures))
                # Two chunks in flight: the workers start on the next while this process writes one.
                while len(pending) > 2:
                    _write_done(pending.popleft(), using, written)
            while pending:
                _write_done(pending.popleft(), using, written)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


# Fewer texts than this per worker task would cost more in passing them around than it saves.
_MIN_SHARE = 16


def _write_done(entry: tuple[list, list, list[Future]], using: str, written: Callable[[list, list], None]) -> None:
    rows, items, futures = entry
    if futures:
        import numpy as np

        vectors = np.concatenate([future.result() for future in futures])
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            _store(cursor, items, vectors)
    written(rows, items)
