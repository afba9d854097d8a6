"""Language identification of article text.

A page's declared language (``<html lang>``) is trusted when the text's script agrees with
it (Latin letters for ``en``, Arabic script for ``ur`` …); otherwise, and for text without a
declaration, py3langid decides (its model ships in the wheel: nothing is downloaded).
"""

from __future__ import annotations

import re
import threading
from typing import Any

MIN_CHARS = 40
SAMPLE_CHARS = 300  # a few sentences tell languages apart; the model's cost grows with the length
LATIN = frozenset({
    "en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "no", "nb", "fi", "pl", "cs", "sk", "hu", "ro", "tr",
    "id", "ms", "sw", "tl", "vi", "hr", "sl", "et", "lv", "lt",
})
ARABIC = frozenset({"ur", "ar", "fa", "ps", "sd", "ku", "ug"})
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_model: Any = None
_lock = threading.Lock()


def detect_language(text: str, hint: str = "") -> str:
    """The ISO 639-1 code of ``text``'s language (``hint``: the page's declared language, if any)."""
    declared = _normalise(hint)
    sample = text[:SAMPLE_CHARS].strip()
    if len(sample) < MIN_CHARS:
        return declared
    if declared and _script_agrees(declared, sample):
        return declared
    code, _score = _identifier().classify(sample)
    return str(code)


def _script_agrees(code: str, sample: str) -> bool:
    arabic, latin = len(_ARABIC_LETTER.findall(sample)), len(_LATIN_LETTER.findall(sample))
    if code in LATIN:
        return latin > 4 * arabic
    if code in ARABIC:
        return arabic > 4 * latin
    return False


def _normalise(hint: str) -> str:
    return hint.strip().lower().replace("_", "-").split("-", 1)[0][:8]


def _identifier() -> Any:
    global _model  # noqa: PLW0603 - the model loads once (about 0.5 s) and is shared by every thread
    with _lock:
        if _model is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _model = LanguageIdentifier.from_model_file(MODEL_FILE)
    return _model
