"""The one latency instrument of bench_campaign.py for both modes (issue 18 item 1): pure, no I/O.

Both modes are timed on Asterisk's own event clock (the ``timestamp`` of its ARI events, millisecond
resolution), from the same start events:

- **answer -> first audio**: the call's ChannelStateChange to ``Up`` -> the start of its first prompt;
- **key -> next prompt**: a ChannelDtmfReceived that arrives while a *question* is being asked (during its
  prompt or after it) -> the start of the prompt that follows (the next question, a statement, the end, or
  the invalid-key prompt). Keys pressed during a statement (type-ahead) start nothing and are not counted,
  as in the controller. (The baseline's Playback of a silence or invalid-key prompt takes no key.)

What "the start of a prompt" is differs by mode, and this is the residual difference between the figures:

- controller: PlaybackStarted, raised once Asterisk has opened the file and the playback is running on the
  channel, after the controller's request crossed ARI;
- dialplan baseline: ChannelDialplan with ``dialplan_app`` Read / Playback / Background (or ExecIf running
  one), raised when the channel's dialplan *enters* the application, before the application opens the
  file. The baseline's end event is therefore a file open earlier in the same work (well under a
  millisecond on a quiet machine): a bias in the baseline's favour.

``BaselineLatency`` turns the baseline channels' events into samples; the controller's samples come from
ivr/calls/session.py (``answer_to_audio_ms``, ``key_to_prompt_ms``). ``percentiles`` and ``ratios`` make
the figures the bench prints and stores.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

PERCENTILES = (50, 95, 99)
PROMPT_APPS = frozenset({"Read", "Playback", "Background"})
# bench/baseline_dialplan.py compiles a statement to Read(K,<file>,1,,1,<this>): a key may interrupt it
# (kept as type-ahead); a question's Read waits the step's own timeout.
STATEMENT_READ_TIMEOUT = "0.01"


def pct(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile, linear between the closest ranks (None for no values), rounded to 0.1."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 1)


def percentiles(values: Sequence[float], ps: Iterable[int] = PERCENTILES) -> dict[str, float | None]:
    """{"50": p50, "95": p95, "99": p99} (string keys: as the figures are read back from JSON)."""
    return {str(p): pct(values, p) for p in ps}


def ratio(ours: float | None, ref: float | None, digits: int = 2) -> float | None:
    """ours / ref, or None when either is missing or ref is 0 (a 0 ms percentile on a ms clock)."""
    if ours is None or ref is None or ref <= 0:
        return None
    return round(ours / ref, digits)


def ratios(ours: Mapping[str, float | None], ref: Mapping[str, float | None]) -> dict[str, float | None]:
    """Per percentile: controller / baseline."""
    return {p: ratio(ours.get(p), ref.get(p)) for p in ours}


def prompt_started(app: str, data: str) -> tuple[str, str] | None:
    """The prompt application (and its data) that a ChannelDialplan event starts, if any.

    ``ExecIf(cond?App(args))`` runs App inside ExecIf without a ChannelDialplan of its own; Asterisk reports
    the data with the condition already evaluated ("1?Playback(...)": it runs; "0?...": it does not).
    """
    if app in PROMPT_APPS:
        return app, data
    if app == "ExecIf" and data.startswith("1?"):
        inner, _, rest = data[2:].partition("(")
        if inner in PROMPT_APPS:
            return inner, rest.rsplit(")", 1)[0]
    return None


def is_question(app: str, data: str) -> bool:
    """Whether a baseline dialplan application is a question's prompt (a key then answers it)."""
    return app == "Read" and data.rsplit(",", 1)[-1].strip() != STATEMENT_READ_TIMEOUT


@dataclass
class _Channel:
    up_ts: float = 0.0
    audio_seen: bool = False
    in_question: bool = False
    key_ts: float = 0.0


@dataclass
class BaselineLatency:
    """Samples from the dialplan baseline's channel events, fed in the order Asterisk sent them.

    ``event`` takes the fields that matter of one ARI event: its type, channel id, timestamp (epoch seconds),
    and for ChannelStateChange the state, for ChannelDialplan the application and its data.
    """

    answer_to_audio_ms: list[float] = field(default_factory=list)
    key_to_prompt_ms: list[float] = field(default_factory=list)
    events: int = 0
    _channels: dict[str, _Channel] = field(default_factory=dict)

    def event(self, kind: str, channel_id: str, ts: float, *, state: str = "", app: str = "",
              data: str = "") -> None:
        self.events += 1
        if kind == "ChannelDestroyed":
            self._channels.pop(channel_id, None)
            return
        ch = self._channels.get(channel_id)
        if ch is None:
            ch = self._channels[channel_id] = _Channel()
        if kind == "ChannelStateChange":
            if state == "Up" and not ch.up_ts:
                ch.up_ts = ts
        elif kind == "ChannelDtmfReceived":
            if ch.in_question and not ch.key_ts:
                ch.key_ts = ts
        elif kind == "ChannelDialplan":
            prompt = prompt_started(app, data)
            if prompt is not None:
                if ch.up_ts and not ch.audio_seen:
                    ch.audio_seen = True
                    self.answer_to_audio_ms.append((ts - ch.up_ts) * 1000)
                if ch.key_ts:
                    self.key_to_prompt_ms.append((ts - ch.key_ts) * 1000)
                ch.key_ts = 0.0
                ch.in_question = is_question(*prompt)
            # Other applications (Set, GotoIf, ExecIf...) run between prompts: a key already pressed in a
            # question stays pending until the next prompt starts; no new key is taken outside a question.
            elif not ch.key_ts:
                ch.in_question = False

    def summary_flat(self) -> dict[str, object]:
        """The figures under the names the controller's result uses (bench_campaign.py)."""
        return {"answer_to_audio_ms": percentiles(self.answer_to_audio_ms),
                "key_to_prompt_ms": percentiles(self.key_to_prompt_ms),
                "latency_samples": {"answer_to_audio": len(self.answer_to_audio_ms),
                                    "key_to_prompt": len(self.key_to_prompt_ms)}}


LATENCY_FIGURES = ("answer_to_audio_ms", "key_to_prompt_ms")


def compare(controller: Mapping[str, object], baseline: Mapping[str, object]) -> dict[str, object]:
    """Controller / dialplan baseline for one run: calls per minute, wall time and each latency percentile.

    Takes the two result dicts bench_campaign.py writes (or reads back); a figure missing on either side
    (a result from before issue 18, no samples) gives None.
    """
    out: dict[str, object] = {"calls_per_min": ratio(_num(controller.get("calls_per_min")),
                                                     _num(baseline.get("calls_per_min")), 3),
                              "wall": ratio(_num(controller.get("wall_s")), _num(baseline.get("wall_s")), 3)}
    for name in LATENCY_FIGURES:
        ours, ref = controller.get(name), baseline.get(name)
        if isinstance(ours, Mapping) and isinstance(ref, Mapping):
            out[name] = ratios(ours, ref)
        else:
            out[name] = {str(p): None for p in PERCENTILES}
    return out


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
