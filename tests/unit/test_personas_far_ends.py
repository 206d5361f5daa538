"""The far-end personas added for the kinds of far end (issue 14), as data: persona -> dialplan priorities."""
from __future__ import annotations

import pytest

from ivr.errors import UserError
from ivr.sandbox import personas

RENDERED = [
    ({"behaviour": "early_media", "code": 486, "ring": 0, "after": 0},
     ["Progress()", "Playback(cannot-complete-as-dialed,noanswer)", "Wait(0)", "PJSIPHangup(486)"]),
    ({"behaviour": "early_media", "ring": 1.5, "after": 2},
     ["Ringing()", "Wait(1.5)", "Progress()", "Playback(cannot-complete-as-dialed,noanswer)", "Wait(2)",
      "PJSIPHangup(480)"]),
    ({"behaviour": "announce", "ring": 0}, ["Answer()", "Playback(vm-nobodyavail)", "Hangup(16)"]),
    ({"behaviour": "hangup_early", "after": 0, "ring": 0}, ["Answer()", "Hangup(16)"]),
    ({"behaviour": "unreachable", "code": 500, "ring": 0}, ["PJSIPHangup(500)"]),
    # a phone that records what it hears (issue 18: gaps measured in the audio the far end receives)
    ({"behaviour": "silent", "ring": 0, "hold": 20, "record": True},
     ["Answer()", "Record(/var/lib/robocall/phones/spool/heard-${UNIQUEID}.wav,0,20,qxk)", "Hangup(16)"]),
]


@pytest.mark.parametrize("raw,lines", RENDERED, ids=[f"{r['behaviour']}-{i}" for i, (r, _) in enumerate(RENDERED)])
def test_persona_renders_into_the_far_end_dialplan(raw, lines):
    dialplan = personas.render_dialplan(personas.parse({"personas": {"0900000099": raw}}, "p.yaml"))
    block = dialplan.split("exten => 0900000099,1,")[1].split("\n\n")[0]
    assert [line.split(",", 1)[1] for line in block.splitlines()[1:]] == lines


REFUSED = [
    ({"behaviour": "early_media", "code": 200}, "early_media ends with a final response 400-699"),
    ({"behaviour": "unreachable", "code": 404}, "unreachable takes code 480, 500, 503"),
    ({"behaviour": "hangup_early", "after": -1}, "must not be negative"),
    ({"behaviour": "answer_keys", "keys": "1", "record": True}, "record: true needs behaviour silent"),
    ({"behaviour": "silent", "record": "yes"}, "record must be true or false"),
]


@pytest.mark.parametrize("raw,message", REFUSED, ids=[m for _, m in REFUSED])
def test_bad_persona_is_refused_with_its_number(raw, message):
    with pytest.raises(UserError, match=message) as caught:
        personas.parse({"personas": {"0900000099": raw}}, "p.yaml")
    assert "0900000099" in str(caught.value)
