"""Typed settings: a YAML file plus ROBOCALL_* environment variables, loaded once and passed down.

Precedence: defaults < YAML file < environment. The file is ``$ROBOCALL_CONFIG`` or ``robocall.yaml`` in
the working directory if present. Any setting can be overridden as ``ROBOCALL_<SECTION>_<KEY>``, for example
``ROBOCALL_DATABASE_URL`` or ``ROBOCALL_ARI_PASSWORD``. A secret can also be read from a file with
``ROBOCALL_<SECTION>_<KEY>_FILE`` (Docker/Kubernetes secrets).

A typo must not be silently ignored: an unknown ``ROBOCALL_<SECTION>_<KEY>`` of a known section, or a name
close to a known setting, is an error naming the closest setting. The variables that tests and tooling
read themselves are listed once, in ``TOOLING_VARIABLES``. Known names are derived from the dataclasses
below, so a new setting needs nothing more than its field.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from ivr.i18n import _

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARI_PASSWORD = "robocall-sandbox"
# ROBOCALL_* variables that are not settings: read by tests, tooling and the Docker files themselves.
TOOLING_VARIABLES = frozenset({
    "ROBOCALL_CONFIG",  # the config file (read by load())
    "ROBOCALL_TEST_POSTGRES_URL",  # tests and bench: the PostgreSQL server for throw-away databases
    "ROBOCALL_TEST_SIPP_PORT",  # e2e tests: the SIP port of the SIPp far end (tests/e2e/sipp/)
    "ROBOCALL_FUZZ_SCALE",  # tests/fuzz: how many examples
    "ROBOCALL_DB_PASSWORD",  # docker/: PostgreSQL's password, put into ROBOCALL_DATABASE_URL by compose
    "ROBOCALL_LANG",  # ivr/i18n.py: the language of staff-facing text (vi or en), read before any config
    "ROBOCALL_BACKUP_DIR",  # deploy/backup/robocall-backup: where the nightly dumps go
    "ROBOCALL_BACKUP_KEEP_DAYS",  # deploy/backup/robocall-backup: how long dumps are kept
})


class ConfigError(Exception):
    """A setting is missing, mistyped or unknown; the message names the file or variable and the key."""


@dataclass(frozen=True)
class AriSettings:
    url: str = "http://127.0.0.1:8088"
    username: str = "robocall"
    password: str = DEFAULT_ARI_PASSWORD
    app: str = "robocall"
    # REST requests over the event websocket (Asterisk 20.14 / 21.9 / 22.4 and later); off: HTTP only.
    rest_over_websocket: bool = True
    # Websockets that carry REST requests in parallel (the event websocket is one of them). 8: at 800 calls on
    # the 2-core bench machine the latency bound held in 3 runs of 3 (4 lanes: 5 of 7), and with no limit the
    # controller made 0.975 of the dialplan's calls/min (4 lanes: 0.945) (bench/README.md, "Session 13").
    rest_lanes: int = 8
    # Outbound calls originated into the lanes' applications in turn, so their events too travel in parallel.
    event_lanes: bool = True
    # ARI beyond loopback must be https/wss, its certificate checked (against this CA file when the PBX's
    # certificate is not from a public CA). Plain http to another host only with allow_plain_http, and a loud
    # warning at every start (ivr/protection/ari_safety.py).
    ca_file: str = ""
    allow_plain_http: bool = False


@dataclass(frozen=True)
class TrunkSettings:
    """The operator's SIP trunk as the PBX names it, and the registered caller identity we present."""

    endpoint: str = "trunk"
    caller_id_name: str = "So Y te Thanh Hoa"
    caller_id_number: str = "02373999115"
    ring_timeout: int = 45
    # Seconds without RTP from an answered far end before the PBX hangs up (outcome rtp_timeout: a dead
    # media path, not a silent resident); while the far end holds the call, rtp_timeout_hold. 0: never.
    rtp_timeout: int = 30
    rtp_timeout_hold: int = 300
    # Production only (the Asterisk image in docker/; the sandbox trunks to its simulated network).
    # See asterisk-conf/production/README.md.
    host: str = ""  # the operator's SIP proxy / registrar
    # The operator's SIP addresses (IPs or CIDRs, comma-separated): the only sources the trunk endpoint is
    # identified from and accepts (identify match + ACL). Empty: trunk.host, which must then be an IP.
    allowed_addresses: str = ""
    port: int = 5060
    register: bool = False  # true: registering trunk with digest auth (asterisk-conf/production/)
    username: str = ""
    password: str = ""  # a secret: prefer ROBOCALL_TRUNK_PASSWORD_FILE
    from_domain: str = ""  # empty: host
    transport: str = "udp"  # udp | tcp | tls
    tls_ca_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_verify_server: bool = True
    media_encryption: str = "no"  # no | sdes | dtls


