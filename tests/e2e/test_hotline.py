"""The inbound hotline end to end: simulated residents (real SIP calls from the phones instance, keys as
RFC 4733 DTMF) call the sandbox PBX's hotline number; simulated staff softphones (PJSIP endpoints
answered by the phones instance, tests/e2e/personas.yaml: staff1 answers and talks 30 s) take calls from
app_queue. What happened is read from the ledger (database) and from Asterisk itself (queue state,
channels, the files it plays), never inferred from timing."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from e2e_helpers import robocall
from hotline_helpers import Hotline, clock_at, files_open, running_hotline, staff_on_duty, until

from ivr import app, config
from ivr.contacts.merge import merge_contact
from ivr.calls import prepare
from ivr.calls.session import CallSession
from ivr.config import PROJECT_ROOT
from ivr.contacts.text import name_key
from ivr.scripts import checker
from ivr.storage.records import AttemptStatus, CampaignStatus, ContactData, ImportBatch

HERE = Path(__file__).resolve().parent
IN_HOURS, AFTER_HOURS = 10, 23  # staff hours are 07:00-21:00 in Hanoi
SYMPTOMATIC = {"category": "other", "fever": "no", "cough": "no", "breathing": "yes", "sore_throat": "no",
               "taste_smell": "no", "tested": "yes"}


def e164(national: str) -> str:
    return "+84" + national.lstrip("0")


async def test_a_self_declaration_is_stored(pbx, settings):
    number = "0912340101"

    async def use(h: Hotline):
        # menu 1 = declare; category 3 = other; fever no, cough no, breathing YES, throat no, taste no; tested yes
        await asyncio.to_thread(h.callers.call, number, "1,3,2,2,1,2,2,1")
        call = await until(lambda: h.finished(number), 120)
        assert call is not None, "the call never ended in the ledger"
        answers = {a.question_id: a.value for a in h.store.inbound_answers(call.id)}
        assert (call.outcome, call.script_result, call.path, call.after_hours) == \
            ("declared", "symptomatic", ("menu:declare",), False)
        assert answers == SYMPTOMATIC
        assert call.caller_e164 == e164(number) and call.ended_at is not None and call.answered_by is None

    await running_hotline(settings, pbx, clock_at(IN_HOURS), use)


def _campaign_awaiting(h: Hotline, phone: str, now: dt.datetime, birth_year: int | None = 1985,
                       also: tuple[tuple[str, int], ...] = (), *, name: str = "Phạm Thị Lan",
                       category: str = "F1") -> int:
    """A running F1 (or F2) campaign with one person on ``phone`` (and ``also`` (name, birth year): more
    members of that household after her), whose robot call is still to be made."""
    person = ContactData(row="2", full_name=name, name_key=name_key(name), phone_e164=phone,
                         category=category, birth_year=birth_year)
    others = tuple(ContactData(row=str(3 + i), full_name=other, name_key=name_key(other), phone_e164=phone,
                               category=category, birth_year=year) for i, (other, year) in enumerate(also))
    batch = ImportBatch(file_name=f"{category.lower()}.xlsx", sha256=secrets.token_hex(32), list_date=now.date(),
                        category=category, operator="test", contacts=(person, *others), rows=1 + len(others),
                        duplicates=0, invalid=0, error_report=None, stored_path=None)
    imported, _ = h.repo.apply_import(batch, now, merge=merge_contact)
    camp = h.repo.create_campaign(script_name=f"{category.lower()}_daily", script_version="2", operator="test",
                                  now=now, category=category, import_id=imported.id)
    assert h.repo.enqueue_contacts(camp.id, now) == 1
    h.repo.set_campaign_status(camp.id, CampaignStatus.RUNNING, operator="test", now=now)
    return camp.id


async def test_a_callback_is_recognised_and_counts_for_the_campaign(pbx, settings):
    number = "0912340201"
    clock = clock_at(IN_HOURS)

    async def use(h: Hotline):
        campaign_id = await asyncio.to_thread(_campaign_awaiting, h, e164(number), clock())
        # The birth year first (the hotline's verify step), then the F1 script: it is me (1), no symptom (2),
        # at the declared address (1).
        await asyncio.to_thread(h.callers.call, number, "1,9,8,5,1,2,1", gap=1.0, first=2.0)
        call = await until(lambda: h.finished(number), 150)
        assert call is not None and call.path == ("recognised", "caller_check:passed") and call.outcome == "declared"
        attempts = h.repo.campaign_attempts(campaign_id)
        assert [(a.id, a.status, a.outcome, a.channel_id) for a in attempts] == \
            [(call.attempt_id, AttemptStatus.DONE, "completed", call.channel_id)]
        answers = {a.question_id: a.value for a in h.repo.answers_for_attempt(call.attempt_id)}
        assert answers == {"identity": "yes", "any_symptom": "no", "at_address": "yes"}
        progress = h.repo.campaign_progress(campaign_id)
        assert (progress.answers, progress.answered, progress.unfinished) == (3, 1, 0)
        assert h.repo.claim_due_attempts(campaign_id, "dialer-test", clock(), 10) == []  # nobody calls them again
        assert (call.campaign_id, call.contact_id) == (campaign_id, attempts[0].contact_id)
        assert h.store.inbound_answers(call.id) == []  # the answers went to the campaign's ledger only
        # the person's prompts the hotline rendered are in the register of personal audio, for the purge
        from ivr.storage.audio_register import AudioRegister
        assert AudioRegister(h.repo.engine).keys_of([attempts[0].contact_id])

    await running_hotline(settings, pbx, clock, use)


async def test_a_caller_who_cannot_give_the_birth_year_hears_nothing_personal(pbx, settings):
    """Two wrong years: the anonymous self-declaration (answers in the inbound ledger, the campaign's call
    still to make); the next call from that number the same day is anonymous at once, and a number whose
    list has no birth year is never asked for one."""
    number, no_year = "0912340211", "0912340212"
    clock = clock_at(IN_HOURS)

    async def use(h: Hotline):
        campaign_id = await asyncio.to_thread(_campaign_awaiting, h, e164(number), clock())
        # 1111 and 2222 are wrong; then the anonymous declaration: other (3), fever no... breathing yes, tested yes.
        await asyncio.to_thread(h.callers.call, number, "1,1,1,1,2,2,2,2,3,2,2,1,2,2,1", gap=1.0, first=2.0)
        call = await until(lambda: h.finished(number), 150)
        assert call is not None, "the call never ended in the ledger"
        assert call.path == ("recognised", "caller_check:failed", "caller_check:failed")
        assert (call.outcome, call.script_result, call.campaign_id, call.attempt_id) == \
            ("declared", "symptomatic", None, None)
        assert {a.question_id: a.value for a in h.store.inbound_answers(call.id)} == SYMPTOMATIC
        attempts = h.repo.campaign_attempts(campaign_id)
        assert [(a.status, a.outcome, a.channel_id) for a in attempts] == [(AttemptStatus.PENDING, None, None)]
        assert h.repo.answers_for_attempt(attempts[0].id) == []

        # Again the same day, and a number whose list has no birth year: no check, the anonymous
        # declaration at once (the caller hangs up once the ledger shows where the call went).
        await asyncio.to_thread(_campaign_awaiting, h, e164(no_year), clock(), None)
        for caller_number in (number, no_year):
            caller = await asyncio.to_thread(h.callers.call, caller_number)
            routed = await until(lambda: (c := h.call_from(caller_number)) is not None and c.id != call.id
                                 and c.path[:1] == ("anonymous",) and c, 60)
            await asyncio.to_thread(caller.hangup)
            assert routed, f"{caller_number} was not routed to the anonymous declaration"
            ended = await until(lambda: (c := h.call_from(caller_number)) is not None and c.outcome is not None and c, 60)
            assert ended and (ended.campaign_id, ended.attempt_id) == (None, None)

    await running_hotline(settings, pbx, clock, use)


async def test_several_members_on_one_phone_the_member_concerned_is_checked(pbx, settings):
    """A phone serving two people of the list: the household's call is about its first member (the one the
    robot asks for), so her birth year is the one checked; the other member's year does not open her
    script (twice: the anonymous declaration), and nothing personal is said before."""
    number = "0912340221"
    clock = clock_at(IN_HOURS)

    async def use(h: Hotline):
        campaign_id = await asyncio.to_thread(_campaign_awaiting, h, e164(number), clock(), 1985,
                                              (("Phạm Văn Hùng", 1990),))
        attempts = h.repo.campaign_attempts(campaign_id)
        assert len(attempts) == 1, "one call per household"
        # 1990 twice (the second member's year), then hang up during the anonymous declaration
        caller = await asyncio.to_thread(h.callers.call, number, "1,9,9,0,1,9,9,0", gap=1.0, first=2.0)
        routed = await until(lambda: (c := h.call_from(number)) is not None
                             and c.path == ("recognised", "caller_check:failed", "caller_check:failed") and c, 120)
        await asyncio.to_thread(caller.hangup)
        assert routed, "the other member's year must not pass the check"
        ended = await until(lambda: (c := h.call_from(number)) is not None and c.outcome is not None and c, 60)
        assert ended and (ended.campaign_id, ended.attempt_id) == (None, None)
        assert [a.status for a in h.repo.campaign_attempts(campaign_id)] == [AttemptStatus.PENDING]

    await running_hotline(settings, pbx, clock, use)


async def test_each_member_awaited_on_one_phone_is_checked_and_declared_in_turn(pbx, settings):
    """One phone, two people the robot awaits (the mother on the F1 list, her son on the F2 list): the
    caller keys in her birth year and answers her questions, then his birth year and his questions; each
    answer goes to the right person's campaign call, and the robot calls neither again."""
    number = "0912340231"
    clock = clock_at(IN_HOURS)

    async def use(h: Hotline):
        f1 = await asyncio.to_thread(_campaign_awaiting, h, e164(number), clock(), 1985)
        f2 = await asyncio.to_thread(_campaign_awaiting, h, e164(number), clock(), 1990, name="Phạm Văn Hùng",
                                     category="F2")
        # Lan: 1985, it is me (1), no symptom (2), at the address (1); then Hùng: 1990, it is me (1), no symptom (2)
        await asyncio.to_thread(h.callers.call, number, "1,9,8,5,1,2,1,1,9,9,0,1,2", gap=1.0, first=2.0)
        call = await until(lambda: h.finished(number), 240)
        assert call is not None, "the call never ended in the ledger"
        assert call.path == ("recognised", "caller_check:passed", "caller_check:passed") and call.outcome == "declared"
        declared = {}
        for campaign_id in (f1, f2):
            (attempt,) = h.repo.campaign_attempts(campaign_id)
            assert (attempt.status, attempt.outcome) == (AttemptStatus.DONE, "completed")
            assert h.repo.claim_due_attempts(campaign_id, "dialer-test", clock(), 10) == []
            answers = h.repo.answers_for_attempt(attempt.id)
            assert {a.contact_id for a in answers} == {attempt.contact_id}
            declared[h.repo.get_contact(attempt.contact_id).full_name] = {a.question_id: a.value for a in answers}
        assert declared == {"Phạm Thị Lan": {"identity": "yes", "any_symptom": "no", "at_address": "yes"},
                            "Phạm Văn Hùng": {"identity": "yes", "any_symptom": "no"}}
        assert h.store.inbound_answers(call.id) == []

    await running_hotline(settings, pbx, clock, use)


