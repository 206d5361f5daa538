"""The operator's files under deploy/ agree with the code: alert rules and the dashboard name only metrics
that `robocall serve` exports, and the systemd unit passes `systemd-analyze verify`."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client import generate_latest

from ivr.config import PROJECT_ROOT
from ivr.observability.metrics import LiveCollector, PbxGauges, ServiceMetrics, Snapshot
from ivr.storage.gauges import StoreGauges

DEPLOY = PROJECT_ROOT / "deploy"
PROMQL_WORDS = {"up", "increase", "rate", "sum", "by", "and", "or", "unless", "max", "min", "avg", "histogram_quantile",
                "le", "on", "ignoring", "without", "count", "irate", "topk", "clamp_min", "time", "offset"}


class _Ari:
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
