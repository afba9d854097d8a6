"""Deployment files: the systemd unit is hardened and runs the daemon; compose wires the three services."""

from __future__ import annotations

import configparser
import inspect
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath

import pytest
import yaml

from tests.conftest import ROOT


def test_systemd_unit() -> None:
    service = _service()
    assert service["ExecStart"].endswith("monitor --log-format json run")
    assert service["User"] == "monitor" and service["KillSignal"] == "SIGTERM"
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                       ("ReadWritePaths", "/opt/monitor/data")):
        assert service[key] == value


def test_compose_runs_monitor_postgres_and_mailpit() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"monitor", "db", "mailpit"}
    monitor = compose["services"]["monitor"]
    assert monitor["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert monitor["env_file"] == ".env" and (ROOT / "config" / "monitor.env.example").exists()
    assert "Dockerfile" in monitor.get("build", ".") or monitor["build"] == "."


def _dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_image_copies_every_file_the_package_build_needs_before_installing_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    copied: set[str] = set()
    for line in _dockerfile():
        if line.startswith("RUN ") and "pip install --no-cache-dir ." in line:
            break
        if line.startswith("COPY "):
            copied.update(arg.rstrip("/") for arg in line.split()[1:-1] if not arg.startswith("--"))
    else:
        raise AssertionError("the Dockerfile installs the package with `pip install --no-cache-dir .`")
    needed = {project["readme"], *project.get("license-files", []), "pyproject.toml", "monitor"}
    assert needed <= copied, f"not in the image when pip builds it: {sorted(needed - copied)}"
    assert all((ROOT / name).exists() for name in copied)


def test_the_build_context_leaves_out_secrets_and_local_state_but_nothing_the_image_copies() -> None:
    ignored = {line.strip().strip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".env", ".venv", "data", ".git"} <= ignored
    sources = {arg.rstrip("/") for line in _dockerfile() if line.startswith("COPY ")
               for arg in line.split()[1:-1] if not arg.startswith("--")}
    assert not sources & ignored
    assert "**/data" not in ignored  # monitor/demo/data is package data


def test_the_health_check_asks_the_address_the_daemon_serves() -> None:
    lines = _dockerfile()
    env = " ".join(line for line in lines if line.startswith("ENV "))
    listen = re.search(r"MONITOR_HEALTH_LISTEN=(\S+)", env)
    assert listen is not None
    port = listen.group(1).rpartition(":")[2]
    check = next(line for line in lines if line.startswith("HEALTHCHECK "))
    assert f"http://127.0.0.1:{port}/healthz" in check
    assert f"EXPOSE {port}" in lines
    assert re.search(r"^health_listen: \$\{MONITOR_HEALTH_LISTEN:-\}", (ROOT / "config" / "watchlist.yaml").read_text(),
                     re.MULTILINE)
    monitor = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["monitor"]
    assert monitor["environment"]["MONITOR_HEALTH_LISTEN"] == listen.group(1)
    assert f"127.0.0.1:{port}:{port}" in monitor["ports"]


def _service() -> configparser.SectionProxy:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "config" / "monitor.service")
    return unit["Service"]


def test_the_unit_leaves_writable_exactly_the_data_folder_of_its_config() -> None:
    service = _service()
    config_path = PurePosixPath(service["Environment"].removeprefix("MONITOR_CONFIG="))
    config = yaml.safe_load((ROOT / "config" / config_path.name).read_text())
    data_dir = os.path.normpath(config_path.parent / config["data_dir"])
    assert service["ReadWritePaths"] == data_dir == f"{service['WorkingDirectory']}/data"
    assert service["ExecStart"].startswith(f"{service['WorkingDirectory']}/.venv/bin/")  # what make creates
    header = (ROOT / "config" / "monitor.service").read_text().split("[Unit]")[0]
    assert f"mkdir -p {data_dir}" in header  # ReadWritePaths= fails the start when the folder is missing


def test_supervisors_wait_longer_than_the_daemon_takes_to_stop() -> None:
    from monitor.cli import run

    stop_timeout = inspect.signature(run).parameters["stop_timeout"].default
    assert int(_service()["TimeoutStopSec"]) > stop_timeout
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["monitor"]
    assert int(compose["stop_grace_period"].removesuffix("s")) > stop_timeout


def _make(tmp_path: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    env = {**os.environ, "PATH": path} if path is not None else dict(os.environ)
    env.pop("PYTHON", None)
    return subprocess.run([make, "-C", str(ROOT), f"VENV={tmp_path / 'venv'}", *args, "check-config"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_make_names_the_python_it_refuses_and_creates_no_environment(tmp_path: Path) -> None:
    old = _script(tmp_path / "python3.10", 'if [ "$1" = -V ]; then echo "Python 3.10.12"; exit 0; fi\nexit 1\n')

    result = _make(tmp_path, f"PYTHON={old}")
    missing = _make(tmp_path, f"PYTHON={tmp_path / 'python3.99'}")

    assert result.returncode != 0 and f"Python 3.11 or newer is required; {old}: Python 3.10.12" in result.stderr
    assert missing.returncode != 0 and "python3.99: not found" in missing.stderr
    assert not (tmp_path / "venv").exists()


def test_make_without_a_python_3_11_on_path_says_so(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    _script(tmp_path / "bin" / "python3", "exit 1\n")  # an older Python: the version probe fails

    result = _make(tmp_path, path=str(tmp_path / "bin"))

    assert result.returncode != 0 and "Python 3.11 or newer is required: none of" in result.stderr
    assert not (tmp_path / "venv").exists()


def test_make_without_the_venv_module_says_what_to_install(tmp_path: Path) -> None:
    python = _script(tmp_path / "python3.11", f'case "$*" in *ensurepip*) exit 1;; esac\nexec {sys.executable} "$@"\n')

    result = _make(tmp_path, f"PYTHON={python}")

    assert result.returncode != 0 and "apt install python3-venv" in result.stderr
    assert not (tmp_path / "venv").exists()
