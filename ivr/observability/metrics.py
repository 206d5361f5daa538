"""The Prometheus metrics of one `robocall serve` process, on its own registry (no global state).

Two kinds:
- events counted as they happen, through the hooks the dialer and the database retry call
  (``call_started``, ``call_ended``, ``db_call``);
- state read at each scrape (``LiveCollector``): the ARI connection, calls in progress, the trunk's 503
  share, and a snapshot of the database and the PBX that ``Scrape.refresh`` takes just before.
Label values come from closed sets (outcomes, operation names chosen in code, campaign ids, the trunk's
name): ``safe_label`` refuses anything that looks like a phone number, as a last guard.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Protocol, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ivr.calls.outcomes import ATTEMPT_OUTCOMES
from ivr.storage.gauges import StoreGauges

NAMESPACE = "robocall"
_DIGITS = re.compile(r"\d{6,}")
DB_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CALL_OUTCOMES = frozenset(ATTEMPT_OUTCOMES) | {"failed"}


def safe_label(value: str) -> str:
    """A label value that cannot carry a phone number: a run of 6 or more digits becomes "redacted"."""
    return "redacted" if _DIGITS.search(value) else value


def outcome_label(outcome: str) -> str:
    return outcome if outcome in CALL_OUTCOMES else "other"


class ServiceMetrics:
    """The counters and histograms that code updates as things happen."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        disable_created_metrics()  # no *_created series: half the text, nothing an alert uses
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.calls = Counter("calls", "Outbound calls ended, by the outcome written in the ledger",
                             ["outcome"], namespace=NAMESPACE, registry=r)
        self.originates = Counter("originates", "Outbound calls originated (rate() gives the originate rate)",
                                  namespace=NAMESPACE, registry=r)
        self.db_retries = Counter("db_retries", "Database calls retried after a connection error",
                                  ["operation"], namespace=NAMESPACE, registry=r)
        self.db_seconds = Histogram("db_seconds", "Time of one database call of the dialer, retries included",
                                    ["operation"], namespace=NAMESPACE, buckets=DB_BUCKETS, registry=r)
        for outcome in sorted(CALL_OUTCOMES):
            self.calls.labels(outcome=outcome)  # every outcome present from the start, at 0

    def call_started(self) -> None:
        self.originates.inc()

    def call_ended(self, outcome: str) -> None:
        self.calls.labels(outcome=outcome_label(outcome)).inc()

    def db_call(self, operation: str, seconds: float, tries: int) -> None:
        op = safe_label(operation)
        self.db_seconds.labels(operation=op).observe(seconds)
        if tries > 1:
            self.db_retries.labels(operation=op).inc(tries - 1)


class AriState(Protocol):
    """What the collector and the readiness probe read of the ARI client (ivr.ari.client.AriClient)."""

    @property
    def connected(self) -> bool: ...

    reconnects: int
    event_lag: float


class DialerState(Protocol):
    """What the collector reads of a running dialer (ivr.calls.dialer.Dialer)."""

    @property
    def calls_in_progress(self) -> int: ...

    @property
    def congestion_share(self) -> float: ...

    @property
    def concurrency_limit(self) -> int: ...


@dataclass(frozen=True)
class PbxGauges:
    """Read from the PBX's own metrics (res_prometheus) at each scrape: registration state per trunk."""

    reachable: bool = False
    registrations: dict[str, int] = field(default_factory=dict)  # registration name -> 0/1/2 (res_prometheus)
    endpoints: dict[str, int] = field(default_factory=dict)  # PJSIP endpoint -> 0 unknown, 1 offline, 2 online


@dataclass
class Snapshot:
    """What the last refresh read from the database and the PBX (the collector reads it synchronously)."""

    store: StoreGauges | None = None
    pbx: PbxGauges = field(default_factory=PbxGauges)
    hotline_conversations: int = 0


