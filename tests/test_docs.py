"""Every config setting is documented in the README, and the README's commands exist."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Union, get_args, get_origin

from pydantic import BaseModel

from monitor.config import Config
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def setting_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        yield path
        for sub, is_list in _models(info.annotation):
            yield from setting_paths(sub, f"{path}[]." if is_list else f"{path}.")


def _models(annotation: object) -> Iterator[tuple[type[BaseModel], bool]]:
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, False
    elif origin is list:
        for arg in get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                yield arg, True
    elif origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            yield from _models(arg)


def test_every_setting_is_documented() -> None:
    paths = list(setting_paths(Config))
    assert "digests[].schedule" in paths and "polling.allow_hosts" in paths
    missing = [p for p in paths if f"`{p}`" not in README]
    assert missing == []


def test_readme_shows_the_two_commands_and_every_cli_command() -> None:
    assert "make run" in README and "make test" in README
    for command in ("monitor run", "monitor poll --once", "monitor digest NAME --dry-run", "monitor check-config",
                    "monitor seeds list", "monitor status", "monitor demo", "monitor db upgrade",
                    "monitor feeds enable", "monitor feeds show", "monitor feeds import", "monitor feeds export",
                    "monitor replay", "monitor explain", "monitor feed", "monitor test-notify"):
        assert command in README, command


def test_ci_calls_make_test() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_layout_names_every_module_in_the_tree() -> None:
    """The layout table in "How it works" is the tree as it is: each module and package is placed."""
    start = README.index("Where to change what")
    layout = README[start : README.index("Errors follow one model", start)]
    package = ROOT / "monitor"
    names = [f"{p.name}" for p in package.glob("*.py") if p.name != "__init__.py"]
    names += [f"{p.name}/" for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    missing = [name for name in sorted(names) if f"`{name}" not in layout]
    assert not missing, f"modules missing from the README's layout: {missing}"