@dataclass(frozen=True)
class SandboxSettings:
    """The local Asterisk used for development, tests and the demo (never production)."""

    dir: str = ".sandbox"
    mirror: str = ""  # empty: the Debian mirror of the host's apt sources
    suite: str = "sid"
    sip_port: int = 5160
    phones_sip_port: int = 5162
    staff_sip_port: int = 5164
    http_port: int = 8088
    personas: str = ""
    staff: int = 3  # simulated staff softphones staff1..N (PJSIP endpoints answered by the phones)
    # PBX nodes (ivr/sandbox/nodes.py): node N listens on sip_port/http_port + (N-1) * node_port_step;
    # with more than one, Kamailio on proxy_sip_port dispatches the hotline's calls over them.
    nodes: int = 1
    node_port_step: int = 10
    proxy_sip_port: int = 5190
    # Carrier mode (ivr/sandbox/carrier.py): the simulated network requires our PBX to register with digest
    # auth (the production trunk template) and refuses (403) calls whose caller ID is not the registered one.
    carrier: bool = False
    carrier_tls_port: int = 5165  # the carrier's TLS port (trunk.transport tls)
    pbx_trunk_sip_port: int = 5166  # the PBX's registering-trunk transport in carrier mode
    staff_impostors: str = ""  # carrier mode: staff phones the far end registers with a wrong password (tests)


@dataclass(frozen=True)
class AudioSettings:
    engine: str = "espeak-ng"
    voice: str = "vi"
    rate: int = 150
    # Where rendered 8 kHz prompts are written, and the same folder as the PBX sees it.
    # Empty: inside the sandbox root.
    cache_dir: str = ""
    pbx_dir: str = ""
    recordings_dir: str = "audio"
    # The group the PBX reads prompts as (name or number): prompt files are 0640 in that group, readable by
    # the PBX and no other user. Empty: the controller's own group (the sandbox's PBX runs as root).
    pbx_group: str = ""
    # gTTS sends each prompt's text to Google: refused for prompts with personal data (names, addresses, a
    # free-text --prompt) unless this says the cross-border transfer is approved (Decree 13/2023).
    gtts_transfer_approved: bool = False
    # `script check` warns when the quickest way to an ending of a script is longer than this many seconds
    # of audio (measured on the rendered prompts, as `script preview` plays them); 0: no check.
    max_path_seconds: float = 50.0
    # How a contact's values (name, address, days) are said: "words" joins each word's audio, said once per
    # process and kept in memory (a new name of known syllables costs no synthesis: CPU per call at 800 calls,
    # ivr/speech/words.py); "phrase" says each value whole (its own intonation, ~6 ms of CPU a new value against ~1).
    value_synthesis: str = "words"

    def __post_init__(self) -> None:
        if self.value_synthesis not in VALUE_SYNTHESES:
            raise ConfigError(_("audio.value_synthesis: expected words or phrase, got {value!r}").format(
                value=self.value_synthesis))


VALUE_SYNTHESES = ("words", "phrase")


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///var/robocall.db"


@dataclass(frozen=True)
class CallSettings:
    digit_timeout: float = 6.0
    max_digits: int = 8
    answer_timeout: float = 10.0  # time allowed between Up and StasisStart
    hangup_grace: float = 5.0
    # With no ARI event for this long, the call's channel is looked up (lost websocket events)...
    watchdog: float = 20.0
    # ... and when it is gone (404), this long is allowed for its real hang-up events before the call is
    # ended as "lost" (no outcome invented from the 404 alone).
    lost_grace: float = 5.0
    # Form of address (xưng hô) in the prompts, from the list's birth year and sex (ivr/scripts/address.py):
    # ông/bà from this age, anh/chị below it; neutral_address when the birth year is missing.
    elder_age: int = 60
    neutral_address: str = "anh/chị"


