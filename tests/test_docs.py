"""Every config setting is documented in the README, the README's commands exist, and its layout is the tree."""

from __future__ import annotations

import ast
import re
import types
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from monitor.config import Config, load_config
from monitor.units import parse_duration, parse_size
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


def setting_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, FieldInfo]]:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        yield path, info
        for sub, is_list in _models(info.annotation):
            yield from setting_fields(sub, f"{path}[]." if is_list else f"{path}.")


def setting_rows() -> dict[str, tuple[str, str]]:
    """Each row of the settings tables: its default and meaning cells, by setting."""
    rows = (re.match(r"\| `([^`]+)` \| (.*?) \| (.*) \|$", line) for line in README.splitlines())
    return {m.group(1): (m.group(2), m.group(3)) for m in rows if m}


def test_every_documented_default_is_the_real_one() -> None:
    rows = setting_rows()
    wrong = []
    for path, info in setting_fields(Config):
        written, default = rows[path][0].strip("`"), info.default
        if isinstance(default, bool):
            same = written == str(default).lower()
        elif isinstance(default, timedelta):
            same = parse_duration(written) == default
        elif isinstance(default, int | float):
            same = (parse_size(written) if path.endswith("_bytes") else float(written)) == default
        elif isinstance(default, str):
            same = written == default or (written.endswith("(…)") and default.startswith(written[:-3]))
        else:
            continue  # none, a list, a section: described in words
        if not same:
            wrong.append(f"{path}: README {written}, code {default}")
    assert wrong == []


def test_every_numeric_limit_is_documented() -> None:
    rows = setting_rows()
    missing = []
    for path, info in setting_fields(Config):
        for constraint in info.metadata:
            for bound in (getattr(constraint, name, None) for name in ("ge", "gt", "le", "lt")):
                if bound is not None and not re.search(rf"(?<!\d)(?<!\d\.){bound:g}(?!\.?\d)", rows[path][1]):
                    missing.append(f"{path}: {bound:g}")
    assert missing == []


README_EXAMPLES = {  # values the Configuration section shows, as a config would hold them
    "database_url": "postgresql://user:pass@host/db", "health_listen": "127.0.0.1:9108", "web_listen": ":8766",
    "public_url": "https://news.example.org/monitor",
    "query": '("Imran Khan" OR Tehreek-e-Insaf OR (PTI NEAR/8 (party OR leader))) -Bollywood',
    "query2": "Khan (NOT Bollywood)", "query3": "(a NEAR/5 b) (b NEAR/5 c)", "alias": "عمران خان",
    "mail": "mailtos://user:pass@smtp.example.com?to=you@example.com", "slack": "slack://TokenA/TokenB/TokenC/#channel",
    "json": "json://host/path", "off": "${MONITOR_EMAIL_URL:-}", "cron": "0 8,20 * * *", "every": "every 6h",
    "interval": "1h30m", "size": "512KB",
}


