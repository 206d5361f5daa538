"""CPU of the controller's per-message and per-hand-off work, each change alone (issue 18 item 3).

    .venv/bin/python bench/bench_controller_parts.py

The campaign bench (bench_campaign.py) gives CPU per call, but on a shared 2-core machine its run-to-run
spread (about ±10 %) is as large as one change's effect. This one times, in this process's CPU seconds:
- an ARI event as the websocket delivers it (bytes) parsed by json (after the str that a text frame is
  decoded to) and by orjson (from the bytes); a REST request written by json and by orjson;
- what a call does on the event loop, on asyncio's loop and on uvloop's: a database call handed to a
  thread and back (asyncio.to_thread, ~10 a call), an event through a channel's queue to the task waiting
  for it (~27 a call; the session's wait under asyncio.wait_for, under asyncio.timeout, and with the session's
  one watchdog timer per call), and a websocket-sized message over a local socket pair (~45 a call);
- a whole call of the frozen F1 script (bench/scripts/f1_daily.yaml, 8 keys) through the pure call machine,
  its new states made by dataclasses.replace and by ivr.frozen.replace (the fourth pass).
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr import eventloop, frozen  # noqa: E402
from ivr.calls import machine  # noqa: E402
from ivr.calls.conversation import ScriptConversation  # noqa: E402
from ivr.calls.session import _Watchdog  # noqa: E402
from ivr.scripts import interpreter  # noqa: E402
from ivr.scripts.loader import load  # noqa: E402

# As Asterisk 22 sends them (one outbound call's channel; the fields Asterisk puts in every event).
_CHANNEL = {"id": "rc-a123456", "name": "PJSIP/trunk-0000a1b2", "state": "Up", "protocol_id": "3f1c9a@127.0.0.1",
            "caller": {"name": "", "number": "0281234567"}, "connected": {"name": "", "number": "0912345678"},
            "accountcode": "", "dialplan": {"context": "robocall-out", "exten": "s", "priority": 1,
                                            "app_name": "Stasis", "app_data": "robocall-rest1,p8f3a"},
            "creationtime": "2026-11-30T14:46:21.123+0700", "language": "vi", "tenantid": ""}
EVENTS = [
    {"type": "ChannelDtmfReceived", "timestamp": "2026-11-30T14:46:31.456+0700", "digit": "1", "duration_ms": 120,
     "channel": _CHANNEL, "asterisk_id": "02:42:ac:11:00:02", "application": "robocall-rest1"},
    {"type": "PlaybackFinished", "timestamp": "2026-11-30T14:46:33.789+0700",
     "playback": {"id": "rc-a123456-p7", "media_uri": "sound:/var/lib/robocall/sounds/ab/abcdef0123456789",
                  "target_uri": "channel:rc-a123456", "language": "vi", "state": "done"},
     "asterisk_id": "02:42:ac:11:00:02", "application": "robocall-rest1"},
]
REQUEST = {"type": "RESTRequest", "request_id": "12345", "method": "POST", "uri": "channels/rc-a123456/play/rc-a123456-p7",
           "query_strings": [{"name": "media", "value": "sound:/var/lib/robocall/sounds/ab/abcdef0123456789"},
                             {"name": "lang", "value": "vi"}]}


def cpu(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    t0 = time.process_time()
    fn(n)
    return (time.process_time() - t0) / n * 1e6  # µs each


def codec() -> dict[str, float]:
    frames = [json.dumps(e).encode() for e in EVENTS]

    def std_parse(n: int) -> None:
        for i in range(n):
            json.loads(frames[i & 1].decode())

    def fast_parse(n: int) -> None:
        for i in range(n):
            orjson.loads(frames[i & 1])

    def std_write(n: int) -> None:
        for _ in range(n):
            json.dumps(REQUEST).encode()

    def fast_write(n: int) -> None:
        for _ in range(n):
            orjson.dumps(REQUEST)

    n = 100_000
    return {"event_parse_us_json": cpu(std_parse, n), "event_parse_us_orjson": cpu(fast_parse, n),
            "request_write_us_json": cpu(std_write, n), "request_write_us_orjson": cpu(fast_write, n)}


async def loop_work(n: int) -> dict[str, float]:
    def noop() -> None:
        return None

    t0 = time.process_time()
    for _ in range(n // 10):
        await asyncio.to_thread(noop)
    to_thread = (time.process_time() - t0) / (n // 10) * 1e6

    queue: asyncio.Queue[int] = asyncio.Queue()

    async def consumer() -> None:
        for _ in range(n):
            async with asyncio.timeout(20):
                await queue.get()

    async def consumer_wait_for() -> None:  # the session's wait before this change
        for _ in range(n):
            await asyncio.wait_for(queue.get(), 20)

    async def through_queue(consume) -> float:  # type: ignore[no-untyped-def]
        t0 = time.process_time()
        task = asyncio.create_task(consume())
        for i in range(n):
            queue.put_nowait(i)
            await asyncio.sleep(0)
        await task
        return (time.process_time() - t0) / n * 1e6

    async def consumer_watchdog() -> None:  # the session's wait since the fourth pass
        dog = _Watchdog(asyncio.get_running_loop(), 20, queue)
        for _ in range(n):
            dog.waiting()
            try:
                await queue.get()
            finally:
                dog.woke()
        dog.cancel()

    per_event_wait_for = await through_queue(consumer_wait_for)
    per_event = await through_queue(consumer)
    per_event_watchdog = await through_queue(consumer_watchdog)

    a, b = socket.socketpair()
    ra, wa = await asyncio.open_connection(sock=a)
    rb, wb = await asyncio.open_connection(sock=b)
    payload = b"x" * 700 + b"\n"
    t0 = time.process_time()
    for _ in range(n // 2):
        wa.write(payload)
        await rb.readline()
        wb.write(payload)
        await ra.readline()
    socket_msg = (time.process_time() - t0) / n * 1e6
    for w in (wa, wb):
        w.close()
    return {"to_thread_round_trip_us": to_thread, "queued_event_us_wait_for": per_event_wait_for,
            "queued_event_us_timeout": per_event, "queued_event_us_watchdog": per_event_watchdog,
            "socket_message_us": socket_msg}


def call_machine() -> dict[str, float]:
    """A whole F1 call (answered, 8 keys each after its prompt, hung up) through machine.step: CPU µs a call."""
    script = load(Path(__file__).resolve().parent / "scripts" / "f1_daily.yaml")
    conv = ScriptConversation(script, {"ho_ten": "Nguyễn Văn A", "ngay_cach_ly": "5", "dia_chi": "12 Lê Lợi"})
    plan = machine.CallPlan("c1", "PJSIP/0900000001@trunk", '"So Y te" <1080>', 30, conv,
                            media=lambda p: f"sound:{p.id}", app_args="a1", max_duration=600)

    def one_call() -> None:
        state, commands = machine.start(plan)
        pending: list[machine.Event] = [machine.Ringing(), machine.Answered()]
        keys = iter("11222222")
        while True:
            for cmd in commands:
                if isinstance(cmd, machine.StartPlayback):
                    pending.append(machine.PlaybackEnded(cmd.playback_id))
                elif isinstance(cmd, machine.StartTimer) and cmd.token.startswith(machine.DIGIT_TIMER):
                    key = next(keys, None)
                    pending.append(machine.Dtmf(key) if key else machine.TimerFired(cmd.token))
                elif isinstance(cmd, machine.HangupChannel):
                    pending += [machine.HangupRequested(16, 0), machine.Gone(16, 0)]
                elif isinstance(cmd, machine.Done):
                    assert cmd.result.keys == "11222222", cmd.result
                    return
            state, commands = machine.step(plan, state, pending.pop(0))

    def calls(n: int) -> None:
        for _ in range(n):
            one_call()

    out = {}
    for name, replace in (("dataclasses_replace", dataclasses.replace), ("frozen_replace", frozen.replace)):
        machine.replace = interpreter.replace = replace  # type: ignore[attr-defined]
        out[f"f1_call_us_{name}"] = cpu(calls, 2_000)
    machine.replace = interpreter.replace = frozen.replace  # type: ignore[attr-defined]
    return out


def main() -> None:
    out: dict[str, object] = {"codec": codec(), "call_machine": call_machine()}
    for name, use in (("asyncio", False), ("uvloop", True)):
        out[name] = eventloop.run(loop_work(50_000), use_uvloop=use)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