@dataclass(frozen=True)
class DialerSettings:
    window_start: str = "07:30"
    window_end: str = "20:30"
    # The bounds every campaign's window must lie in (lifted against the sandbox only): ivr/calls/window_rules.py
    window_earliest: str = "07:00"
    window_latest: str = "21:00"
    timezone: str = "Asia/Ho_Chi_Minh"
    max_concurrent: int = 30
    calls_per_second: float = 5.0
    # Adaptive concurrency (ivr/calls/limiter.py), one limiter per PBX: fewer calls up while the p95 of
    # key -> next prompt, ARI round trip or event lag is above the bound; never above max_concurrent.
    adaptive_limit: bool = True
    latency_bound_ms: float = 300.0
    # Look-ahead: while it dials, the dialer renders the values (name, address...) of the next contacts this
    # many attempts ahead, due within render_ahead_minutes, so that a call never waits for its own audio.
    # 0: none (each contact's values are rendered when their attempt is claimed).
    render_ahead: int = 50
    render_ahead_minutes: int = 10
    no_answer_attempts: int = 3
    no_answer_interval_min: int = 30
    network_backoff_min: int = 5
    network_backoff_max_min: int = 120
    network_max_attempts: int = 5
    unfinished_extra_attempts: int = 1
    unfinished_interval_min: int = 30
    rejected_extra_attempts: int = 1   # one 603 Decline is called again once, later
    rejected_interval_min: int = 120
    away_extra_attempts: int = 2  # a family member said the person is away: call again this many times
    away_interval_min: int = 120
    monitoring_days: int = 14
    # The node's name in worker ids and `robocall status` (empty: the host name). Every process gets its
    # own worker id "<node>:<pid>:<random>" whatever this says (ivr.identity).
    worker_id: str = ""


@dataclass(frozen=True)
class PbxSettings:
    """The production Asterisk (docker/): where it listens. The sandbox has its own ports (SandboxSettings)."""

    sip_port: int = 5060
    trunk_sip_port: int = 5061  # the registering trunk's own transport
    http_port: int = 8088  # ARI; reached by the controller only, never published
    # Where ARI/HTTP listens: loopback (the controller shares the PBX's network namespace, docker/compose.yaml).
    # Any other address needs TLS: http_tls_cert_file and http_tls_key_file (ivr/sandbox/values.py refuses).
    http_bind: str = "127.0.0.1"
    http_tls_port: int = 8089
    http_tls_cert_file: str = ""
    http_tls_key_file: str = ""
    rtp_start: int = 20000
    rtp_end: int = 20399
    external_address: str = ""  # public IP or name when behind NAT (docker's bridge network)
    local_net: str = ""  # e.g. 172.16.0.0/12: addresses that are not rewritten to external_address


@dataclass(frozen=True)
class HotlineSettings:
    """The inbound hotline: its number, the staff queue, staff hours and the scripts it runs."""

    number: str = "1080"
    queue: str = "staff"
    staff_hours: str = "07:00-21:00"  # local time (timezone below); start > end spans midnight
    timezone: str = "Asia/Ho_Chi_Minh"
    callback_offer_after: int = 60  # seconds in the queue before a caller is offered a call back
    script: str = "hotline"  # the menu and self-declaration (scripts_vi/hotline.yaml)
    callback_script: str = "hotline_callback"  # the call-back offer after a long wait


@dataclass(frozen=True)
class StaffSettings:
    """Staff softphones that register to the production PBX (asterisk-conf/production/pjsip_staff.conf)."""

    phones: str = ""  # "name:extension,...", e.g. "staff1:201,staff2:202" (the agent is PJSIP/<name>)
    secrets_dir: str = ""  # one file per phone, named after it, holding its SIP password (e.g. /run/secrets/staff)


@dataclass(frozen=True)
class ServiceSettings:
    """`robocall serve`: the long-lived service running the dialer and the hotline."""

    shutdown_grace: float = 120.0  # seconds calls in progress get to finish after SIGTERM
    # /healthz, /readyz and Prometheus /metrics (ivr/observability/); keep them on loopback or an internal
    # network. health_port 0: no health endpoints.
    health_bind: str = "127.0.0.1"
    health_port: int = 9464
    # The PBX's own metrics (res_prometheus, asterisk-conf/pbx/prometheus.conf) read for the trunk's
    # registration state; empty: <ari.url>/metrics with the ARI credentials. "off": not read.
    pbx_metrics_url: str = ""
    # uvloop's event loop for the commands that run calls (serve, campaign run, call) when it imports; off:
    # asyncio's own loop (ivr/eventloop.py; the CPU it saves: bench/README.md, "Controller CPU per call").
    uvloop: bool = True


@dataclass(frozen=True)
class WorkersSettings:
    """Leases of controller processes in the shared database (ivr.workers, ivr.storage.leases).

    Times are measured on the database's clock, never a host's."""

    lease_seconds: float = 15.0  # a worker not heard from for this long is taken for dead
    heartbeat_seconds: float = 0.0  # 0: a third of lease_seconds
    hotline_lease_seconds: float = 3.0  # the hotline application's holder: a standby takes over after this
    pbx_timeout: float = 3.0  # a dead worker's PBX not answering ARI within this counts as gone


