"""Sentences, normalisation and fingerprints shared by every novelty layer."""

from __future__ import annotations

import hashlib
import re

from monitor.textnorm import normalize

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before
# whitespace and a capital, digit or opening quote, and at the Urdu full stop (۔), the Arabic
# question mark (؟) and the Devanagari danda (।) before whitespace; line breaks always end one.
_BOUNDARY = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+(?=[\"'“‘(\[]?[A-Z0-9\u0600-\u06FF])|(?<=[۔؟।])\s+|\n+"
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Arabic, Urdu and Devanagari digits as Latin ones, one character for one (spans keep their places).
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९", "012345678901234567890123456789")


# Wire boilerplate that says nothing about the event: credit lines, and datelines before the lead.
_CREDIT = re.compile(r"^\(?\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|edited)\s+by\b", re.IGNORECASE)
_DATELINE = re.compile(r"^[A-Z][A-Z .'’-]{2,40}(?:,\s*[A-Z][a-z]{2,9}\.?\s+\d{1,2})?(?:\s*\([^)]{1,40}\))?\s*[-–—:]\s+")


# A photo caption ends in its credit, after a dash: "... outside the court. — AFP/File". A credit is
# short, so it is looked for in a line's last _CREDIT_TAIL characters only: on a long line of
# slashes the repetitions below would cost the search quadratic time.
_PHOTO_CREDIT = re.compile(
    r"(?:[—–]|(?<!\w)-)\s*(?:photo:?\s*)?(?:[\w.@]+\s*/\s*)*"
    r"(?:AFP|APP|AP|PPI|Reuters|File|Facebook|Twitter|Instagram|X|Photo|Screengrab|Courtesy)\b(?:\s*/[\w.@/\s]*)?$",
    re.IGNORECASE)
_CREDIT_TAIL = 200
_PHOTO = re.compile(r"^(?:reuters/|\(?photo\s*:)|\bfile photo\)?$", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:written\s+)?by\s", re.IGNORECASE)
_STAMP = re.compile(r"\b(?:published|updated)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?۔।]")
_HEAD_WORDS = 6  # a line of fewer words that is no sentence is a label, a credit or a date
_BYLINE_WORDS = 15  # a byline or a publication stamp is a short line, and no sentence


def lead(title: str, text: str, chars: int) -> str:
    """The title and the opening of the report, ``chars`` characters in all: the lines above its first
    paragraph that repeat the title, caption a photo, credit a byline or stamp a date are left out."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    heading = f"{normalize_text(title)} "
    for start, line in enumerate(lines):
        if not _above_the_report(line, heading):
            return f"{title}. {' '.join(lines[start:])}"[:chars]
    return f"{title}. {text}"[:chars]


def _above_the_report(line: str, heading: str) -> bool:
    """Whether a line above the first paragraph repeats the title (``heading``, normalised, with a
    trailing space), captions a photo, or is a byline, a stamp or a label."""
    words = normalize_text(line)
    credit = _PHOTO_CREDIT.search(line[-_CREDIT_TAIL:])
    if (words and heading.startswith(f"{words} ")) or credit or _PHOTO.search(line):
        return True
    count = len(line.split())
    if count < _HEAD_WORDS:
        return not _SENTENCE_END.match(line[-1])
    stamp = bool(_STAMP.search(line)) and any(c.isdigit() for c in line)
    return count <= _BYLINE_WORDS and not _SENTENCE_END.search(line) and (bool(_BYLINE.match(line)) or stamp)


def sentences(text: str, min_chars: int = 1) -> list[str]:
    """The sentences of ``text`` (stripped; datelines, credit lines and photo credits removed), keeping
    those of at least ``min_chars`` characters."""
    out = []
    for part in _BOUNDARY.split(text):
        sentence = _without_credit(_DATELINE.sub("", part.strip())).strip()
        if len(sentence) >= min_chars and not _CREDIT.match(sentence):
            out.append(sentence)
    return out


def latin_digits(text: str) -> str:
    """``text`` with its Arabic, Urdu and Devanagari digits written as 0-9."""
    return text.translate(_DIGITS)


def normalize_text(text: str) -> str:
    """Casefolded, diacritic-free words separated by single spaces (punctuation and quotes dropped)."""
    return _NON_WORD.sub(" ", normalize(text)).strip()


def fingerprint(text: str) -> str:
    """A short, stable fingerprint of the normalised text."""
    return hashlib.blake2b(normalize_text(text).encode(), digest_size=16).hexdigest()


def content_hash(text: str) -> str:
    """The fingerprint of a whole document's normalised text."""
    return hashlib.sha256(normalize_text(text).encode()).hexdigest()


def _without_credit(text: str) -> str:
    """``text`` without the photo credit it ends in, if any."""
    cut = max(0, len(text) - _CREDIT_TAIL)
    return text[:cut] + _PHOTO_CREDIT.sub("", text[cut:])
