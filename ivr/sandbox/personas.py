"""Personas: how each simulated phone behind the sandbox trunk behaves, chosen by the dialled number.

A personas file (YAML) maps numbers to behaviours::

    personas:
      "0912000001": {behaviour: answer_keys, keys: "1,2", gap: 2.5}
      "0912000002": {behaviour: silent}
      staff1: {behaviour: silent, hold: 30}    # a staff softphone: answers and talks
      "091200001*": {behaviour: busy}          # a trailing * matches a prefix
    default: rule                              # or a persona for every other number

Numbers that no entry matches follow the default rule (see ``DEFAULT_RULE`` and the README): the last
two digits of the number choose a behaviour, which gives a bulk list a realistic mix.
The personas are rendered into the far-end Asterisk's dialplan; the behaviour is carried out by a real
SIP peer (ringing, answering, RFC 4733 DTMF, SIP error codes), never simulated in the controller.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from ivr.errors import UserError

STAFF_KEY = re.compile(r"staff[0-9]+")  # a simulated staff softphone (ivr/sandbox/staff.py), not a number
BEHAVIOURS = ("answer_keys", "silent", "hangup_early", "no_answer", "busy", "decline", "unreachable", "early_media",
              "announce")
UNREACHABLE_CODES = (480, 500, 503)
# Operator announcements the far end plays (Asterisk's core sounds, in the sandbox root).
EARLY_MEDIA_ANNOUNCEMENT = "cannot-complete-as-dialed"  # 2.7 s, in 183 Session Progress before the final 4xx
ANSWERED_ANNOUNCEMENT = "vm-nobodyavail"  # 2.8 s, answered (a voicemail greeting), then the far end hangs up
VALID_KEYS = set("0123456789*#ABCD")
# Where a persona with ``record: true`` keeps what it heard (inside the sandbox root; the far end is the
# "phones" instance, ivr.sandbox.values.instance_dirs): tests measure the audio a resident receives there.
HEARD_DIR = "/var/lib/robocall/phones/spool"


@dataclass(frozen=True)
class KeyPress:
    key: str
    after: float  # seconds since the answer (first key) or since the previous key


@dataclass(frozen=True)
class Persona:
    behaviour: str
    keys: tuple[KeyPress, ...] = ()
    ring: float = 1.0  # seconds of ringing before answering or declining
    after: float = 3.0  # hangup_early: seconds after the answer when the phone hangs up (0: at once);
    # early_media: seconds of silence after the announcement before the final response
    hold: float = 90.0  # seconds the phone stays on the line after its last key
    code: int = 0  # SIP code for busy (486), decline (603), unreachable (480, 500 or 503), early_media (4xx-6xx)
    record: bool = False  # silent only: record what the phone hears, to HEARD_DIR/heard-<call id>.wav (no number in the name)


# The default rule: the last two digits of the number choose the behaviour.
# The key sequences follow the shipped F1 script (version 2): the person answers 1, no symptom 2, at the
# declared address 1. Symptomatic: a symptom 1, then the details (fever 1, cough 2, shortness of breath 1,
# sore throat 2, taste/smell 2), not tested 2, at the address 1. The F2 script asks only the first two
# questions; extra keys are harmless after the script ends.
HEALTHY_KEYS = "1,2,1"
SYMPTOMATIC_KEYS = "1,1,1,2,1,2,2,2,1"
WRONG_NUMBER_KEYS = "2"
FAMILY_AWAY_KEYS = "3,2"  # a family member answers (3): the person is away (2)
DEFAULT_RULE: tuple[tuple[range, Persona], ...] = ()  # filled below


def _keys(spec: str, gap: float, first: float | None = None) -> tuple[KeyPress, ...]:
    keys = [k.strip() for k in spec.split(",") if k.strip()]
    return tuple(KeyPress(k, first if (i == 0 and first is not None) else gap) for i, k in enumerate(keys))


DEFAULT_RULE = (
    (range(0, 50), Persona("answer_keys", _keys(HEALTHY_KEYS, 2.5, 3.0))),
    (range(50, 60), Persona("answer_keys", _keys(SYMPTOMATIC_KEYS, 2.5, 3.0))),
    (range(60, 63), Persona("answer_keys", _keys(WRONG_NUMBER_KEYS, 2.5, 3.0))),
    (range(63, 65), Persona("answer_keys", _keys(FAMILY_AWAY_KEYS, 2.5, 3.0))),
    (range(65, 70), Persona("silent")),
    (range(70, 75), Persona("hangup_early", after=2.0)),
    (range(75, 85), Persona("no_answer")),
    (range(85, 90), Persona("busy", code=486, ring=0.0)),
    (range(90, 95), Persona("decline", code=603, ring=2.0)),
    (range(95, 98), Persona("unreachable", code=480, ring=0.0)),
    (range(98, 100), Persona("unreachable", code=503, ring=0.0)),
)


def default_persona(number: str) -> Persona:
    digits = re.sub(r"\D", "", number)
    tail = int(digits[-2:]) if len(digits) >= 2 else 0
    for span, persona in DEFAULT_RULE:
        if tail in span:
            return persona
    raise AssertionError("the default rule covers 00-99")


@dataclass(frozen=True)
class Personas:
    exact: Mapping[str, Persona] = field(default_factory=dict)
    prefixes: Mapping[str, Persona] = field(default_factory=dict)
    default: Persona | None = None  # None: the default rule

    def lookup(self, number: str) -> Persona:
        if number in self.exact:
            return self.exact[number]
        for prefix in sorted(self.prefixes, key=len, reverse=True):
            if number.startswith(prefix):
                return self.prefixes[prefix]
        return self.default or default_persona(number)


def _persona(raw: Any, where: str) -> Persona:
    if not isinstance(raw, Mapping):
        raise UserError(f"{where}: expected a mapping with 'behaviour'")
    known = {"behaviour", "keys", "gap", "first", "ring", "after", "hold", "code", "record"}
    unknown = set(raw) - known
    if unknown:
        raise UserError(f"{where}: unknown field {sorted(unknown)[0]!r} (known: {', '.join(sorted(known))})")
    behaviour = raw.get("behaviour")
    if behaviour not in BEHAVIOURS:
        raise UserError(f"{where}: behaviour must be one of {', '.join(BEHAVIOURS)}, got {behaviour!r}")
    try:
        gap = float(raw.get("gap", 2.5))
        first = float(raw["first"]) if "first" in raw else None
        ring = float(raw.get("ring", 1.0))
        after = float(raw.get("after", 3.0))
        hold = float(raw.get("hold", 90.0))
        code = int(raw.get("code", {"busy": 486, "decline": 603, "unreachable": 480,
                                    "early_media": 480}.get(behaviour, 0)))
    except (TypeError, ValueError):
        raise UserError(f"{where}: gap, first, ring, after, hold must be numbers and code an integer") from None
    keys: tuple[KeyPress, ...] = ()
    if behaviour == "answer_keys":
        spec = raw.get("keys")
        if isinstance(spec, list):
            spec = ",".join(str(k) for k in spec)
        if not isinstance(spec, (str, int)) or not str(spec).strip():
            raise UserError(f"{where}: answer_keys needs 'keys', e.g. keys: \"1,2\"")
        keys = _keys(str(spec), gap, first)
        bad = [k.key for k in keys if k.key not in VALID_KEYS]
        if bad:
            raise UserError(f"{where}: invalid DTMF key {bad[0]!r} (allowed: 0-9 * # A-D)")
    if behaviour == "unreachable" and code not in UNREACHABLE_CODES:
        raise UserError(f"{where}: unreachable takes code {', '.join(map(str, UNREACHABLE_CODES))}, got {code}")
    if behaviour == "early_media" and not 400 <= code <= 699:
        raise UserError(f"{where}: early_media ends with a final response 400-699, got {code}")
    if min(ring, after, hold, gap, first if first is not None else 0.0) < 0:
        raise UserError(f"{where}: gap, first, ring, after, hold must not be negative")
    record = raw.get("record", False)
    if not isinstance(record, bool):
        raise UserError(f"{where}: record must be true or false, got {record!r}")
    if record and behaviour != "silent":
        raise UserError(f"{where}: record: true needs behaviour silent (a phone that listens), not {behaviour}")
    return Persona(behaviour, keys, ring, after, hold, code, record)


def parse(data: Any, source: str) -> Personas:
    if data is None:
        return Personas()
    if not isinstance(data, Mapping):
        raise UserError(f"{source}: expected a mapping with 'personas' (and optionally 'default')")
    unknown = set(data) - {"personas", "default"}
    if unknown:
        raise UserError(f"{source}: unknown top-level field {sorted(unknown)[0]!r}")
    exact: dict[str, Persona] = {}
    prefixes: dict[str, Persona] = {}
    entries = data.get("personas") or {}
    if not isinstance(entries, Mapping):
        raise UserError(f"{source}: 'personas' must map numbers to behaviours")
    for number, raw in entries.items():
        number = str(number)
        where = f"{source}: persona {number!r}"
        if not (re.fullmatch(r"\+?[0-9]+\*?", number) or STAFF_KEY.fullmatch(number)):
            raise UserError(f"{where}: a number is digits, optionally ending in * for a prefix "
                            "(or a staff softphone such as staff1)")
        persona = _persona(raw, where)
        (prefixes if number.endswith("*") else exact)[number.rstrip("*")] = persona
    default = data.get("default", "rule")
    return Personas(exact, prefixes, None if default == "rule" else _persona(default, f"{source}: default"))


def load(path: str | Path | None) -> Personas:
    if not path:
        return Personas()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{p}: cannot read personas file: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(f"{p}:{mark.line + 1 if mark else '?'}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse(data, str(p))


# -- rendering into the far end's dialplan ----------------------------------------------------------

def _lines(persona: Persona) -> list[str]:
    """Dialplan priorities (after the first) that carry out one persona on an incoming call."""
    b = persona.behaviour
    out: list[str] = []
    if b in ("busy", "unreachable"):
        if persona.ring:
            out += ["Ringing()", f"Wait({persona.ring:g})"]
        return out + [f"PJSIPHangup({persona.code})"]
    out += ["Ringing()", f"Wait({persona.ring:g})"] if persona.ring else []
    if b == "decline":
        return out + [f"PJSIPHangup({persona.code})"]
    if b == "no_answer":
        return out + ["Wait(3600)"]
    if b == "early_media":  # 183 Session Progress with audio, then a final response: never answered
        return out + ["Progress()", f"Playback({EARLY_MEDIA_ANNOUNCEMENT},noanswer)", f"Wait({persona.after:g})",
                      f"PJSIPHangup({persona.code})"]
    out.append("Answer()")
    if b == "announce":
        return out + [f"Playback({ANSWERED_ANNOUNCEMENT})", "Hangup(16)"]
    if b == "hangup_early":
        return out + ([f"Wait({persona.after:g})"] if persona.after else []) + ["Hangup(16)"]
    for press in persona.keys:
        out += [f"Wait({press.after:g})", f"SendDTMF({press.key},,120)"]
    if persona.record:
        # Record what this phone receives until the PBX hangs up or ``hold`` runs out: no silence limit, no
        # beep (q), no key ends it (x), kept when the call is hung up (k). What the resident would hear.
        return out + [f"Record({HEARD_DIR}/heard-${{UNIQUEID}}.wav,0,{persona.hold:g},qxk)", "Hangup(16)"]
    return out + [f"Wait({persona.hold:g})", "Hangup(16)"]


def _extension(exten: str, persona: Persona) -> list[str]:
    body = _lines(persona)
    first = f"exten => {exten},1,GotoIf($[\"${{DB(sandbox/trunk_down)}}\" = \"1\"]?trunk-down,s,1)"
    return [first] + [f" same => n,{line}" for line in body] + [""]


def render_dialplan(personas: Personas) -> str:
    """The far end's extensions.conf for these personas."""
    out = [
        "; Generated by ivr/sandbox/personas.py from the personas file: do not edit.",
        "[general]", "static = yes", "writeprotect = yes", "",
        "; While the sandbox's trunk is 'down' (robocall sandbox trunk down), every call gets 503.",
        "[trunk-down]", "exten => s,1,PJSIPHangup(503)", "",
        "[phones]",
        "include => registered-staff",
    ]
    for number, persona in personas.exact.items():
        out += _extension(number.lstrip("+"), persona)
    for prefix, persona in personas.prefixes.items():
        out += _extension(f"_{prefix.lstrip('+')}.", persona)
    if personas.default is not None:
        out += _extension("_X.", personas.default)
    else:
        out += ["exten => _X.,1,Goto(default-rule,${EXTEN:-2},1)", ""]
    out += ["[default-rule]"]
    for tail in range(100):
        out += _extension(f"{tail:02d}", default_persona(f"{tail:02d}"))
    out += ["; The far end as a carrier, and staff phones that registered to the PBX (ivr/sandbox/carrier.py).",
            "#tryinclude extensions_carrier.conf",
            "; Simulated residents calling the hotline (ivr/sandbox/callers.py).", "#tryinclude extensions_callers.conf"]
    return "\n".join(out) + "\n"