@dataclass(frozen=True)
class WebSettings:
    """`robocall web`: the console for health staff (its own process)."""

    host: str = "127.0.0.1"  # loopback: put a TLS reverse proxy in front to serve a network
    port: int = 8090
    session_minutes: int = 480  # a sign-in lasts a working day
    secure_cookie: bool = False  # true behind HTTPS: the session cookie is never sent in clear


@dataclass(frozen=True)
class ReportsSettings:
    """The reports for the province (ivr/reports/units.py)."""

    # The administrative level the summary and the chart group by: auto (districts when the lists carry
    # them, else communes/wards), district, or commune (communes/wards only; the level since 1 July 2025).
    unit_level: str = "auto"
    # A report command uses several cores (ivr/reports/parallel.py): the open cases read while the day is
    # counted, the workbook and the charts written by child processes. false: one core, everything in turn.
    parallel: bool = True

    def __post_init__(self) -> None:
        if self.unit_level not in UNIT_LEVELS:
            raise ConfigError(_("reports.unit_level: expected auto, district or commune, got {value!r}").format(
                value=self.unit_level))


UNIT_LEVELS = ("auto", "district", "commune")


@dataclass(frozen=True)
class Settings:
    ari: AriSettings = field(default_factory=AriSettings)
    trunk: TrunkSettings = field(default_factory=TrunkSettings)
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    call: CallSettings = field(default_factory=CallSettings)
    dialer: DialerSettings = field(default_factory=DialerSettings)
    hotline: HotlineSettings = field(default_factory=HotlineSettings)
    pbx: PbxSettings = field(default_factory=PbxSettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)
    web: WebSettings = field(default_factory=WebSettings)
    workers: WorkersSettings = field(default_factory=WorkersSettings)
    staff: StaffSettings = field(default_factory=StaffSettings)
    reports: ReportsSettings = field(default_factory=ReportsSettings)
    data_dir: str = "var"
    scripts_dir: str = "scripts_vi"
    log_level: str = "info"
    log_file: str = "var/log/robocall.log"
    retention_days: int = 30

    # -- derived paths -------------------------------------------------------------------------------
    def path(self, value: str) -> Path:
        """Resolve a configured path relative to the project root."""
        p = Path(value)
        return p if p.is_absolute() else PROJECT_ROOT / p

    @property
    def sandbox_dir(self) -> Path:
        return self.path(self.sandbox.dir)

    @property
    def sandbox_root(self) -> Path:
        return self.sandbox_dir / "root"

    @property
    def audio_cache_dir(self) -> Path:
        if self.audio.cache_dir:
            return self.path(self.audio.cache_dir)
        return self.sandbox_root / "var/lib/robocall/sounds"

    @property
    def audio_pbx_dir(self) -> str:
        return self.audio.pbx_dir or "/var/lib/robocall/sounds"


def _coerce(value: Any, target: Any, where: str) -> Any:
    if target is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(_("{where}: expected true/false, got {value!r}").format(where=where, value=value))
    if target in (int, float):
        if isinstance(value, bool):
            raise ConfigError(_("{where}: expected a number, got {value!r}").format(where=where, value=value))
        try:
            return target(value)
        except (TypeError, ValueError):
            raise ConfigError(_("{where}: expected a number, got {value!r}").format(where=where, value=value)) from None
    if target is str:
        if isinstance(value, (dict, list)):
            raise ConfigError(_("{where}: expected text, got {kind}").format(where=where, kind=type(value).__name__))
        return str(value)
    return value


