"""Durations and sizes as the config writes them: ``90``, ``"45s"``, ``"1h30m"``, ``"2d"``; ``"512KB"``."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from monitor.errors import SettingError

_DURATION = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_UNITS_LARGEST_FIRST = sorted(_UNITS.items(), key=lambda unit: -unit[1])
MAX_DURATION = timedelta(days=3650)  # ten years: longer is a typo, and dates that far off overflow
_SIZE = re.compile(r"(\d+)\s*(b|kb|mb|gb)?", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


def parse_duration(value: object) -> timedelta:
    """``90`` or ``"90"`` (seconds), ``"45s"``, ``"30m"``, ``"1h30m"``, ``"2d"`` -> timedelta, at most
    :data:`MAX_DURATION`."""
    seconds = _seconds(value)
    if seconds is None:
        raise SettingError(f"not a duration: {value!r} (use e.g. 90s, 30m, 2h, 1d)")
    if seconds < 0:
        raise SettingError(f"a duration cannot be negative: {value!r}")
    if seconds > MAX_DURATION.total_seconds():
        raise SettingError(f"too long: {_shown(value)} (at most {MAX_DURATION.days}d)")
    return timedelta(seconds=seconds)


def _shown(value: object) -> str:
    """A duration as an error quotes it; a number too long to read as the count of its digits."""
    number = isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
    digits = len(str(value).strip()) if number else 0
    return f"a number of {digits} digits" if digits > 30 else repr(value)


def format_duration(span: timedelta) -> str:
    """``timedelta(hours=1, minutes=30)`` -> ``"1h30m"``, as the config writes durations."""
    rest = int(span.total_seconds())
    parts = []
    for unit, size in _UNITS_LARGEST_FIRST:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def _seconds(value: object) -> float | None:
    """The seconds a duration as written stands for; None when it is not one."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None if isinstance(value, float) and math.isnan(value) else value
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        if text.isascii() and text.isdigit():  # seconds, as ${VAR} writes a number: "90"
            return int(text) if len(text) <= 30 else math.inf
        parts = _DURATION.findall(text)
        if parts and "".join(n + u for n, u in parts) == text:
            return sum(int(n) * _UNITS[u] for n, u in parts)
    return None


def parse_size(value: object) -> int:
    """``1048576``, ``"512KB"``, ``"10MB"`` -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        m = _SIZE.fullmatch(value.strip().replace(" ", ""))
        if m:
            return int(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()]
    raise SettingError(f"not a size: {value!r} (use e.g. 512KB, 10MB)")
