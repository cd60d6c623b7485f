"""Meaning: the embedding model, keeping vectors current, hybrid search and panels, and the words-and-tags fallback."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from councils.factories import ServiceSiloFactory
from practices.checks import semantic_search_check
from practices.factories import CaseStudyFactory
from practices.models import CaseStudy, EmbeddingStaleMark, SearchEmbedding
from practices.selectors.discovery import case_studies_similar_elsewhere, case_study_discovery
from practices.selectors.search import SearchRequest, search
from practices.semantic import model, storage
from practices.services.discovery_stats import discovery_stats_refresh
from practices.services.embeddings import embeddings_deferred, embeddings_refresh, embeddings_refresh_marked
from practices.services.search_index import search_index_update
from practices.services.workflow import case_study_archive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_availability():
    storage.forget_availability()
    yield
    storage.forget_availability()


@pytest.fixture
def vectors(db):
    if not storage.vectors_available():
        pytest.skip("this server has no pgvector (words-and-tags path is tested below)")


def indexed(*items):
    search_index_update(case_study_ids=[i.pk for i in items])
    return items


@pytest.fixture
def silos(db):
    return {
        "housing": ServiceSiloFactory(name="Housing", slug="housing"),
        "env": ServiceSiloFactory(name="Environmental health", slug="environmental-health"),
        "highways": ServiceSiloFactory(name="Highways", slug="highways"),
        "libraries": ServiceSiloFactory(name="Libraries", slug="libraries"),
    }


# The same idea in three silos' words, with no tag and no framework in common, and one unrelated write-up:
# slug -> (silo, title, summary, problem, approach, tags).
WRITE_UPS = {
    "cameras": (
        "env",
        "Cameras at fly-tipping hotspots",
        "Moveable cameras catch people dumping sofas and rubbish in back alleys, and fines follow.",
        "Rubbish was dumped in the same alleys every week.",
        "Cameras at the worst spots and fixed penalty notices from the footage.",
        ["fly-tipping", "cctv"],
    ),
    "estates": (
        "housing",
        "Caretakers logging rubbish dumped on estates",
        "Caretakers photograph bags and furniture dumped by bin stores so the household can be traced.",
        "Bin stores were blocked by abandoned furniture and rubbish.",
        "A phone form with a photo for every pile of dumped rubbish.",
        ["illegal dumping", "estate management"],
    ),
    "laybys": (
        "highways",
        "Tracing rubbish dumped in rural lay-bys",
        "Road crews report household rubbish dumped in lay-bys and evidence in the bags is used to prosecute.",
        "Lay-bys had become places to dump rubbish without paying.",
        "Crews record each pile of dumped waste on tablets.",
        ["waste crime", "verges"],
    ),
    "reading": (
        "libraries",
        "Summer reading challenge for children",
        "Children read six library books over the summer holidays and collect stickers.",
        "Reading levels dipped over the long summer break.",
        "Libraries ran sessions with schools and gave medals at the end.",
        ["reading", "children"],
    ),
}


@pytest.fixture
def dumping(silos):
    """WRITE_UPS as published, indexed case studies, by slug."""
    made = {
        slug: CaseStudyFactory(
            slug=slug,
            primary_silo=silos[silo],
            title=title,
            summary=summary,
            problem=problem,
            approach=approach,
            tags=tags,
        )
        for slug, (silo, title, summary, problem, approach, tags) in WRITE_UPS.items()
    }
    indexed(*made.values())
    # As the worker does after a publish: the panels' centre in meaning is that of this content.
    discovery_stats_refresh()
    return made


# --- The model ----------------------------------------------------------------


def test_the_tokenizer_splits_words_and_punctuation_into_known_pieces():
    tokenizer = model.encoder().tokenizer
    ids = tokenizer.encode("Fly-tipping, café!")
    assert ids[0] == tokenizer.cls_id and ids[-1] == tokenizer.sep_id
    pieces = {v: k for k, v in tokenizer.vocab.items()}
    words = [pieces[i] for i in ids[1:-1]]
    assert "-" in words and "," in words and "!" in words
    assert "cafe" in words  # accents folded and lower-cased, as the model was trained
    assert tokenizer.unk_id not in ids


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=200))
def test_ascii_text_takes_a_quicker_path_to_the_same_words(text):
    tokenizer = model.encoder().tokenizer
    assert tokenizer._words(text) == tokenizer._words_any(text)


def test_long_texts_are_cut_to_the_models_length():
    ids = model.encoder().tokenizer.encode("council " * 500)
    assert len(ids) == model.MAX_TOKENS


def test_sentences_about_the_same_thing_are_closer_than_unrelated_ones():
    a, b, c = model.embed_texts(
        [
            "tracking bin lorries with GPS",
            "vehicle tracking on the refuse collection fleet",
            "registering a birth at the town hall",
        ]
    )
    assert abs(float(a @ a) - 1) < 1e-4, "vectors are unit length"
    assert float(a @ b) > float(a @ c) + 0.2


def test_a_model_file_that_is_not_the_pinned_one_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    monkeypatch.setenv(model.MODEL_PATH_ENV, str(fake))
    with pytest.raises(model.ModelUnavailable, match="SHA-256"):
        model._load()


# --- The derived model (integer products) -----------------------------------------

SAMPLE_TEXTS = [
    "Cameras at fly-tipping hotspots catch people dumping sofas in back alleys.",
    "Reablement: six weeks of short-term support at home after a stay in hospital.",
    "GPS tracking on the refuse fleet shows crews which streets are left to collect.",
]


def test_the_derived_model_keeps_the_pinned_models_meaning():
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    pinned = onnxruntime.InferenceSession(str(model.model_file()), options, providers=["CPUExecutionProvider"])
    float_vectors = model.Encoder(model.encoder().tokenizer, pinned).embed(SAMPLE_TEXTS)
    derived_vectors = model.embed_texts(SAMPLE_TEXTS)
    cosines = (float_vectors * derived_vectors).sum(axis=1)
    assert cosines.min() > 0.99, cosines  # measured 0.9943-0.9965 on the demo write-ups


def test_a_texts_vector_does_not_depend_on_the_texts_embedded_with_it():
    alone = model.embed_texts([SAMPLE_TEXTS[1]])[0]
    together = model.embed_texts([SAMPLE_TEXTS[0], SAMPLE_TEXTS[1] + " ", "council " * 300, SAMPLE_TEXTS[2]])[1]
    assert (alone == together).all()


def test_deriving_the_model_gives_the_pinned_bytes_and_caches_them(tmp_path, monkeypatch):
    from practices.semantic import derive

    data = derive.derive(model.model_file().read_bytes())
    assert hashlib.sha256(data).hexdigest() == model.DERIVED_SHA256
    monkeypatch.setenv(model.MODEL_CACHE_ENV, str(tmp_path / "models"))
    assert model._derived_model() == str(model.derived_model_file())
    assert model.derived_model_file().read_bytes() == data
    model.derived_model_file().write_bytes(b"damaged")
    assert model._derived_model() == str(model.derived_model_file()), "a damaged cache file is made again"
    assert model.derived_model_file().read_bytes() == data


def test_a_cache_that_cannot_be_written_falls_back_to_the_bytes(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv(model.MODEL_CACHE_ENV, str(blocker))
    loaded = model._derived_model()
    assert isinstance(loaded, bytes) and hashlib.sha256(loaded).hexdigest() == model.DERIVED_SHA256


def test_a_graph_of_another_shape_is_refused_with_the_reason():
    from practices.semantic import derive

    classes = derive._schema()
    source = classes["Model"].FromString(model.model_file().read_bytes())
    del source.graph.node[-40:]  # the last layer's products and more
    with pytest.raises(derive.DerivationError, match="not the expected shape"):
        derive.derive(source.SerializeToString())


# --- Keeping embeddings current --------------------------------------------------


def test_writes_embed_published_case_studies_and_unpublishing_removes_the_vector(vectors, dumping):
    cameras = dumping["cameras"]
    embedding = SearchEmbedding.objects.get(document__case_study=cameras)
    CaseStudy.objects.filter(pk=cameras.pk).update(summary="Cameras on lamp columns at dumping hotspots.")
    indexed(cameras)
    assert SearchEmbedding.objects.get(document__case_study=cameras).source_hash != embedding.source_hash
    case_study_archive(case_study=CaseStudy.objects.get(pk=cameras.pk))
    assert not SearchEmbedding.objects.filter(document__case_study=cameras).exists()


def test_embed_documents_fills_what_was_deferred_and_is_safe_to_rerun(vectors, silos, capsys):
    with embeddings_deferred():
        item = CaseStudyFactory(title="Gully sensors", primary_silo=silos["highways"])
        indexed(item)
    assert not SearchEmbedding.objects.filter(document__case_study=item).exists()
    call_command("embed_documents")
    assert SearchEmbedding.objects.filter(document__case_study=item).exists()
    assert "1 of 1 published documents embedded" in capsys.readouterr().out
    assert embeddings_refresh().embedded == 0


def hnsw_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [storage.INDEX])
        return cursor.fetchone()[0]


def test_a_large_backlog_is_stored_without_the_index_and_the_index_is_built_after(vectors, silos, monkeypatch, capsys):
    from practices.services import embeddings

    with embeddings_deferred():
        items = indexed(*[CaseStudyFactory(primary_silo=silos["housing"]) for _ in range(3)])
    SearchEmbedding.objects.all().delete()
    monkeypatch.setattr(embeddings, "INDEX_REBUILD_BACKLOG", 2)
    seen_during = []
    report = embeddings_refresh(progress=lambda *_: seen_during.append(hnsw_index_exists()))
    assert report.embedded >= 3 and seen_during and not any(seen_during), "stored with the index dropped"
    assert hnsw_index_exists(), "and the index is back afterwards"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # three rows: show that the index can serve the read
        cursor.execute(
            f"EXPLAIN SELECT 1 FROM {storage.TABLE} ORDER BY embedding <#> (SELECT embedding FROM {storage.TABLE} LIMIT 1) LIMIT 5"
        )
        assert storage.INDEX in " ".join(row[0] for row in cursor.fetchall())
    assert SearchEmbedding.objects.filter(document__case_study__in=items).count() == 3

    # A small backlog beside many stored vectors keeps the index throughout.
    SearchEmbedding.objects.filter(document__case_study=items[0]).delete()
    seen_during.clear()
    assert embeddings_refresh(progress=lambda *_: seen_during.append(hnsw_index_exists())).embedded == 1
    assert all(seen_during)


def test_the_index_is_built_again_when_embedding_fails_midway(vectors, silos, monkeypatch):
    from practices.services import embeddings

    with embeddings_deferred():
        indexed(*[CaseStudyFactory(primary_silo=silos["housing"]) for _ in range(3)])
    SearchEmbedding.objects.all().delete()
    monkeypatch.setattr(embeddings, "INDEX_REBUILD_BACKLOG", 2)

    def broken(texts):
        raise RuntimeError("the model stopped")

    monkeypatch.setattr(model, "embed_texts", broken)
    with pytest.raises(RuntimeError, match="the model stopped"):
        embeddings_refresh()
    assert hnsw_index_exists()


def test_after_commit_a_write_only_marks_the_item_and_the_worker_embeds_it(vectors, silos, settings):
    settings.EMBEDDINGS_AFTER_COMMIT = True
    item = CaseStudyFactory(
        title="Sensors in road gullies",
        primary_silo=silos["highways"],
        summary="Level sensors in gullies tell crews which drains are about to overflow.",
    )
    indexed(item)
    assert not SearchEmbedding.objects.filter(document__case_study=item).exists(), "the write left the model alone"
    assert list(EmbeddingStaleMark.objects.values_list("case_study_id", flat=True)) == [item.pk]

    assert embeddings_refresh_marked() == 1, "what the worker runs after commit"
    assert SearchEmbedding.objects.filter(document__case_study=item).exists()
    assert not EmbeddingStaleMark.objects.exists()
    titles = [r.title for r in search(SearchRequest(q="drains about to flood")).results]
    assert "Sensors in road gullies" in titles


def test_a_marked_item_unpublished_before_the_worker_runs_is_skipped(vectors, silos, settings):
    settings.EMBEDDINGS_AFTER_COMMIT = True
    item = CaseStudyFactory(title="Gully sensors", primary_silo=silos["highways"])
    indexed(item)
    case_study_archive(case_study=CaseStudy.objects.get(pk=item.pk))
    assert embeddings_refresh_marked() == 0
    assert not EmbeddingStaleMark.objects.exists()
    assert not SearchEmbedding.objects.filter(document__case_study=item).exists()


def test_a_write_that_rolls_back_leaves_no_mark(vectors, silos, settings):
    settings.EMBEDDINGS_AFTER_COMMIT = True
    with pytest.raises(RuntimeError), transaction.atomic():
        indexed(CaseStudyFactory(title="Gully sensors", primary_silo=silos["highways"]))
        assert EmbeddingStaleMark.objects.exists()
        raise RuntimeError("the write failed after indexing")
    assert not EmbeddingStaleMark.objects.exists()


def stored_vectors() -> dict[int, list[float]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT document_id, embedding::text FROM {storage.TABLE}")
        return {pk: [float(x) for x in text.strip("[]").split(",")] for pk, text in cursor.fetchall()}


def test_refresh_in_worker_processes_stores_the_serial_vectors_and_is_safe_to_rerun(vectors, dumping):
    serial = stored_vectors()
    assert len(serial) == 4
    report = embeddings_refresh(force=True, chunk=1, jobs=2)
    assert (report.checked, report.embedded) == (4, 4)
    parallel = stored_vectors()
    assert parallel.keys() == serial.keys()
    assert max(abs(a - b) for pk in serial for a, b in zip(serial[pk], parallel[pk], strict=True)) < 1e-5
    assert embeddings_refresh(jobs=2).embedded == 0


def test_an_interrupted_parallel_refresh_keeps_the_chunks_it_wrote_and_a_rerun_finishes(vectors, dumping):
    SearchEmbedding.objects.all().delete()

    def stop_after_first_chunk(checked, embedded, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        embeddings_refresh(chunk=2, jobs=2, progress=stop_after_first_chunk)
    assert SearchEmbedding.objects.count() == 2
    assert embeddings_refresh(chunk=2, jobs=2).embedded == 2
    assert SearchEmbedding.objects.count() == 4


def test_embed_documents_takes_a_number_of_worker_processes(vectors, silos, capsys):
    with embeddings_deferred():
        items = [CaseStudyFactory(title=f"Gully sensors {n}", primary_silo=silos["highways"]) for n in range(3)]
        indexed(*items)
    call_command("embed_documents", jobs=2, batch=1)
    assert SearchEmbedding.objects.filter(document__case_study__in=items).count() == 3
    assert "3 of 3 published documents embedded" in capsys.readouterr().out


def test_a_bulk_embedding_hands_freed_memory_back(monkeypatch):
    released = []
    monkeypatch.setattr(model, "release_free_memory", lambda: released.append(True))
    model.embed_texts(["a short query"])
    assert not released
    model.embed_texts([f"write-up number {n}" for n in range(20)])
    assert released


# --- Hybrid search ---------------------------------------------------------------


def test_a_result_found_by_meaning_alone_says_so(vectors, client, dumping):
    # None of these words is in any write-up.
    response = client.get("/search/", {"q": "trash left on the street"})
    results = response.context["outcome"].results
    matches = {r.title: r.match for r in results}
    assert matches.get("Caretakers logging rubbish dumped on estates") == "meaning"
    assert matches.get("Cameras at fly-tipping hotspots") == "meaning"
    assert "Summer reading challenge for children" not in matches
    assert "Related in meaning" in response.content.decode()


def test_a_missing_word_lowers_the_rank_instead_of_removing_the_result(client, dumping):
    # "photograph" is in the estates write-up, "caretakers ... furniture ... photos" is not said of the others.
    results = search(SearchRequest(q="caretakers photograph dumped furniture spaceships")).results
    assert results and results[0].title == "Caretakers logging rubbish dumped on estates"
    assert results[0].match == "some"


def test_quoted_phrases_and_minus_words_stay_exact_for_results_found_by_meaning(vectors, dumping):
    titles = [r.title for r in search(SearchRequest(q="fly tipping -rubbish")).results]
    assert titles == []
    titles = [r.title for r in search(SearchRequest(q='"road crews" dumping')).results]
    assert titles == ["Tracing rubbish dumped in rural lay-bys"]


def test_a_correction_far_in_spelling_is_offered_not_applied(client, dumping):
    outcome = client.get("/search/", {"q": "Passivhaus"}).context["outcome"]
    assert not outcome.corrected_from


# --- Panels ----------------------------------------------------------------------


def test_same_practice_falls_back_to_meaning_and_says_so(vectors, client, dumping):
    panels = case_study_discovery(AnonymousUser(), dumping["cameras"])
    assert panels["same_practice_by_meaning"]
    shown = {item.slug for item in panels["same_practice"]} | {item.slug for item in panels["similar"]}
    assert {"estates", "laybys"} <= shown
    html = client.get(dumping["cameras"].get_absolute_url()).content.decode()
    assert "No framework is linked to this case study yet" in html


def test_similar_work_says_why_it_matched_and_spreads_across_silos(vectors, dumping):
    similar = case_studies_similar_elsewhere(dumping["estates"])
    assert similar, "the other silos' write-ups are similar in meaning"
    assert all(item.related_in_meaning or item.shared_tags for item in similar)
    assert "reading" not in {item.slug for item in similar}
    silos = [item.primary_silo_id for item in similar]
    assert len(set(silos[:2])) == len(silos[:2]), "the best in each other silo comes before a second from one"


# --- Without pgvector --------------------------------------------------------------


def test_without_vectors_search_and_panels_use_words_and_tags(client, dumping):
    with override_settings(SEMANTIC_SEARCH=False):
        storage.forget_availability()
        response = client.get("/search/", {"q": "fly tipping"})
        assert [r.title for r in response.context["outcome"].results] == ["Cameras at fly-tipping hotspots"]
        assert "Related in meaning" not in response.content.decode()
        page = client.get(dumping["cameras"].get_absolute_url())
        assert page.status_code == 200
        assert not page.context["discovery"]["same_practice_by_meaning"]
        assert client.get("/healthz").json()["search"].startswith("off")


def test_a_server_without_pgvector_gets_a_warning_and_embed_documents_says_why(monkeypatch):
    monkeypatch.setattr(storage, "vectors_available", lambda using=None: False)
    warnings = semantic_search_check(None)
    assert [w.id for w in warnings] == ["practices.W001"]
    assert "words and tags alone" in warnings[0].msg
    with pytest.raises(CommandError, match="no vector column"):
        call_command("embed_documents")


def test_ideas_from_other_silos_favour_frameworks_close_to_the_silos_own_work(vectors, silos, dumping):
    from practices.factories import FrameworkFactory, FrameworkLinkFactory
    from practices.selectors.discovery import frameworks_ideas_from_other_silos

    close = FrameworkFactory(
        title="Tackling fly-tipping and dumped rubbish",
        slug="dumping-framework",
        summary="Find where rubbish is dumped, gather evidence from the piles and fine or prosecute those responsible.",
        reusable_core="Map hotspots, record every pile with a photo, trace and fine.",
    )
    far = FrameworkFactory(
        title="Summer reading for children",
        slug="reading-framework",
        summary="Libraries and schools encourage children to keep reading over the holidays.",
        reusable_core="A challenge, stickers and a medal.",
    )
    FrameworkLinkFactory(framework=close, case_study=dumping["cameras"])
    FrameworkLinkFactory(framework=far, case_study=dumping["reading"])
    search_index_update(framework_ids=[close.pk, far.pk])
    discovery_stats_refresh()

    ideas = frameworks_ideas_from_other_silos(silos["housing"])

    assert [f.slug for f in ideas][:1] == ["dumping-framework"]
    assert ideas[0].close_in_meaning