def _build(cls: type, data: Mapping[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    names = {f.name for f in dataclasses.fields(cls)}
    for key, value in data.items():
        if key not in names:
            raise ConfigError(_("{where}: unknown setting {key!r} (known: {known})").format(
                where=where, key=key, known=", ".join(sorted(names))))
        target = hints[key]
        if isinstance(target, type) and dataclasses.is_dataclass(target):
            if not isinstance(value, Mapping):
                raise ConfigError(_("{where}: expected a section (mapping)").format(where=f"{where}.{key}"))
            kwargs[key] = _build(target, value, f"{where}.{key}")
        else:
            kwargs[key] = _coerce(value, target, f"{where}.{key}")
    return cls(**kwargs)


def _known(rest: str) -> tuple[str, str] | None:
    """Map ``database_url`` to ("database", "url") and ``log_file`` to ("", "log_file")."""
    sections = {f.name: f for f in dataclasses.fields(Settings)}
    section, _, key = rest.partition("_")
    if section in sections and key:
        factory = sections[section].default_factory
        if factory is not dataclasses.MISSING and dataclasses.is_dataclass(factory):
            if key in {f.name for f in dataclasses.fields(factory)}:
                return section, key
    if rest in sections and sections[rest].default_factory is dataclasses.MISSING:
        return "", rest
    return None


def _setting_variables() -> list[str]:
    """Every ROBOCALL_* name a setting answers to (secrets also with _FILE), from the dataclasses."""
    names: list[str] = []
    for f in dataclasses.fields(Settings):
        factory = f.default_factory
        if factory is not dataclasses.MISSING and dataclasses.is_dataclass(factory):
            names += [f"ROBOCALL_{f.name}_{g.name}".upper() for g in dataclasses.fields(factory)]
        else:
            names.append(f"ROBOCALL_{f.name}".upper())
    return names + [f"{n}_FILE" for n in names]


def _check_unknown(name: str) -> None:
    """A ROBOCALL_* variable that is no setting: an error if it looks like a mistyped one."""
    if name in TOOLING_VARIABLES:
        return
    known = _setting_variables()
    rest = name[len("ROBOCALL_"):].lower()
    sections = [f.name for f in dataclasses.fields(Settings)
                if f.default_factory is not dataclasses.MISSING and dataclasses.is_dataclass(f.default_factory)]
    if rest in sections:
        raise ConfigError(_("{name}: {section!r} is a section, not a setting: name one of its keys, e.g. {example}")
                          .format(name=name, section=rest, example=f"ROBOCALL_{rest.upper()}_<KEY>"))
    section = next((s for s in sorted(sections, key=len, reverse=True) if rest.startswith(s + "_")), None)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.0 if section else 0.85)
    if section is None and not close:
        return  # not a setting's name, nor close to one: some other tool's variable
    if section is not None:
        prefix = f"ROBOCALL_{section}_".upper()
        close = difflib.get_close_matches(name, [n for n in known if n.startswith(prefix)], n=1, cutoff=0.0) or close
    where = _("section {section!r} has no such setting").format(section=section) if section else _("no such setting")
    hint = _("; did you mean {name}?").format(name=close[0]) if close else ""
    raise ConfigError(_("{name}: unknown environment variable ({where}){hint} (a tool's own variable belongs in "
                        "ivr.config.TOOLING_VARIABLES)").format(name=name, where=where, hint=hint))


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith("ROBOCALL_") or name in TOOLING_VARIABLES:
            continue
        rest = name[len("ROBOCALL_"):].lower()
        target = _known(rest)
        if target is None and rest.endswith("_file") and _known(rest[:-5]):
            try:
                value = Path(value).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(_("{name}: cannot read secret file: {reason}").format(name=name, reason=exc.strerror)) from None
            target = _known(rest[:-5])
        if target is None:
            _check_unknown(name)  # a typo fails; another tool's variable (far from any setting) passes
            continue
        section, key = target
        if section:
            out.setdefault(section, {})[key] = value
        else:
            out[key] = value
    return out


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def load(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Load settings from ``path`` (or $ROBOCALL_CONFIG, or ./robocall.yaml) and the environment."""
    env = os.environ if env is None else env
    data: dict[str, Any] = {}
    file = Path(path) if path else (Path(env["ROBOCALL_CONFIG"]) if env.get("ROBOCALL_CONFIG") else None)
    if file is None and Path("robocall.yaml").is_file():
        file = Path("robocall.yaml")
    if file is not None:
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(_("{file}: cannot read config: {reason}").format(file=file, reason=exc.strerror)) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark else ""
            raise ConfigError(_("{file}:{line} invalid YAML: {problem}").format(
                file=file, line=line, problem=getattr(exc, "problem", exc))) from None
        if loaded is not None and not isinstance(loaded, Mapping):
            raise ConfigError(_("{file}: the config must be a mapping of sections").format(file=file))
        data = dict(loaded or {})
    data = _merge(data, _env_overrides(env))
    return _build(Settings, data, str(file) if file else "config")


def replace(settings: Settings, **sections: Mapping[str, Any]) -> Settings:
    """Return settings with some section fields replaced, e.g. ``replace(s, ari={"url": ...})``."""
    changes: dict[str, Any] = {}
    for name, values in sections.items():
        current = getattr(settings, name)
        if dataclasses.is_dataclass(current) and not isinstance(current, type):
            changes[name] = dataclasses.replace(current, **values)
        else:
            changes[name] = values
    return dataclasses.replace(settings, **changes)