async def test_a_waiting_caller_hears_their_position_then_staff_answers(pbx, settings):
    first, second = "0912340301", "0912340302"
    position_prompt = "/vi/queue-youarenext.wav"

    async def use(h: Hotline):
        await staff_on_duty(h, "staff1")
        await asyncio.to_thread(h.callers.call, first, "0")
        busy = await until(lambda: (c := h.call_from(first)) is not None and c.answered_by == "staff1", 90)
        assert busy, "staff1 never answered the first caller"
        pid = h.box.pbx.pid()
        assert pid is not None
        await asyncio.to_thread(h.callers.call, second, "0")
        # Asterisk's own view: the second caller waits as caller 1 while staff1 is on the first call ...
        waiting = await until(lambda: _waiting_behind_busy_staff(h.queue_show()), 60, interval=0.1)
        assert waiting, h.queue_show()
        # ... and app_queue plays them the (Vietnamese) "you are next" position announcement.
        heard = await until(lambda: any(f.endswith(position_prompt) for f in files_open(pid)), 60, interval=0.02)
        assert heard, "the position announcement was never played"
        answered = await until(lambda: (c := h.call_from(second)) is not None and c.answered_by == "staff1", 90)
        assert answered, "staff1 never answered the second caller"
        done = await until(lambda: h.finished(second), 60)
        assert done is not None and done.outcome == "staff" and done.queue_wait_seconds > 0
        assert done.path == ("menu:staff", "queue", "staff:staff1")
        assert h.finished(first).outcome == "staff"

    await running_hotline(settings, pbx, clock_at(IN_HOURS), use)


