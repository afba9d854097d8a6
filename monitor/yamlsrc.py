"""YAML with memory: every value keeps the line it came from.

``load_yaml(path)`` returns plain Python data plus a :class:`LineMap` from YAML paths
(``("digests", 0, "schedule")``) to 1-based line numbers, so that later validation
errors can name the line. It also expands ``${VAR}`` / ``${VAR:-default}`` in string
values and reads ``<key>_file`` secrets into ``<key>``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import ConfigError

YamlPath = tuple[str | int, ...]
_KINDS = {"tag:yaml.org,2002:timestamp": "date", "tag:yaml.org,2002:int": "whole number",
          "tag:yaml.org,2002:float": "number"}
_MERGE = "tag:yaml.org,2002:merge"
_Pair = tuple[yaml.Node, yaml.Node]
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def format_path(path: YamlPath) -> str:
    """``("digests", 0, "schedule")`` -> ``digests[0].schedule``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class LineMap:
    """Lines of the YAML values, looked up by path (falling back to the nearest parent)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._lines: dict[YamlPath, int] = {}

    def record(self, path: YamlPath, line: int) -> None:
        self._lines.setdefault(path, line)

    def line(self, path: YamlPath) -> int | None:
        for cut in range(len(path), -1, -1):
            found = self._lines.get(path[:cut])
            if found is not None:
                return found
        return None

    def error(self, path: YamlPath, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, line=self.line(path), path=format_path(path))

    def error_at(self, path: YamlPath, line: int, message: str) -> ConfigError:
        """An error about ``path`` at a line of its own (e.g. a key's second occurrence)."""
        return ConfigError(message, file=self.file, line=line, path=format_path(path))


def load_yaml(path: Path, env: Mapping[str, str] | None = None) -> tuple[Any, LineMap]:
    """Read ``path`` and return ``(data, lines)``; a syntax error is a ConfigError with its line."""
    env = os.environ if env is None else env
    lines = LineMap(str(path))
    text = _read_config(path)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise _unprintable(exc, text, path) from None
    try:
        node = loader.get_single_node()
        if node is None:  # an empty file, or only comments: its problems are on line 1
            lines.record((), 1)
            return {}, lines
        data = _Builder(loader, lines, env, path.parent).build(node, ())
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, path) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", file=str(path)) from exc
    finally:
        loader.dispose()
    return data, lines


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, lines: LineMap, env: Mapping[str, str], base: Path) -> None:
        self.loader = loader
        self.lines = lines
        self.env = env
        self.base = base
        self._own: dict[int, set[int]] = {}  # each mapping's own keys (by node), before merged ones are added

    def build(self, node: yaml.Node, path: YamlPath) -> Any:
        self.lines.record(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        value = self._construct(node, path)
        if isinstance(value, str):
            return self._expand(value, path)
        return value

    def _construct(self, node: yaml.Node, path: YamlPath, line: int | None = None) -> Any:
        """The scalar's value; a located error when it looks like a date or number but is not one."""
        try:
            return self.loader.construct_object(node, deep=True)
        except ValueError as exc:
            kind = _KINDS.get(node.tag, "value")
            reason = f" ({exc})" if kind == "date" else " (too many digits)" if "digits" in str(exc) else ""
            message = f"not a valid {kind}{reason}; quote it if it is meant as text"  # the value may be a secret
            at = node.start_mark.line + 1 if line is None else line
            raise self.lines.error_at(path, at, message) from None

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[str, Any]:
        own, merged = self._pairs(node)
        out: dict[str, Any] = {}
        for key_node, value_node in own:
            key, line = self._key(key_node, path)
            child: YamlPath = (*path, key)
            if key in out:
                raise self.lines.error_at(child, line, f"duplicate key (first on line {self.lines.line(child)})")
            self.lines.record(child, line)
            out[key] = self.build(value_node, child)
        for key_node, value_node in reversed(merged):  # in `<<: [*a, *b]`, a's keys win over b's
            key, line = self._key(key_node, path)
            if key not in out:
                self.lines.record((*path, key), line)
                out[key] = self.build(value_node, (*path, key))
        return self._secrets(out, path)

    def _pairs(self, node: yaml.MappingNode) -> tuple[list[_Pair], list[_Pair]]:
        """The key-value pairs written in the mapping, and those it merges in (``<<: *defaults``), which
        the written ones override."""
        own = self._own.setdefault(id(node), {id(key) for key, _ in node.value if key.tag != _MERGE})
        self.loader.flatten_mapping(node)  # the merged pairs first (an alias's node is flattened once)
        return [p for p in node.value if id(p[0]) in own], [p for p in node.value if id(p[0]) not in own]

    def _key(self, node: yaml.Node, path: YamlPath) -> tuple[str, int]:
        line = node.start_mark.line + 1
        key = self._construct(node, path, line)
        if not isinstance(key, str):
            raise self.lines.error_at(path, line, f"keys must be strings, got {key!r}")
        return key, line

    def _secrets(self, mapping: dict[str, Any], path: YamlPath) -> dict[str, Any]:
        for key in [k for k in mapping if k.endswith("_file")]:
            target = key.removesuffix("_file")
            where: YamlPath = (*path, key)
            if target in mapping:
                raise self.lines.error(where, f"give either {target} or {key}, not both")
            raw = mapping.pop(key)
            if not isinstance(raw, str):
                raise self.lines.error(where, "must be a file path")
            if "\0" in raw:
                raise self.lines.error(where, "a path cannot contain a NUL character (\\0)")
            file = Path(raw) if Path(raw).is_absolute() else self.base / raw
            try:
                mapping[target] = read_utf8(file).strip()
            except OSError as exc:
                raise self.lines.error(where, f"cannot read secret file {raw}: {exc.strerror or exc}") from exc
            except UnicodeDecodeError as exc:
                line, column = _position(exc)
                raise self.lines.error(where, f"secret file {raw} is not UTF-8 text (line {line}, column {column})"
                                       ) from exc
            self.lines.record((*path, target), self.lines.line(where) or 0)
        return mapping

    def _expand(self, value: str, path: YamlPath) -> str:
        def repl(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            name, default = match.group(1), match.group(2)
            found = self.env.get(name)
            if found is not None and (found != "" or default is None):
                return found
            if default is not None:
                return default
            raise self.lines.error(path, f"environment variable {name} is not set (use ${{{name}:-default}})")

        return _VAR.sub(repl, value)


def _syntax_error(exc: yaml.MarkedYAMLError, path: Path) -> ConfigError:
    """A YAML syntax error at the line where the broken construct starts (an unclosed bracket or
    quote is reported by the parser only where it noticed, often lines later): both are named."""
    problem, opened = exc.problem_mark, exc.context_mark
    message = f"invalid YAML: {exc.problem or exc}"
    if "'\\t'" in message:  # PyYAML names a tab that way
        message += " (YAML is indented with spaces, not tabs)"
    unclosed = any(word in (exc.context or "") for word in ("flow", "quoted"))  # a bracket, brace or quote
    if problem is not None and opened is not None and opened.line < problem.line and unclosed:
        message += f" on line {problem.line + 1}, {exc.context} that starts here"
        return ConfigError(message, file=str(path), line=opened.line + 1)
    mark = problem or opened
    return ConfigError(message, file=str(path), line=mark.line + 1 if mark is not None else None)


def _unprintable(exc: yaml.reader.ReaderError, text: str, path: Path) -> ConfigError:
    """A character YAML does not allow in a file (a control character), at its line and column."""
    before = text[: exc.position]
    column = exc.position - (before.rfind("\n") + 1) + 1
    message = (f"invalid YAML: character U+{exc.character:04X} at column {column} is not allowed (delete it, "
               "or write it escaped in a double-quoted string)")
    return ConfigError(message, file=str(path), line=before.count("\n") + 1)


def _read_config(path: Path) -> str:
    try:
        return read_utf8(path)
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror or exc}", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        line, column = _position(exc)
        raise ConfigError(f"not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at column {column}; save the file "
                          "as UTF-8", file=str(path), line=line) from exc


def read_utf8(path: Path) -> str:
    """The file's text; UnicodeDecodeError (see :func:`_position`) when it is not UTF-8."""
    return path.read_bytes().decode("utf-8")


def _position(exc: UnicodeDecodeError) -> tuple[int, int]:
    """The 1-based line and column (in bytes) of the first byte that is not UTF-8."""
    before = bytes(exc.object[: exc.start])
    return before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1