def test_the_configuration_examples_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONITOR_EMAIL_URL", raising=False)
    assert [name for name, value in README_EXAMPLES.items() if value not in README] == []
    text = """\
database_url: {database_url}
health_listen: "{health_listen}"
web_listen: "{web_listen}"
public_url: {public_url}
topics:
  - {{name: imran-khan, query: '{query}', google_query: Imran Khan, aliases: [{alias}], languages: [en, ur, pcm]}}
  - {{name: namesakes, query: '{query2}'}}
  - {{name: near, query: '{query3}', google_news: false}}
channels:
  - {{name: email, url: "{mail}"}}
  - {{name: slack, url: "{slack}"}}
  - {{name: hook, url: "{json}"}}
  - {{name: unset, url: "{off}"}}
digests:
  - {{name: daily, schedule: "{cron}", timezone: Asia/Karachi, quiet_hours: "22:00-07:00", channels: [email, unset]}}
  - {{name: often, schedule: {every}, min_score: 0.5}}
  - {{name: now, schedule: immediate}}
polling: {{interval: {interval}, max_page_bytes: {size}, allow_hosts: [127.0.0.1], host_delay: 0s}}
""".format(**README_EXAMPLES)
    (tmp_path / "watchlist.yaml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "watchlist.yaml")
    assert [c.name for c in config.channels] == ["email", "slack", "hook"] and config.digests[0].channels == ["email"]


def test_readme_shows_the_two_commands_and_every_cli_command() -> None:
    assert "make run" in README and "make test" in README
    for command in ("monitor run", "monitor poll --once", "monitor digest NAME --dry-run", "monitor check-config",
                    "monitor seeds list", "monitor status", "monitor demo", "monitor db upgrade",
                    "monitor db downgrade",
                    "monitor feeds enable", "monitor feeds show", "monitor feeds import", "monitor feeds export",
                    "monitor replay", "monitor explain", "monitor feed", "monitor test-notify"):
        assert command in README, command


GLOBAL_OPTIONS = ("--config", "-c", "--verbose", "-v", "--log-format", "--help")


def cli_commands() -> dict[str, set[str]]:
    """Every command of the CLI (``feeds show``) with the option names it takes (``--out``, ``-f``)."""
    import typer

    from monitor.cli import app

    found: dict[str, set[str]] = {}

    def walk(command: Any, path: str) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is not None:  # a group: seeds, feeds, db, or the CLI itself
            for name, sub in subcommands.items():
                walk(sub, f"{path} {name}".strip())
            return
        found[path] = {name for p in command.params if p.param_type_name == "option"
                       for name in (*p.opts, *p.secondary_opts)} - set(GLOBAL_OPTIONS)

    walk(typer.main.get_command(app), "")
    return found


def command_rows() -> dict[str, str]:
    """The rows of the README's table of commands: each command (as the CLI names it) and its row."""
    start = README.index("| command | what it does |")
    rows: dict[str, str] = {}
    for line in README[start:].splitlines()[2:]:
        if not line.startswith("| `monitor "):
            break
        words = re.match(r"\| `monitor ([a-z-]+(?: [a-z][a-z-]*)?)[ `]", line)
        assert words is not None, line
        rows[words.group(1)] = rows.get(words.group(1), "") + line  # digest has two rows
    return rows


def test_every_cli_command_and_option_is_in_the_readme_table_of_commands() -> None:
    commands, rows = cli_commands(), command_rows()
    assert "feeds show" in commands and "--dry-run" in commands["digest"]
    assert sorted(rows) == sorted(commands)  # no command missing from the table, none that does not exist
    missing = [f"{c} {o}" for c, options in commands.items() for o in sorted(options)
               if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", rows[c])]
    assert missing == []


def test_every_option_the_readme_names_for_a_command_exists() -> None:
    commands = cli_commands()
    unknown = [f"{c} {o}" for c, row in command_rows().items()
               for o in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", row)
               if o not in commands[c] and o not in GLOBAL_OPTIONS]
    assert unknown == []


def test_every_global_option_and_exit_code_is_as_the_readme_says(capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.cli import main

    assert "`--config PATH` / `-c PATH` (or `$MONITOR_CONFIG`; default `config/watchlist.yaml`)" in README
    assert "`--verbose` / `-v` and `--log-format text|json`, before or after the command name" in README
    assert "Exit codes: `0` success, `2` bad config or usage, `1` runtime failure." in " ".join(README.split())
    assert main(["no-such-command"]) == 2
    assert main(["--log-format", "yaml", "status"]) == 2
    capsys.readouterr()


def test_every_setting_the_readme_tables_name_exists() -> None:
    paths = set(setting_paths(Config))
    rows = [path for path in setting_rows() if not path.startswith("monitor ")]
    assert len(rows) > 50 and [path for path in rows if path not in paths] == []


def test_every_metric_is_named_in_the_readme() -> None:
    from prometheus_client import Counter

    from monitor.metrics import REGISTRY

    names = [c._name + ("_total" if isinstance(c, Counter) else "")  # type: ignore[attr-defined]
             for c in REGISTRY._collector_to_names]  # type: ignore[attr-defined]
    assert len(names) == 8
    missing = [name for name in names if not re.search(rf"`{name}(\{{[a-z,]+\}})?`", README)]
    assert missing == []


def test_the_caps_on_untrusted_text_are_the_readme_ones() -> None:
    from monitor.untrusted import CAPS

    start = README.index("**Untrusted text.**")
    text = " ".join(README[start:README.index("\n\n", start)].split())
    written = {"title": r"title ([\d,]+) characters", "author": r"author and outlet ([\d,]+)",
               "outlet": r"author and outlet ([\d,]+)", "summary": r"summary ([\d,]+)",
               "text": r"article text ([\d,]+)", "url": r"links ([\d,]+)", "guid": r"GUIDs ([\d,]+)",
               "header": r"response headers ([\d,]+)"}
    assert sorted(written) == sorted(CAPS)
    wrong = []
    for field, pattern in written.items():
        found = re.search(pattern, text)
        if found is None or int(found.group(1).replace(",", "")) != CAPS[field]:
            wrong.append(f"{field}: README {found.group(1) if found else None}, code {CAPS[field]}")
    assert wrong == []


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


LAYERS = ("entry points", "use cases", "stages", "seams", "foundations")
SIDEWAYS = {("monitor.config", "monitor.notify")}  # the config validates channel URLs with apprise


def test_imports_run_down_the_readme_layers() -> None:
    """No module imports one in a layer above its own (the README's layout table)."""
    layer_of = _layers()
    offences = []
    for module, imported in _imports():
        mine, theirs = layer_of.get(module), layer_of.get(imported)
        if mine is not None and theirs is not None and theirs < mine and (module, imported) not in SIDEWAYS:
            offences.append(f"{module} ({LAYERS[mine]}) imports {imported} ({LAYERS[theirs]})")
    assert not offences, offences


def _layers() -> dict[str, int]:
    """Each module of the package with the index of its layer in the README's table."""
    rows = {}
    for line in README.splitlines():
        cells = line.split("|")
        if len(cells) > 3 and cells[1].strip() in LAYERS:
            rows[LAYERS.index(cells[1].strip())] = re.findall(r"`([\w/.]+)`", cells[2])
    placed: dict[str, int] = {}
    for path in (ROOT / "monitor").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        relative = path.relative_to(ROOT / "monitor").as_posix()
        exact = [i for i, names in rows.items() if relative in names]
        inside = sorted((len(n), i) for i, names in rows.items() for n in names if n.endswith("/")
                        and relative.startswith(n))
        if exact or inside:
            placed[module] = exact[0] if exact else inside[-1][1]  # a file named on its own, else its package
    return placed


def _imports() -> list[tuple[str, str]]:
    edges = []
    for path in (ROOT / "monitor").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("monitor"):
                edges += [(module, node.module)] + [(module, f"{node.module}.{a.name}") for a in node.names]
            elif isinstance(node, ast.Import):
                edges += [(module, a.name) for a in node.names if a.name.startswith("monitor")]
    return edges


def test_every_option_of_the_fitting_script_is_in_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.novelty.fit import main

    with pytest.raises(SystemExit):
        main(["--help"])
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", capsys.readouterr().out)) - {"--help"}
    start = README.index("To refit the judge's two models")
    section = README[start:README.index("## Seeds", start)]
    missing = [o for o in sorted(options) if not re.search(rf"{o}(?![\w-])", section)]
    assert "--repeats" in options and missing == []