def _waiting_behind_busy_staff(shown: str) -> bool:
    members = [line for line in shown.splitlines() if "(PJSIP/staff1)" in line]
    callers = [line.strip() for line in shown.splitlines() if line.strip().startswith("1. PJSIP/trunk-")]
    return bool(members) and "(In use)" in members[0] and len(callers) == 1


async def test_an_abandoned_call_is_recorded(pbx, settings):
    number = "0912340401"

    async def use(h: Hotline):
        await staff_on_duty(h)  # nobody on duty: the caller waits
        caller = await asyncio.to_thread(h.callers.call, number, "0")
        queued = await until(lambda: (c := h.call_from(number)) is not None and c.queue_entered_at is not None, 60)
        assert queued
        assert await until(lambda: "1. PJSIP/trunk-" in h.queue_show(), 30)
        await asyncio.to_thread(caller.hangup)
        call = await until(lambda: h.finished(number), 60)
        assert call is not None
        assert (call.outcome, call.abandoned, call.answered_by) == ("abandoned", True, None)
        assert call.path == ("menu:staff", "queue", "abandoned") and call.queue_wait_seconds > 0

    await running_hotline(settings, pbx, clock_at(IN_HOURS), use)


async def test_a_long_wait_is_offered_a_call_back(pbx, settings):
    number = "0912340501"
    quick = config.replace(settings, hotline={"callback_offer_after": 4})

    async def use(h: Hotline):
        await staff_on_duty(h)
        caller = await asyncio.to_thread(h.callers.call, number, "0")
        offered = await until(lambda: (c := h.call_from(number)) is not None and "callback_offer" in c.path, 90)
        assert offered
        await asyncio.to_thread(caller.press, "1")
        call = await until(lambda: h.finished(number), 60)
        assert call is not None and call.outcome == "callback_requested"
        assert call.path == ("menu:staff", "queue", "queue_timeout", "callback_offer", "callback:yes")
        tasks = [t for t in h.store.callback_tasks() if t.inbound_call_id == call.id]
        assert [(t.phone_e164, t.status) for t in tasks] == [(e164(number), "open")]

    await running_hotline(quick, pbx, clock_at(IN_HOURS), use)


