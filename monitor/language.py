"""Language identification of article text (py3langid: its model ships in the wheel, no download)."""

from __future__ import annotations

import threading
from typing import Any

MIN_CHARS = 40
_model: Any = None
_lock = threading.Lock()


def detect_language(text: str, hint: str = "") -> str:
    """The ISO 639-1 code of ``text``'s language; the (normalised) ``hint`` when the text is too short."""
    sample = text[:3000].strip()
    if len(sample) < MIN_CHARS:
        return _normalise(hint)
    code, _score = _identifier().classify(sample)
    return str(code)


def _normalise(hint: str) -> str:
    return hint.strip().lower().replace("_", "-").split("-", 1)[0][:8]


def _identifier() -> Any:
    global _model  # noqa: PLW0603 - the model loads once (about 0.5 s) and is shared by every thread
    with _lock:
        if _model is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _model = LanguageIdentifier.from_model_file(MODEL_FILE)
    return _model