class LiveCollector(Collector):
    """State read at scrape time from the ARI client, the dialers and the last snapshot."""

    def __init__(self, ari: AriState, dialers: Callable[[], Sequence[DialerState]], snapshot: Snapshot,
                 trunk: str = "trunk") -> None:
        self.trunk = trunk
        self.ari = ari
        self.dialers = dialers
        self.snapshot = snapshot

    def collect(self) -> Iterable[Metric]:
        yield from self._ari()
        yield from self._calls()
        yield from self._store()
        yield from self._pbx()

    def _ari(self) -> Iterator[Metric]:
        yield _gauge("ari_connected", "1 while the ARI event websocket is connected", float(self.ari.connected))
        reconnects = CounterMetricFamily(f"{NAMESPACE}_ari_reconnects", "Times the ARI websocket came back")
        reconnects.add_metric([], float(self.ari.reconnects))
        yield reconnects
        yield _gauge("ari_event_lag_seconds", "Last event's delay from Asterisk's timestamp to the controller",
                     float(self.ari.event_lag))

    def _calls(self) -> Iterator[Metric]:
        dialers = list(self.dialers())
        yield _gauge("calls_in_progress", "Outbound calls up now (all campaigns)",
                     float(sum(d.calls_in_progress for d in dialers)))
        share = max((d.congestion_share for d in dialers), default=0.0)
        yield _gauge("trunk_congestion_share", "Share of the last call set-ups the network answered 503 (or the "
                     "like), the highest among running campaigns", share)
        if dialers:  # the PBX's adaptive limit (ivr/calls/limiter.py): one limiter per PBX, shared by its dialers
            yield _gauge("concurrency_limit", "Calls the adaptive limiter lets the PBX carry now (at most "
                         "dialer.max_concurrent)", float(min(d.concurrency_limit for d in dialers)))
        yield _gauge("hotline_conversations", "Hotline callers talking with the robot now",
                     float(self.snapshot.hotline_conversations))

    def _store(self) -> Iterator[Metric]:
        store = self.snapshot.store
        if store is None:
            return
        yield _gauge("campaigns_running", "Campaigns in status running", float(store.campaigns_running))
        pending = GaugeMetricFamily(f"{NAMESPACE}_campaign_contacts_pending",
                                    "Attempts not yet done (pending, claimed or dialling), per running campaign",
                                    labels=["campaign"])
        for campaign, count in sorted(store.pending_by_campaign.items()):
            pending.add_metric([safe_label(str(campaign))], float(count))
        yield pending
        yield _gauge("hotline_callers_waiting", "Callers waiting in the staff queue", float(store.callers_waiting))
        yield _gauge("hotline_longest_wait_seconds", "How long the caller waiting longest has waited",
                     store.longest_wait_seconds)

    def _pbx(self) -> Iterator[Metric]:
        pbx = self.snapshot.pbx
        yield _gauge("pbx_metrics_up", "1 if the PBX's own metrics (res_prometheus) answered", float(pbx.reachable))
        registered = GaugeMetricFamily(f"{NAMESPACE}_trunk_registered",
                                       "Trunk registration: 1 registered, 0 not (or rejected)", labels=["trunk"])
        for name, state in sorted(pbx.registrations.items()):
            registered.add_metric([safe_label(name)], 1.0 if state == 1 else 0.0)
        yield registered
        if self.trunk in pbx.endpoints:
            yield _gauge("trunk_reachable", "1 while the PBX sees the trunk's endpoint online",
                         1.0 if pbx.endpoints[self.trunk] == 2 else 0.0)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{NAMESPACE}_{name}", doc, value=value)


_ENDPOINT = re.compile(r'^asterisk_endpoints_state\{([^}]*)\}\s+(\S+)', re.M)
_REGISTRATION = re.compile(r'^asterisk_pjsip_outbound_registration_status\{([^}]*)\}\s+(\S+)', re.M)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_registrations(text: str) -> dict[str, int]:
    """res_prometheus's text: registering user -> status (0 unregistered, 1 registered, 2 rejected)."""
    out: dict[str, int] = {}
    for m in _REGISTRATION.finditer(text):
        labels = dict(_LABEL.findall(m.group(1)))
        # Asterisk 22 labels it by the registration's client URI (username="sip:<user>@<domain>").
        user = re.sub(r"^sips?:", "", labels.get("username", "")).partition("@")[0]
        name = labels.get("configuration") or user or "trunk"
        try:
            out[name] = int(float(m.group(2)))
        except ValueError:
            continue
    return out


def parse_endpoints(text: str) -> dict[str, int]:
    """res_prometheus's text: PJSIP endpoint name -> state (0 unknown, 1 offline, 2 online)."""
    out: dict[str, int] = {}
    for m in _ENDPOINT.finditer(text):
        labels = dict(_LABEL.findall(m.group(1)))
        if labels.get("tech") == "PJSIP" and labels.get("resource"):
            try:
                out[labels["resource"]] = int(float(m.group(2)))
            except ValueError:
                continue
    return out
