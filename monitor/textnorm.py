"""Text normalisation shared by the query language and the novelty judge: casefolded words without
diacritics, in any script."""

from __future__ import annotations

import re
import unicodedata

# Combining marks left by decomposition (Latin accents, and Arabic-script vowel signs): dropped.
_MARKS = re.compile("[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u064b-\u065f\u0670\u06d6-\u06ed"
                    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Every other combining mark (Devanagari vowel signs, virama, ...) is part of its word, which
# ``\w`` alone would cut into pieces ("पाकिस्तान" into five letters).
_COMBINING = "".join(chr(c) for c in range(0x300, 0x10000) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me"))
_WORD = re.compile("[\\w" + re.escape(_COMBINING) + "]+")
# Characters that shape a word without ending it: the soft hyphen, the zero-width joiner, the word
# joiner, the zero-width no-break space, the Arabic tatweel that stretches a word ("عمـران"), and a
# zero-width non-joiner after an Indic virama (a half form: "पाकिस्\u200cतान"). Dropped from a word, so
# it stays one. A non-joiner elsewhere (Arabic script) still parts words, as a space would. The nukta
# dot of Indic scripts goes too, as an accent does from a Latin letter ("ख़ान" is "खान").
_VIRAMAS = "\u094d\u09cd\u0a4d\u0acd\u0b4d\u0bcd\u0c4d\u0ccd\u0d4d"
_NUKTAS = "\u093c\u09bc\u0a3c\u0abc\u0b3c\u0cbc"
_SHAPING = re.compile(f"[\u00ad\u0640\u200d\u2060\ufeff{_NUKTAS}]|(?<=[{_VIRAMAS}])\u200c")
# Arabic letter forms that Urdu writes with letters of its own (kaf, yeh, alef maksura, heh), as older
# Urdu sites type them, and decimal digits of every script ("۹", "९"), read as the ones a query most
# likely holds: "پاكستان" is "پاکستان", "۹" is "9". Query and text are read alike, so an Arabic query
# still matches Arabic text.
_FOLDS = str.maketrans({"\u0643": "\u06a9", "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0647": "\u06c1"}
                       | {chr(c): str(unicodedata.digit(chr(c))) for c in range(0x660, 0x10000)
                          if unicodedata.category(chr(c)) == "Nd" and not chr(c).isascii()})
_SEPARATOR = "\x1f"  # joins a text's words for one normalisation pass (no decomposition yields it)


def normalize(text: str) -> str:
    """Casefold and strip diacritics (``Pakistán`` -> ``pakistan``)."""
    if text.isascii():
        return text.casefold()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()


def tokens(text: str) -> list[str]:
    """The words of ``text`` as written, diacritics removed and letter forms folded (case kept, for
    acronyms). Only canonical
    decomposition comes first, so a symbol that decomposes into letters ("₨", "™") does not join its
    neighbour."""
    if not text.isascii():
        text = _SHAPING.sub("", _MARKS.sub("", unicodedata.normalize("NFD", text))).translate(_FOLDS)
    return _WORD.findall(text)


def normalized(found: list[str]) -> list[str]:
    """Each of ``tokens``' words normalised, one for one."""
    if not found:
        return []
    return normalize(_SEPARATOR.join(found)).split(_SEPARATOR)


def shortened(title: str, limit: int) -> str:
    """``title`` cut at a word to at most ``limit`` characters, an ellipsis marking the cut."""
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + "…"


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return normalized(tokens(text))
