"""The seed corpus on disk: text files plus ``seeds.yaml`` metadata -> :class:`SeedDoc` values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from monitor.errors import ConfigError
from monitor.types import SeedDoc

METADATA = "seeds.yaml"


def read_seeds(folder: Path) -> list[SeedDoc]:
    """Every ``*.txt`` in ``folder`` (sorted), with the metadata that ``seeds.yaml`` gives it."""
    if not folder.is_dir():
        raise ConfigError(f"seeds folder {folder} does not exist", file=str(folder))
    meta = _metadata(folder / METADATA)
    docs = []
    for path in sorted(folder.glob("*.txt")):
        info = meta.get(path.name, {})
        text = path.read_text(encoding="utf-8", errors="replace")
        docs.append(SeedDoc(
            key=path.stem, text=text, title=str(info.get("title") or _first_line(text)),
            outlet=str(info.get("outlet") or ""), published=str(info.get("published") or ""),
            url=str(info.get("url") or ""),
        ))
    return docs


def _metadata(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", file=str(path)) from exc
    if not isinstance(data, list) or not all(isinstance(d, dict) and "file" in d for d in data):
        raise ConfigError("must be a list of entries with a `file` key", file=str(path))
    return {str(d["file"]): d for d in data}


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