async def test_after_hours_callers_hear_the_hours_and_can_still_self_declare(pbx, settings):
    declares, wants_staff = "0912340601", "0912340602"

    async def use(h: Hotline):
        await staff_on_duty(h, "staff1")  # logged in, but it is 23:00: nobody is put through
        await asyncio.to_thread(h.callers.call, declares, "1,3,2,2,1,2,2,1")
        await asyncio.to_thread(h.callers.call, wants_staff, "0")
        call = await until(lambda: h.finished(declares), 150)
        assert call is not None and call.after_hours
        assert (call.outcome, call.path) == ("declared", ("after_hours", "menu:declare"))
        assert {a.question_id: a.value for a in h.store.inbound_answers(call.id)} == SYMPTOMATIC
        refused = await until(lambda: h.finished(wants_staff), 90)
        assert refused is not None
        assert (refused.outcome, refused.path, refused.queue_entered_at) == \
            ("staff_unavailable", ("after_hours", "menu:staff"), None)

    await running_hotline(settings, pbx, clock_at(AFTER_HOURS), use)


async def test_pressing_0_in_a_robot_call_reaches_a_staff_member(pbx, settings):
    script = checker.load_checked("f1_daily", PROJECT_ROOT / "scripts_vi")

    async def use(h: Hotline):
        await staff_on_duty(h, "staff1")
        # persona 0900000107 answers the identity question (1), then presses 0 for staff
        plan = await asyncio.to_thread(prepare.script_plan, settings, app.audio_library(settings), script,
                                       "+84900000107", {"ho_ten": "Nguyễn Văn An"})
        report = await CallSession(h.ari).run(plan)
        assert report.result.outcome == "transferred"

        def bridged_with_staff() -> bool:
            chans = h.channels()
            resident = next((c for c in chans if c["uniqueid"] == plan.call_id), None)
            return resident is not None and resident["bridge"] != "" and any(
                c["channel"].startswith("PJSIP/staff1-") and c["state"] == "Up" and c["bridge"] == resident["bridge"]
                for c in chans)

        assert await until(bridged_with_staff, 60), h.channels()

    await running_hotline(settings, pbx, clock_at(IN_HOURS), use)


