"""Every kind of far end, end to end, with the outcome and retry the README's "Call outcomes" decides for it.

Far ends the simulated network's Asterisk plays are personas (tests/e2e/personas.yaml); the others are SIPp
scenarios (tests/e2e/sipp/). Also the race the watchdog used to lose: a 486/603/480 that arrives exactly at
the watchdog interval must keep its own outcome and SIP code, however the events and the lookup interleave.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from ivr import app, config
from ivr.ari.client import AriClient, AriError
from ivr.calls import prepare
from ivr.calls.outcomes import FINAL, NETWORK, NO_ANSWER, UNFINISHED
from ivr.calls.session import CallReport, CallSession

from e2e_helpers import eventually
from sipp_far_end import SippFarEnd

PROMPT = "Xin chào, xin mời nhấn phím."


async def place(settings: config.Settings, number: str, *, endpoint: str | None = None, timeout: float = 10,
                ari: AriClient | None = None) -> CallReport:
    plan = prepare.prompt_plan(settings, app.audio_library(settings), "+84" + number[1:], PROMPT, 2, timeout=timeout)
    if endpoint:
        plan = replace(plan, endpoint=endpoint)
    own = ari is None
    ari = ari or app.ari_client(settings)
    try:
        if own:
            await ari.connect()
        return await CallSession(ari).run(plan)
    finally:
        if own:
            await ari.close()


def retry_rule(outcome: str) -> str:
    for name, group in (("no_answer", NO_ANSWER), ("network", NETWORK), ("unfinished", UNFINISHED), ("never", FINAL)):
        if outcome in group:
            return name
    raise AssertionError(f"{outcome}: no retry rule")


# (id, far end: persona number or SIPp scenario, digit timeout, outcome, SIP cause, hang-up cause, answered, keys,
#  retry rule)
FAR_ENDS = [
    ("early-media-then-486", "0900000031", 10, "busy", 486, 17, False, "", "no_answer"),
    ("answer-announce-hang-up", "0900000032", 10, "hung_up_early", 200, 16, True, "", "unfinished"),
    ("answer-no-rtp", "sipp:no_rtp", 30, "rtp_timeout", 200, 44, True, "", "network"),
    ("redirect-302", "sipp:redirect_302", 10, "redirected", 302, 23, False, "", "never"),
    # Asterisk follows the forward as Local/1080@from-trunk: the dialplan keeps it out of the hotline.
    ("redirect-302-to-the-hotline", "sipp:redirect_302:1080", 10, "redirected", 302, 23, False, "", "never"),
    ("keys-as-sip-info", "sipp:info_keys", 10, "completed", 200, 16, True, "12", "never"),
    ("pcma-only", "sipp:pcma_only", 10, "completed", 200, 16, True, "12", "never"),
    ("hold-and-resume", "sipp:hold_resume", 10, "completed", 200, 16, True, "12", "never"),
    ("hang-up-0-ms-after-answer", "sipp:bye_at_once", 10, "hung_up_early", 200, 16, True, "", "unfinished"),
    ("hang-up-at-answer-asterisk", "0900000033", 10, "hung_up_early", 200, 16, True, "", "unfinished"),
    ("bye-without-reason", "sipp:bye_no_reason", 10, "hung_up_early", 200, 16, True, "", "unfinished"),
    ("500", "0900000034", 10, "congestion", 500, 38, False, "", "network"),
]


@pytest.mark.parametrize("far,timeout,outcome,sip,cause,answered,keys,rule", [f[1:] for f in FAR_ENDS],
                         ids=[f[0] for f in FAR_ENDS])
async def test_far_end(pbx, settings, tmp_path, far, timeout, outcome, sip, cause, answered, keys, rule):
    ari = app.ari_client(settings)
    await ari.connect()
    try:
        if far.startswith("sipp:"):
            _, scenario, *target = far.split(":")
            sipp_keys = {"redirect_to": target[0]} if target else {}
            with SippFarEnd(scenario, tmp_path, trunk=settings.trunk.endpoint, keys=sipp_keys) as sipp:
                report = await place(settings, "0900000301", endpoint=sipp.endpoint("0900000301"), timeout=timeout,
                                     ari=ari)
            assert sipp.returncode == 0, f"SIPp's scenario did not run to its end: {sipp.errors}"
        else:
            report = await place(settings, far, timeout=timeout, ari=ari)
        r = report.result
        got = (r.outcome, r.sip_cause, r.hangup_cause, r.answered, r.keys)
        if outcome == "redirected" and r.sip_cause is None:
            # About one time in six Asterisk reports the redirect only by following it (a Dial event with a
            # forward; ChannelDestroyed has cause 0): still redirected, with no SIP code made up.
            sip, cause = None, 0
        assert got == (outcome, sip, cause, answered, keys)
        assert retry_rule(r.outcome) == rule
        assert eventually(lambda: pbx.channel_count() == 0)
        # Nothing came into the application but our own call (a followed 3xx would arrive as a new call).
        assert ari.inbound.empty(), f"a call entered the application: {ari.inbound.get_nowait()}"
    finally:
        await ari.close()


# -- the watchdog race ---------------------------------------------------------------------------------
# Phones that ring for exactly the watchdog interval (2 s), then answer 486 / 603 / 480: the watchdog's
# channel lookup and the real hang-up events cross. bench/race_watchdog.py runs the same in a loop.
RACE = [("0900000021", "busy", 486), ("0900000022", "rejected", 603), ("0900000023", "unreachable", 480)]
RACE_ROUNDS = 6  # the race is hit in about 1 call of 4 (bench/race_watchdog.py): 18 calls all but always hit it
RACE_WATCHDOG = 2.0


def count_missing_lookups(ari: AriClient) -> list[int]:
    """Wrap the client's channel lookup to count the watchdog's 404s (the race being hit)."""
    hits = [0]
    real = ari.get_channel

    async def get_channel(channel_id: str):
        try:
            return await real(channel_id)
        except AriError as exc:
            if exc.status == 404:
                hits[0] += 1
            raise

    ari.get_channel = get_channel  # type: ignore[method-assign]
    return hits


async def test_final_response_at_the_watchdog_interval_keeps_its_outcome(pbx, settings):
    s = config.replace(settings, call={"watchdog": RACE_WATCHDOG, "lost_grace": 3.0})
    ari = app.ari_client(s)
    await ari.connect()
    hits = count_missing_lookups(ari)
    try:
        for _ in range(RACE_ROUNDS):
            reports = await asyncio.gather(*(place(s, number, ari=ari) for number, _, _ in RACE))
            got = [(r.result.outcome, r.result.sip_cause) for r in reports]
            assert got == [(outcome, sip) for _, outcome, sip in RACE], f"watchdog lookups that found no channel: {hits[0]}"
    finally:
        await ari.close()
    assert eventually(lambda: pbx.channel_count() == 0)
