"""Dates an article states: absolute ("21 December 2024", "Dec 21, 2024", "2024-12-21", "March 2025"),
partial ("on Dec 21", "on Tuesday", "yesterday") resolved against its publication date (a day and
month without a year: the latest such day, or an upcoming one in the next weeks), on the
publisher's calendar when its feed or page stated its UTC offset ("on Saturday" in a Pakistani
paper at 02:00 on Saturday, +05:00, is that day, although it is still Friday in UTC). Month names are
read in the watchlist's languages ("9 مئی 2023ء", "9 मई 2023", "2 de julio de 2019", "2. Juli 2019"),
digits in Latin, Arabic, Urdu and Devanagari script.

A development has a time. An article whose events are all dated before the seed corpus is
background however new its wording; the judge compares these dates with the seed horizon.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from monitor.novelty.text import latin_digits

# Each month in English, Urdu, Hindi, Spanish, Italian, French and German (the watchlist's languages).
_MONTHS = {
    m: i + 1 for i, names in enumerate((
        "january jan جنوری जनवरी enero gennaio janvier januar",
        "february feb فروری फ़रवरी फरवरी febrero febbraio février fevrier februar",
        "march mar مارچ मार्च marzo mars märz maerz",
        "april apr اپریل अप्रैल abril aprile avril",
        "may مئی मई mayo maggio mai",
        "june jun جون जून junio giugno juin juni",
        "july jul جولائی जुलाई julio luglio juillet juli",
        "august aug اگست अगस्त agosto août aout",
        "september sep sept ستمبر सितंबर सितम्बर septiembre setiembre settembre septembre",
        "october oct اکتوبر अक्टूबर अक्तूबर octubre ottobre octobre oktober",
        "november nov نومبر नवंबर नवम्बर noviembre novembre",
        "december dec دسمبر दिसंबर दिसम्बर diciembre dicembre décembre decembre dezember",
    )) for m in names.split()
}
# Longest names first, so that "sept" is not read as "sep" and a full name not as its abbreviation.
_MONTH = rf"({'|'.join(sorted(_MONTHS, key=len, reverse=True))})\.?(?![\w\u0900-\u097f])"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_YEAR = r"((?:19|20)\d\d)(?=ء|\b)"  # Urdu writes a year with the sign ء after it (2023ء)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_PATTERNS = (
    ("ymd", re.compile(rf"\b{_YEAR}-(\d\d)-(\d\d)\b")),
    ("mdy", re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}", re.IGNORECASE)),
    ("dmy", re.compile(rf"\b{_DAY}\.?\s+(?:of\s+|de\s+)?{_MONTH},?\s+(?:de\s+|del\s+)?{_YEAR}", re.IGNORECASE)),
    ("my", re.compile(rf"\b{_MONTH},?\s+(?:de\s+|del\s+)?{_YEAR}", re.IGNORECASE)),
    ("md", re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!,?\s+(?:19|20)\d\d)", re.IGNORECASE)),
    ("dm", re.compile(rf"\b{_DAY}\.?\s+(?:de\s+)?{_MONTH}(?!,?\s+(?:de\s+|del\s+)?(?:19|20)\d\d)", re.IGNORECASE)),
    ("y", re.compile(rf"(?<![\d,.$])\b{_YEAR}(?![\d%]|[,.]\d)")),
)
_WEEKDAY = re.compile(r"\bon\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(yesterday|today|tonight|last night|earlier this week)\b", re.IGNORECASE)


PAST_DAYS = 30  # a text whose latest stated date is older than this retells; it does not report
AHEAD_DAYS = 45  # a day and month without a year up to this far ahead is upcoming (a hearing, a visit)


@dataclass(frozen=True)
class Stated:
    """One date a text states: the calendar day (the last day of a month or year stated alone) and
    whether the text named the day itself."""

    day: date
    exact: bool


def stated_dates(text: str, published: datetime | None, utc_offset: int | None = None) -> list[Stated]:
    """The dates ``text`` states, each resolved to a calendar day (month or year alone: its last day;
    a day and month without a year: see :func:`_recent`). Relative dates count from the day of
    ``published`` at ``utc_offset`` (see :func:`local_time`)."""
    text = latin_digits(text)
    published = local_time(published, utc_offset) if published is not None else None
    found: list[Stated] = []
    taken = bytearray(len(text))  # 1 where an earlier, more specific pattern found a date (linear, however many)
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if taken[match.start()]:
                continue
            day = _resolve(kind, match.groups(), published)
            if day is not None:
                found.append(Stated(day, kind not in ("my", "y")))
                taken[match.start():match.end()] = b"\x01" * (match.end() - match.start())
    if published is not None:
        for match in _WEEKDAY.finditer(text):
            day = _last_weekday(published.date(), _WEEKDAYS.index(match.group(1).lower()))
            if day is not None:
                found.append(Stated(day, True))
        if _RELATIVE.search(text):
            found.append(Stated(published.date(), True))
    return found


def retold(stated: Sequence[Stated], when: datetime, utc_offset: int | None = None) -> bool:
    """Whether dates were stated and the latest is more than :data:`PAST_DAYS` before the day of
    ``when`` (at ``utc_offset``): "held since September 2023", an explainer of 2022's events."""
    return bool(stated) and (local_time(when, utc_offset).date() - max(s.day for s in stated)).days > PAST_DAYS


def local_time(when: datetime, utc_offset: int | None) -> datetime:
    """``when`` (aware) on the publisher's clock: at ``utc_offset`` minutes east of UTC, the offset its
    feed or page stated; as given (the service gives UTC) when it stated none."""
    if utc_offset is None or when.tzinfo is None:
        return when
    try:
        return when.astimezone(timezone(timedelta(minutes=utc_offset)))
    except (OverflowError, ValueError):  # the calendar's first or last day pushed past it, an offset of a day or more
        return when


def _resolve(kind: str, groups: tuple[str | None, ...], published: datetime | None) -> date | None:
    g = [x or "" for x in groups]
    try:
        if kind in ("md", "dm"):
            return _recent(_month(g[0 if kind == "md" else 1]), int(g[1 if kind == "md" else 0]), published)
        absolute = {
            "ymd": lambda: date(int(g[0]), int(g[1]), int(g[2])),
            "mdy": lambda: date(int(g[2]), _month(g[0]), int(g[1])),
            "dmy": lambda: date(int(g[2]), _month(g[1]), int(g[0])),
            "my": lambda: _month_end(int(g[1]), _month(g[0])),
            "y": lambda: date(int(g[0]), 12, 31),
        }
        return absolute[kind]()
    except ValueError:
        return None


def _recent(month: int, day: int, published: datetime | None) -> date | None:
    """The latest such day on or before ``published``, unless that day comes within the next
    :data:`AHEAD_DAYS` (a hearing fixed "to December 3" in November); none without a publication date."""
    if published is None:
        return None
    today = published.date()
    for year in (today.year + 1, today.year, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:  # 29 February outside a leap year
            continue
        if (candidate - today).days <= AHEAD_DAYS:
            return candidate
    return None


def _last_weekday(today: date, weekday: int) -> date | None:
    """The latest day on or before ``today`` that falls on ``weekday`` (0 is Monday); None when it
    would be before the calendar's first day (a publication dated 1 January of year 1)."""
    try:
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    except OverflowError:
        return None


def _month(name: str | None) -> int:
    return _MONTHS[(name or "").lower().rstrip(".")]


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)
