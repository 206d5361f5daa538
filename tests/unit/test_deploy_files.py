"""The operator's files under deploy/ agree with the code: alert rules and the dashboard name only metrics
that `robocall serve` exports, and the systemd unit passes `systemd-analyze verify`."""
from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from prometheus_client import generate_latest

from ivr import config
from ivr.config import PROJECT_ROOT
from ivr.observability.metrics import LiveCollector, PbxGauges, ServiceMetrics, Snapshot
from ivr.storage.gauges import StoreGauges

DEPLOY = PROJECT_ROOT / "deploy"
PROMQL_WORDS = {"up", "increase", "rate", "sum", "by", "and", "or", "unless", "max", "min", "avg", "histogram_quantile",
                "le", "on", "ignoring", "without", "count", "irate", "topk", "clamp_min", "time", "offset"}


class _Ari:
    """The ARI client as the collector reads it (AriState)."""

    connected, reconnects, event_lag = True, 0, 0.0


def exported_names() -> set[str]:
    """Every sample name serve's /metrics can carry (a full snapshot, so optional families show)."""
    metrics = ServiceMetrics()
    snapshot = Snapshot(StoreGauges(1, {1: 1}, 1, 1.0), PbxGauges(True, {"reg": 1}, {"trunk": 2}), 0)
    metrics.registry.register(LiveCollector(_Ari(), lambda: [], snapshot))
    metrics.db_call("x", 0.1, 2)
    text = generate_latest(metrics.registry).decode()
    return {line.split("{")[0].split()[0] for line in text.splitlines() if line and not line.startswith("#")}


def metric_names(expr: str) -> set[str]:
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # label lists
    return {w for w in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr) if w not in PROMQL_WORDS}


def test_alert_rules_name_exported_metrics():
    rules = yaml.safe_load((DEPLOY / "monitoring/alerts.yml").read_text())
    exported = exported_names() | {"up"}
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"]}
    for wanted in ("RobocallTrunkUnregistered", "RobocallAriDown", "RobocallTrunkCongestion",
                   "RobocallCallersWaitingTooLong"):
        assert wanted in alerts
    for name, rule in alerts.items():
        unknown = metric_names(rule["expr"]) - exported
        assert not unknown, f"{name}: {unknown} not exported by serve"
        assert rule["labels"]["severity"] in ("critical", "warning") and rule["annotations"]["summary"]


SYSTEMD = DEPLOY / "systemd"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed (the Makefile's APT_PACKAGES brings it: systemd)")
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path):
    """The units as installed (their /opt/robocall prefix replaced by this checkout, and the command by this
    virtualenv's), with the user they name created (systemd-sysusers, idempotent): verify prints nothing."""
    if os.geteuid() == 0:
        created = _run("systemd-sysusers", str(SYSTEMD / "robocall.sysusers"))
        assert created.returncode == 0, created.stderr
        assert pwd.getpwnam("robocall").pw_dir == "/var/lib/robocall"
    exe = Path(sys.executable).with_name("robocall")
    assert exe.exists(), "the virtualenv has no robocall command"
    units = [SYSTEMD / "robocall.service", DEPLOY / "backup/robocall-backup.service",
             DEPLOY / "backup/robocall-backup.timer"]
    for unit in units:
        text = unit.read_text(encoding="utf-8").replace("/opt/robocall/.venv/bin/robocall", str(exe))
        (tmp_path / unit.name).write_text(text.replace("/opt/robocall", str(PROJECT_ROOT)), encoding="utf-8")
    result = _run("systemd-analyze", "verify", "--man=no", *(str(tmp_path / u.name) for u in units))
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr
    broken = tmp_path / "broken" / "robocall.service"
    broken.parent.mkdir()
    broken.write_text((tmp_path / "robocall.service").read_text().replace("ProtectSystem=strict", "ProtectSytem=strict"))
    assert "Unknown key" in _run("systemd-analyze", "verify", "--man=no", str(broken)).stderr  # the check can fail


def test_the_unit_is_hardened_and_ready_by_notify():
    keys: dict[str, str] = {}
    for line in (SYSTEMD / "robocall.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            keys[key.strip()] = value.strip()
    assert keys["Type"] == "notify" and keys["Restart"] == "on-failure" and keys["User"] == "robocall"
    assert keys["NoNewPrivileges"] == "yes" and keys["ProtectSystem"] == "strict" and keys["PrivateTmp"] == "yes"
    assert "Environment=ROBOCALL_LOG_FILE=" in (SYSTEMD / "robocall.service").read_text()  # journald
    assert float(keys["TimeoutStopSec"]) > config.ServiceSettings.shutdown_grace


@pytest.mark.skipif(shutil.which("systemd-tmpfiles") is None or shutil.which("systemd-sysusers") is None,
                    reason="systemd-tmpfiles/systemd-sysusers are not installed (package systemd)")
def test_sysusers_and_tmpfiles_create_the_folders(tmp_path: Path):
    (tmp_path / "etc").mkdir()
    assert _run("systemd-sysusers", f"--root={tmp_path}", str(SYSTEMD / "robocall.sysusers")).returncode == 0
    result = _run("systemd-tmpfiles", "--create", f"--root={tmp_path}", str(SYSTEMD / "robocall.tmpfiles"))
    assert result.returncode == 0, result.stderr
    uid = next(int(line.split(":")[2]) for line in (tmp_path / "etc/passwd").read_text().splitlines()
               if line.startswith("robocall:"))
    for folder in ("var/lib/robocall", "var/lib/robocall/inbox", "var/lib/robocall/outbox"):
        assert (tmp_path / folder).stat().st_uid == uid
    assert oct((tmp_path / "var/lib/robocall").stat().st_mode & 0o777) == "0o750"


def _days(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not found"
    return int(found.group(1))


def test_log_retention_fits_the_purge_policy():
    retention = config.Settings().retention_days
    journald = (SYSTEMD / "journald@robocall.conf").read_text()
    assert _days(r"MaxRetentionSec=(\d+)day", journald) <= retention
    rotate = (DEPLOY / "logrotate/robocall").read_text()
    assert _days(r"rotate (\d+)", rotate) <= retention and "daily" in rotate
    assert _days(r"maxage (\d+)", rotate) <= retention
    assert "30d" in (SYSTEMD / "robocall.tmpfiles").read_text()  # reports in outbox/


@pytest.mark.skipif(shutil.which("logrotate") is None, reason="logrotate is not installed")
def test_logrotate_reads_the_config(tmp_path: Path):
    result = _run("logrotate", "--debug", "--state", str(tmp_path / "state"), str(DEPLOY / "logrotate/robocall"))
    assert result.returncode == 0 and "error" not in result.stderr.lower(), result.stderr


def test_the_grafana_dashboard_names_exported_metrics():
    import json

    dashboard = json.loads((DEPLOY / "monitoring/grafana-dashboard.json").read_text())
    exported = exported_names()
    titles = set()
    for panel in dashboard["panels"]:
        titles.add(panel["title"])
        for target in panel["targets"]:
            unknown = metric_names(target["expr"]) - exported
            assert not unknown, f"{panel['title']}: {unknown} not exported by serve"
    assert {"Trunk registered", "Trunk 503 share", "Hotline: longest wait", "ARI connected"} <= titles
