"""Durations and sizes as the config writes them: ``90``, ``"45s"``, ``"1h30m"``, ``"2d"``; ``"512KB"``."""

from __future__ import annotations

import re
from datetime import timedelta

from monitor.errors import SettingError

_DURATION = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"(\d+)\s*(b|kb|mb|gb)?", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


def parse_duration(value: object) -> timedelta:
    """``90`` (seconds), ``"45s"``, ``"30m"``, ``"1h30m"``, ``"2d"`` -> timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        parts = _DURATION.findall(text)
        if parts and "".join(n + u for n, u in parts) == text:
            return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))
    raise SettingError(f"not a duration: {value!r} (use e.g. 90s, 30m, 2h, 1d)")


def parse_size(value: object) -> int:
    """``1048576``, ``"512KB"``, ``"10MB"`` -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        m = _SIZE.fullmatch(value.strip().replace(" ", ""))
        if m:
            return int(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()]
    raise SettingError(f"not a size: {value!r} (use e.g. 512KB, 10MB)")
