"""A health worker's day on the sandbox, through the `robocall` command as staff type it (Vietnamese output):
import the morning list, create and start the campaign, dial it, read the cases the calls opened (one per
person and reason, exactly the promised follow-ups), close and refer them (audited), find them in the
daily workbook's "Cần xử lý" sheet, stop a person and opt a phone out, and see that the next day's F1
campaign does not call them.

"Asked for staff, not answered" needs the transfer to the staff queue to fail, which the sandbox's queue
never does: that reason is proved by the rules' table (tests/unit/test_staff_rules.py)."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from e2e_helpers import robocall

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# The F1 script's paths (personas: tests/e2e/personas.yaml; keys: 1 yes, 2 no, 0 staff).
PEOPLE = {
    "0900000301": ("Nguyễn Văn Khỏe", None),                       # healthy: no case
    "0900000302": ("Trần Thị Sốt", "symptomatic"),                 # fever and breathing
    "0900000303": ("Lê Văn Vắng", "not_at_address"),              # not at the quarantine address
    "0900000304": ("Phạm Thị Nhầm", "wrong_person"),               # "this is not me"
    "0900000305": ("Hoàng Văn Gọi", None),                          # pressed 0: put through to the staff queue
    "0900000306": ("Vũ Thị Im", "unreached"),                       # never answers
    "0900000307": ("Đỗ Văn Dừng", None),                            # healthy; stopped after today
    "0900000308": ("Bùi Thị Từ Chối", None),                        # healthy; opts out after today
}
WARD = "Phường Hạc Thành"


def write_list(path: Path, day: dt.date) -> Path:
    lines = ["Họ và tên;Số điện thoại;Phân loại;Xã/Phường"]
    lines += [f"{name};{phone};F1;{WARD}" for phone, (name, _) in PEOPLE.items()]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_day_of_calls_opens_exactly_the_promised_cases(pbx, settings, any_db_url, tmp_path):
    env = {**os.environ, "ROBOCALL_DATABASE_URL": any_db_url, "ROBOCALL_DATA_DIR": str(tmp_path / "data"),
           "ROBOCALL_LANG": "vi", "USER": "nv-yte-01", "COLUMNS": "200"}

    def staff(*args: str, timeout: float = 120) -> str:
        done = robocall(*args, timeout=timeout, env=env)
        assert done.returncode == 0, (args, done.stdout[-3000:], done.stderr[-3000:])
        assert "Traceback" not in done.stderr
        return done.stdout

    today = dt.datetime.now(ZONE).date()
    day = today.strftime("%d/%m/%Y")
    staff("contacts", "import", str(write_list(tmp_path / "F1_hom_nay.csv", today)), "--date", day)
    out = staff("campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", day,
                "--policy", "window_start=00:00", "--policy", "window_end=23:59",
                "--policy", "no_answer_attempts=1", "--policy", "unfinished_extra_attempts=0", "--json")
    created = json.loads(out)
    cid = created["campaign_id"]
    assert created["contacts"] == len(PEOPLE)
    assert "robocall campaign start" in staff("campaign", "list")
    staff("campaign", "start", str(cid))
    assert json.loads(staff("campaign", "list", "--status", "running", "--json"))[0]["campaign_id"] == cid
    staff("campaign", "run", str(cid), "--wait-retries", timeout=300)

    # A call-back task the hotline took for the healthy person (the hotline writes these for its callers).
    from ivr.storage.db import make_engine
    from ivr.storage.hotline import HotlineStore

    engine = make_engine(any_db_url)
    try:
        contact_id = next(c["id"] for c in json.loads(staff("contacts", "list", "--json"))
                          if c["phone_e164"] == "+84900000301")
        HotlineStore(engine).add_callback_task("+84900000301", dt.datetime.now(dt.timezone.utc),
                                               contact_id=contact_id)
    finally:
        engine.dispose()

    cases = json.loads(staff("cases", "list", "--json"))
    opened = sorted((c["phone_e164"], c["reason"]) for c in cases)
    expected = sorted([("+84" + phone[1:], reason) for phone, (_, reason) in PEOPLE.items() if reason]
                      + [("+84900000301", "callback_requested")])
    assert opened == expected, opened
    assert all(c["ward"] == WARD and c["status"] == "open" for c in cases)
    table = staff("cases", "list")
    assert "có triệu chứng" in table and "0900000302" in table and "+84" not in table, table

    # Asking again opens nothing new: one case per person and reason.
    assert len(json.loads(staff("cases", "list", "--json"))) == len(cases)

    by_reason = {c["reason"]: c["id"] for c in cases}
    out = staff("cases", "close", str(by_reason["wrong_person"]), "--note", "Đã xác minh: số của người khác")
    assert f"#{by_reason['wrong_person']}" in out and "nv-yte-01" in out
    staff("cases", "refer", str(by_reason["symptomatic"]), "--to", "Trạm y tế phường Hạc Thành")
    audit = staff("audit", "list")
    assert f"case:{by_reason['wrong_person']}" in audit and f"case:{by_reason['symptomatic']}" in audit
    closed_again = robocall("cases", "close", str(by_reason["wrong_person"]), "--note", "lại", env=env)
    assert closed_again.returncode == 2 and "lỗi" in closed_again.stderr and "Traceback" not in closed_again.stderr

    # The day's workbook: "Cần xử lý" right after the summary, one row per case still to act on.
    # The day the cases were opened is today's date now, not at the test's start: a run across midnight
    # opens them on the next day, and a day's workbook lists the cases opened before that day ends.
    opened_day = dt.datetime.now(ZONE).date().strftime("%d/%m/%Y")
    report = json.loads(staff("report", "daily", "--date", opened_day, "--json"))
    workbook = next(Path(p) for p in report["files"] if p.endswith(".xlsx"))
    book = openpyxl.load_workbook(workbook, read_only=True)
    assert book.sheetnames[1] == "Cần xử lý", book.sheetnames
    rows = list(book["Cần xử lý"].iter_rows(values_only=True))
    listed = {str(v) for row in rows[1:] for v in row if v is not None}
    for phone, (name, reason) in PEOPLE.items():
        if reason and reason != "wrong_person":
            assert phone in listed and name in listed, (phone, rows)
    assert "0900000304" not in listed, "a closed case is no longer to act on"
    assert "Trạm y tế phường Hạc Thành" in listed

    # Stop a person, opt a phone out: tomorrow's F1 campaign calls neither.
    staff("contacts", "stop", "0900000307", "--reason", "hospitalised")
    staff("contacts", "optout", "0900000308")
    tomorrow = (today + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    staff("contacts", "import", str(write_list(tmp_path / "F1_ngay_mai.csv", today)), "--date", tomorrow)
    nxt = json.loads(staff("campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", tomorrow,
                           "--policy", "window_start=00:00", "--policy", "window_end=23:59", "--json"))
    from ivr.storage.repo import Repository

    repo = Repository(make_engine(any_db_url))
    try:
        called = {a.phone_e164 for a in repo.campaign_attempts(nxt["campaign_id"])}
    finally:
        repo.engine.dispose()
    assert "+84900000307" not in called and "+84900000308" not in called
    assert called == {"+84" + p[1:] for p in PEOPLE} - {"+84900000307", "+84900000308"}
    assert nxt["contacts"] == len(PEOPLE) - 2