def test_serve_stopped_mid_call_finishes_the_answers_first(pbx, settings, tmp_path: Path):
    """SIGTERM while a resident is declaring: the service refuses new calls, lets this one finish every
    answer, then exits 0."""
    log = tmp_path / "serve.log"
    env = {**os.environ, "ROBOCALL_LOG_FILE": str(log), "ROBOCALL_SERVICE_SHUTDOWN_GRACE": "120"}
    exe = Path(sys.executable).with_name("robocall")
    proc = subprocess.Popen([str(exe), "serve", "--no-dialer"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        asyncio.run(_declare_through_a_shutdown(pbx, settings, proc, log))
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    names = [e["event"] for e in events]
    assert names.index("service.stopping") < names.index("hotline.call_ended") < names.index("service.stopped")
    assert "912340801" not in log.read_text() and "912340802" not in log.read_text()  # no phone number logged


async def _declare_through_a_shutdown(box, settings, proc: subprocess.Popen, log: Path) -> None:
    from ivr.sandbox.callers import Callers
    from ivr.storage.db import open_database
    from ivr.storage.hotline import HotlineStore

    number, late = "0912340801", "0912340802"
    store = HotlineStore(open_database(settings))
    latest = lambda n: next((c for c in store.inbound_calls(200) if c.caller_e164 == e164(n)), None)  # noqa: E731
    assert await until(lambda: log.exists() and "service.started" in log.read_text(), 60), "serve did not start"
    callers = Callers(box.phones, settings.hotline.number)
    caller = await asyncio.to_thread(callers.call, number, "1")  # menu: declare
    assert await until(lambda: (c := latest(number)) is not None and "menu:declare" in c.path, 90)
    proc.send_signal(signal.SIGTERM)  # in the middle of the call: no answer given yet
    assert await until(lambda: "service.stopping" in log.read_text(), 10)
    refused = await asyncio.to_thread(callers.call, late, "1")  # a new call while draining: refused
    await asyncio.to_thread(caller.press, "3,2,2,1,2,2,1", 1.0)
    call = await until(lambda: (c := latest(number)) is not None and c.outcome is not None and c, 120)
    assert call and call.outcome == "declared"
    assert {a.question_id: a.value for a in store.inbound_answers(call.id)} == SYMPTOMATIC
    assert proc.poll() is None or proc.returncode == 0
    rejected = await until(lambda: (c := latest(late)) is not None and c.outcome == "rejected", 30)
    assert rejected and await until(lambda: refused.dial_status == "BUSY", 10)
    store.engine.dispose()


def test_serve_dials_a_campaign_while_answering_the_hotline(pbx, settings, tmp_path: Path):
    """`robocall serve` with both workers on one ARI client: a campaign started from the CLI is dialled
    to the end and marked completed while a resident self-declares on the hotline; SIGTERM then exits 0."""
    tails = {0: "completed", 1: "completed", 50: "completed", 60: "wrong_person", 65: "no_input", 85: "busy"}
    numbers = [f"090673{i:02d}{t:02d}" for i, t in enumerate(tails)]
    csv = tmp_path / "list.csv"
    csv.write_text("\ufeffHọ và tên;Số điện thoại;Phân loại\n"
                   + "".join(f"Người thử {i};{n};F1\n" for i, n in enumerate(numbers)), encoding="utf-8")
    # The province's scripts folder with one more script, which campaigns (and serve) then find by name.
    scripts = tmp_path / "scripts"
    shutil.copytree(PROJECT_ROOT / "scripts_vi", scripts)
    shutil.copy(HERE / "scripts" / "quick.yaml", scripts)
    env = {**os.environ, "ROBOCALL_SCRIPTS_DIR": str(scripts)}
    imported = robocall_json("contacts", "import", str(csv), "--category", "f1", "--json", env=env)
    policy = [f"--policy={k}={v}" for k, v in {"window_start": "00:00", "window_end": "23:59",
                                               "no_answer_attempts": 1, "network_max_attempts": 1,
                                               "unfinished_extra_attempts": 0}.items()]
    created = robocall_json("campaign", "create", "--script", "quick", "--import", str(imported["import_id"]),
                            *policy, "--json", env=env)
    cid = str(created["campaign_id"])
    log = tmp_path / "serve.log"
    env["ROBOCALL_LOG_FILE"] = str(log)
    proc = subprocess.Popen([str(Path(sys.executable).with_name("robocall")), "serve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        call = asyncio.run(_campaign_and_declaration(pbx, settings, log, cid, env))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert call.outcome == "declared"
    status = robocall_json("campaign", "status", cid, "--json", env=env)
    assert status["status"] == "completed"
    assert status["by_outcome"] == {o: list(tails.values()).count(o) for o in set(tails.values())}
    names = [json.loads(line)["event"] for line in log.read_text().splitlines() if line.startswith("{")]
    assert "dialer.campaign_completed" in names and names[-1] == "service.stopped"
    assert not any(n.lstrip("0") in log.read_text() for n in numbers + ["0912340803"])  # no number logged


def robocall_json(*args: str, env: dict[str, str] | None = None) -> dict:
    proc = robocall(*args, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


async def _campaign_and_declaration(box, settings, log: Path, campaign_id: str, env: dict[str, str]):
    from ivr.sandbox.callers import Callers
    from ivr.storage.db import open_database
    from ivr.storage.hotline import HotlineStore

    number = "0912340803"
    store = HotlineStore(open_database(settings))
    latest = lambda: next((c for c in store.inbound_calls(200) if c.caller_e164 == e164(number)), None)  # noqa: E731
    assert await until(lambda: log.exists() and "service.started" in log.read_text(), 60), "serve did not start"
    await asyncio.to_thread(robocall_json, "campaign", "start", campaign_id, "--json", env=env)
    assert await until(lambda: '"dialer.' in log.read_text(), 30), "the dialer did not take the campaign"
    caller = await asyncio.to_thread(Callers(box.phones, settings.hotline.number).call, number, "1")
    assert await until(lambda: (c := latest()) is not None and "menu:declare" in c.path, 90)
    await asyncio.to_thread(caller.press, "3,2,2,1,2,2,1", 1.0)
    call = await until(lambda: (c := latest()) is not None and c.outcome is not None and c, 120)
    assert call and {a.question_id: a.value for a in store.inbound_answers(call.id)} == SYMPTOMATIC
    assert await until(lambda: "dialer.campaign_completed" in log.read_text(), 180), "campaign not completed"
    store.engine.dispose()
    return call
