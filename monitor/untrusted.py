"""Text from the network, capped and cleaned before anything else touches it.

Every field a feed or page supplies has a cap (in characters), applied first, so one
oversized title cannot make matching, judging, storing or rendering expensive:

==============  ======  =============================================
field           cap     applies to
==============  ======  =============================================
``title``       500     entry, page and feed titles
``author``      200     entry and page authors
``outlet``      200     a feed's name for the publisher, a page's site name
``summary``     10,000  an entry's summary or teaser (after its tags are removed)
``text``        200,000 an article's extracted text
``url``         2,000   entry links, resolved Google News links and redirect targets (a longer one is
                        dropped; the entry is kept)
``guid``        1,000   entry ids (and the identity key made from a link)
``header``      500     response headers kept (ETag; Last-Modified 100) and reason phrases
==============  ======  =============================================

Cleaning removes the characters that can corrupt an output or mislead a reader: terminal escape
sequences whole (``ESC [ 2 J`` leaves nothing behind, not ``[2J`` glued to the next word), C0 and C1
control characters (other than tab and line breaks in long text), DEL, the bidirectional
embedding, override and isolate characters (U+202A–U+202E, U+2066–U+2069), and code points
XML cannot carry (surrogates, U+FFFE, U+FFFF). In a link they are percent-encoded instead, with
every space and the bidirectional marks (U+061C, U+200E, U+200F): :func:`link_safe`.
"""

from __future__ import annotations

import json
import re

CAPS = {"title": 500, "author": 200, "outlet": 200, "summary": 10_000, "text": 200_000, "url": 2000,
        "guid": 1000, "header": 500}
RAW_FACTOR = 8  # markup and entities shrink when removed: a raw field is first cut to 8× its cap

_UNSAFE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
# Removed in one pass: terminal escape sequences whole (ECMA-48: control sequences, ESC [ or CSI,
# parameters, a final byte; operating-system commands such as hyperlinks, ESC ] or OSC up to BEL or
# the string terminator, where an unterminated one loses only its ESC, never the text after it;
# two-character escapes), then any other unsafe character.
_UNSAFE_IN_TEXT = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]{0,2000}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -~]?"
    f"|[{_UNSAFE}]"
)
# On one line (a terminal, a log line) every line break is unsafe too, Unicode's own separators included.
_UNSAFE_ON_A_LINE = re.compile(f"[{_UNSAFE}\t\n\r\u2028\u2029]")
_SPACE = re.compile(r"\s+")
# In a link every such character, and any space, is percent-encoded instead of removed (the address
# stays the same one): the bidirectional marks too, which can make a link read as another.
_UNSAFE_IN_A_LINK = re.compile(f"[{_UNSAFE}\u061c\u200e\u200f\\s]")


def header(value: str | None, cap: int = CAPS["header"]) -> str | None:
    """A response header's value, or None when it is longer than its cap (a cut one would be wrong)."""
    return value if value is None or len(value) <= cap else None


def cut_raw(text: str, field: str) -> str:
    """A raw field (before markup and entities are removed) cut to a bounded length."""
    return text[: CAPS[field] * RAW_FACTOR]


def clean_text(text: str, field: str = "text") -> str:
    """Long text: unsafe characters removed, capped; line breaks kept."""
    return strip_unsafe(cut_raw(text, field))[: CAPS[field]].strip()


def one_line(text: str, field: str) -> str:
    """A short field: unsafe characters removed, whitespace collapsed to single spaces, capped."""
    return _SPACE.sub(" ", strip_unsafe(cut_raw(text, field))).strip()[: CAPS[field]].strip()


def strip_unsafe(text: str) -> str:
    """``text`` without terminal escape sequences and unsafe characters (the last guard of an XML
    document: any input stays valid)."""
    return _UNSAFE_IN_TEXT.sub("", text)


def link_safe(url: str) -> str:
    """``url`` with every control, bidirectional control and space character percent-encoded
    (as UTF-8), so that no output shows it raw and it still names the same resource."""
    return _UNSAFE_IN_A_LINK.sub(_percent, url)


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8", "surrogatepass"))


def visible(text: str) -> str:
    """For a terminal or a one-line log: each control, line-break or bidi character shown as an escape."""
    return _UNSAFE_ON_A_LINE.sub(_escape, text)


def json_line(value: object) -> str:
    """``value`` as one line of JSON, readable (UTF-8 kept) but with every control, bidi and line-separator
    character written as a ``\\uXXXX`` escape, so printing it cannot drive a terminal."""
    return _UNSAFE_ON_A_LINE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
