"""The sandbox's simulated hotline parties, as data: caller key specs, staff endpoints, staff personas."""
from __future__ import annotations

import pytest

from ivr.errors import UserError
from ivr.sandbox import personas
from ivr.sandbox.callers import key_spec
from ivr.sandbox.staff import render_endpoints, staff_names


@pytest.mark.parametrize("keys, gap, first, expected", [
    ("1", 1.0, 0.5, "w0.5,1"),
    ("1,3,2", 1.5, 2.0, "w2,1,w1.5,3,w1.5,2"),
    (" 0 , * ,#", 1.0, 1.0, "w1,0,w1,*,w1,#"),
    ("", 1.0, 1.0, ""),
])
def test_key_spec(keys: str, gap: float, first: float, expected: str) -> None:
    assert key_spec(keys, gap, first) == expected


def test_a_bad_key_is_refused() -> None:
    with pytest.raises(UserError, match=r"caller keys '1,x': 'x' is not a DTMF key"):
        key_spec("1,x")


def test_staff_endpoints_point_at_the_simulated_phones() -> None:
    text = render_endpoints(2, "127.0.0.1", 5162)
    assert staff_names(2) == ["staff1", "staff2"]
    assert "[staff2](staff-endpoint)\naors = staff2\n\n[staff2]\ntype = aor\ncontact = sip:staff2@127.0.0.1:5162" in text
    assert "context = from-staff" in text and "[staff3]" not in text


@pytest.mark.parametrize("key, ok", [("staff1", True), ("staff12", True), ("staff", False), ("Staff1", False),
                                     ("staffx", False), ("0912000001", True)])
def test_a_persona_key_may_be_a_staff_softphone(key: str, ok: bool) -> None:
    data = {"personas": {key: {"behaviour": "silent", "hold": 30}}}
    if ok:
        dialplan = personas.render_dialplan(personas.parse(data, "p.yaml"))
        assert f"exten => {key},1," in dialplan and dialplan.rstrip().endswith("#tryinclude extensions_callers.conf")
    else:
        with pytest.raises(UserError, match="a number is digits"):
            personas.parse(data, "p.yaml")
