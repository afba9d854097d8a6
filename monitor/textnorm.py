"""Text normalisation shared by the query language and the novelty judge: casefolded words without
diacritics, in any script."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
# Combining marks left by NFKD decomposition (Latin accents, and Arabic-script vowel signs).
_MARKS = re.compile("[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u064b-\u065f\u0670\u06d6-\u06ed"
                    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalize(text: str) -> str:
    """Casefold and strip diacritics (``Pakistán`` -> ``pakistan``)."""
    return strip_marks(text).casefold()


def strip_marks(text: str) -> str:
    """``text`` without diacritics, its case kept: a mark no longer splits its word (``عِمران``)."""
    if text.isascii():
        return text
    return _MARKS.sub("", unicodedata.normalize("NFKD", text))


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return _WORD.findall(normalize(text))
