"""Simulated residents calling the hotline: real SIP calls from the phones instance into the PBX.

A caller is placed with ``channel originate Local/<id>@callers extension <id>@caller-keys`` on the
phones Asterisk (asterisk-conf/phones/extensions_callers.conf): one half dials the PBX's hotline number
over the trunk with the caller's number as caller ID; the other half, once the PBX answers, presses the
keys queued for it (RFC 4733 DTMF, like any phone) and hangs up when told. The phones' AstDB
(family ``callers``) carries the number, the keys and the call's state between this module and the
dialplan, so a test can press keys when the call is where it wants it, instead of guessing times.
Sandbox and tests only.
"""
from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass

from ivr.errors import UserError
from ivr.sandbox.process import AsteriskInstance

_KEYS = re.compile(r"^[0-9*#A-D]$")
_ids = itertools.count(1)


def key_spec(keys: str, gap: float = 1.0, first: float = 0.5) -> str:
    """"1,2,0" -> "w0.5,1,w1,2,w1,0": keys with the waits before each (what the dialplan reads)."""
    out: list[str] = []
    for i, key in enumerate(k.strip() for k in keys.split(",") if k.strip()):
        if not _KEYS.match(key):
            raise UserError(f"caller keys {keys!r}: {key!r} is not a DTMF key (0-9 * # A-D)")
        out += [f"w{first if i == 0 else gap:g}", key]
    return ",".join(out)


@dataclass(frozen=True)
class Caller:
    """One simulated caller's call (``id`` is the extension of its Local channel)."""

    id: str
    phones: AsteriskInstance

    def _get(self, key: str) -> str:
        out = self.phones.rx(f"database get callers {self.id}/{key}")
        m = re.search(r"Value:\s*(.*)", out)
        return m.group(1).strip() if m else ""

    @property
    def state(self) -> str:
        """calling, up (the PBX answered), ended; "" before the originate started."""
        return self._get("state")

    @property
    def dial_status(self) -> str:
        """How the PBX took the call once it ended: ANSWER, BUSY, CONGESTION ... ("" while it lasts)."""
        return self._get("dial_status")

    @property
    def sent(self) -> str:
        """The keys pressed so far, in order."""
        return self._get("sent")

    def press(self, keys: str, gap: float = 1.0, first: float = 0.5, timeout: float = 30.0) -> None:
        """Queue keys to press (after the ones still queued have been taken)."""
        spec = key_spec(keys, gap, first)
        deadline = time.monotonic() + timeout
        while "Value" in self.phones.rx(f"database get callers {self.id}/keys"):
            if time.monotonic() > deadline:
                raise UserError(f"caller {self.id}: earlier keys were not taken in {timeout:g} s (is the call up?)")
            time.sleep(0.1)
        self.phones.rx(f"database put callers {self.id}/keys {spec}")

    def hangup(self) -> None:
        self.phones.rx(f"database put callers {self.id}/hangup 1")

    def wait_state(self, state: str, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state == state:
                return True
            time.sleep(0.1)
        return self.state == state


class Callers:
    """Places simulated callers through the phones instance (the sandbox's simulated phone network)."""

    def __init__(self, phones: AsteriskInstance, hotline_number: str) -> None:
        self.phones = phones
        self.hotline_number = hotline_number

    def call(self, number: str, keys: str = "", *, gap: float = 1.0, first: float = 1.0,
             dial: str | None = None) -> Caller:
        """Call the hotline (or ``dial``) from ``number``; ``keys`` are pressed once the PBX answers."""
        if not re.fullmatch(r"\+?[0-9]{3,15}", number):
            raise UserError(f"caller number {number!r}: expected digits")
        caller = Caller(f"{int(time.time()) % 100000:05d}{next(_ids):04d}", self.phones)
        family = f"callers {caller.id}"
        self.phones.rx(f"database deltree callers/{caller.id}")
        self.phones.rx(f"database put {family}/number {number}")
        self.phones.rx(f"database put {family}/dial {dial or self.hotline_number}")
        if keys:
            self.phones.rx(f"database put {family}/keys {key_spec(keys, gap, first)}")
        self.phones.rx(f"channel originate Local/{caller.id}@callers/n extension {caller.id}@caller-keys")
        return caller
