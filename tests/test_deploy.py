"""Deployment files: the systemd unit is hardened and runs the daemon; compose wires the three services."""

from __future__ import annotations

import configparser

import yaml

from tests.conftest import ROOT


def test_systemd_unit() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "config" / "monitor.service")
    service = unit["Service"]
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
