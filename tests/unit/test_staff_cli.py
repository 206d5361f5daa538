"""Every mistake health staff made in issue 15 is refused (or warned about) in Vietnamese, one line, no
traceback, and nothing is written: through the real `robocall` command on a database of its own."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ivr.cli import main

LIST = ("Họ và tên;Số điện thoại;Phân loại;Xã/Phường\n"
        "Nguyễn Văn An;0912000101;F1;Phường Hạc Thành\n"
        "Trần Thị Bình;0912000202;F2;Phường Đông Sơn\n"
        "Lê Văn Cường;0912000303;F1;Phường Hạc Thành\n"
        "Lê Thị Dung;0912000303;F1;Phường Hạc Thành\n")


@pytest.fixture
def staff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    # No PBX runs in unit tests: say what the running sandbox's proof would find (ivr/sandbox/proof.py;
    # tests/e2e/test_sandbox_proof.py checks the proof itself); the production case below uses another URL.
    monkeypatch.setattr("ivr.protection.secrets.sandbox_running", lambda *_: True)
    env = {"ROBOCALL_DATABASE_URL": f"sqlite:///{tmp_path}/staff.db", "ROBOCALL_DATA_DIR": str(tmp_path / "data"),
           "ROBOCALL_LANG": "vi", "USER": "nv-yte-01", "COLUMNS": "200",
           # the sandbox's ARI: the window's bounds are lifted, as in the demo and the e2e tests
           "ROBOCALL_ARI_URL": "http://127.0.0.1:8088", "ROBOCALL_SANDBOX_HTTP_PORT": "8088"}

    def run(*args: str, ok: bool = True) -> Any:
        result = CliRunner().invoke(main, list(args), env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        if ok:
            assert result.exit_code == 0, result.output
        return result

    listing = tmp_path / "F1_15-07.csv"
    listing.write_text("\ufeff" + LIST, encoding="utf-8")
    run("contacts", "import", str(listing), "--date", "15/07/2021")
    run.listing = listing  # type: ignore[attr-defined]
    run.env = env  # type: ignore[attr-defined]
    return run


def campaigns(staff: Any) -> list[dict[str, Any]]:
    return json.loads(staff("campaign", "list", "--json").output)


# (the command, what the one line says): each refused with exit 2 and nothing written
REFUSED = [
    (["campaign", "create", "--script", "f1_daily", "--date", "15/07/2021"],
     "robocall: lỗi: --date 15/07/2021: cần ghi thêm --category F1 hoặc F2"),
    (["campaign", "create", "--script", "f2_daily", "--category", "F1", "--date", "15/07/2021"],
     "robocall: lỗi: kịch bản f2_daily dành cho F2, còn chiến dịch gọi F1"),
    (["campaign", "create", "--script", "hotline", "--category", "F1", "--date", "15/07/2021"],
     "robocall: lỗi: kịch bản hotline là kịch bản gọi đến (đường dây nóng) (F1, F2); chiến dịch là cuộc gọi đi"),
    (["campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "15/07/2021",
      "--policy", "window_start=21:00", "--policy", "window_end=07:00"],
     "robocall: lỗi: khung giờ gọi 21:00-07:00: giờ kết thúc trước giờ bắt đầu (sẽ kéo qua nửa đêm)"),
    (["campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "2030-01-01"],
     "robocall: lỗi: danh sách F1 ngày 01/01/2030: không có ai để gọi"),
    (["campaign", "create", "--script", "f2_daily", "--import", "1", "--category", "F2", "--date", "15/07/2021"],
     "robocall: lỗi: cần --date (kèm --category) hoặc --import, một trong hai"),
    (["campaign", "create", "--script", "f1_daily", "--import", "1"],
     "robocall: lỗi: kịch bản f1_daily dành cho F1, còn chiến dịch gọi F2"),
    (["campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "31/02/2021"],
     "robocall: lỗi: --date '31/02/2021': không có ngày này"),
    (["call", "notaphone"], "robocall: lỗi: số 'notaphone': không phải số điện thoại"),
    (["cases", "list", "--reason", "fever"], "robocall: lỗi: --reason 'fever': cần một trong các giá trị"),
    (["cases", "close", "99", "--note", "x"], "robocall: lỗi: không có trường hợp #99"),
    (["contacts", "stop", "0912000303", "--reason", "moved"],
     "robocall: lỗi: 0912000303: có 2 người dùng chung số này"),
    (["contacts", "stop", "1", "--reason", "bored"], "robocall: lỗi: --reason 'bored': cần một trong các giá trị"),
    (["contacts", "optout", "0987654321"], "robocall: lỗi: 0987654321: không có ai trong danh sách dùng số này"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=[" ".join(a[:4]) for a, _ in REFUSED])
def test_each_mistake_is_refused_in_vietnamese(staff: Any, args: list[str], message: str) -> None:
    before = campaigns(staff)
    result = staff(*args, ok=False)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(message), result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert campaigns(staff) == before, "nothing written"


def test_the_window_must_lie_inside_the_allowed_hours_except_against_the_sandbox(staff: Any) -> None:
    args = ["campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "15/07/2021",
            "--policy", "window_start=06:00", "--policy", "window_end=22:00"]
    production = CliRunner().invoke(main, args, env={**staff.env, "ROBOCALL_ARI_URL": "https://pbx.example:8089"})
    assert production.exit_code == 2
    assert production.output.startswith("robocall: lỗi: khung giờ gọi 06:00-22:00: nằm ngoài giờ cho phép "
                                        "07:00-21:00"), production.output
    assert staff(*args).exit_code == 0  # the sandbox's invented phones may be called at any hour


def test_a_draft_made_against_the_sandbox_cannot_start_outside_the_allowed_hours(staff: Any) -> None:
    """The bounds are checked again at `campaign start` (the console's button is the same service): a draft
    whose window was accepted when the bounds were lifted, or wider, does not start."""
    staff("campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "15/07/2021",
          "--policy", "window_start=06:00", "--policy", "window_end=22:00")
    production = CliRunner().invoke(main, ["campaign", "start", "1"],
                                    env={**staff.env, "ROBOCALL_ARI_URL": "https://pbx.example:8089"})
    assert production.exit_code == 2
    assert production.output.startswith("robocall: lỗi: chiến dịch #1: khung giờ gọi 06:00-22:00: nằm ngoài giờ "
                                        "cho phép 07:00-21:00"), production.output
    assert campaigns(staff)[0]["status"] == "draft"
    assert staff("campaign", "start", "1").exit_code == 0  # against the sandbox it starts


def test_an_empty_campaign_needs_allow_empty(staff: Any) -> None:
    out = staff("campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "2030-01-01",
                "--allow-empty", "--json").output
    assert json.loads(out)["contacts"] == 0


def test_create_prints_the_window_the_retry_rules_and_the_numbers(staff: Any) -> None:
    out = staff("campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "15/07/2021").output
    assert out.startswith("Chiến dịch #1 (nháp): 2 số cần gọi, kịch bản f1_daily v")
    for words in ("khung giờ gọi 07:30-20:30 (Asia/Ho_Chi_Minh)", "không nghe máy hoặc máy bận: tối đa 3 lần",
                  "từ chối cuộc gọi (603): gọi lại 1 lần, sau 120 phút", "Bắt đầu gọi: robocall campaign start 1"):
        assert words in out, out


def test_a_reimport_under_another_date_says_which_date_stands(staff: Any) -> None:
    out = staff("contacts", "import", str(staff.listing), "--date", "16/07/2021").output
    assert ("Cảnh báo: tệp này đã được nhập trước đó là danh sách ngày 15/07/2021; ngày 16/07/2021 không được "
            "dùng: danh sách vẫn là ngày 15/07/2021") in out
    data = json.loads(staff("contacts", "import", str(staff.listing), "--date", "2021-07-16", "--json").output)
    assert data["list_date"] == "2021-07-15" and data["other_date"] == "2021-07-16"


def test_the_campaign_life_cycle(staff: Any) -> None:
    staff("campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "15/07/2021")
    resumed = staff("campaign", "resume", "1", ok=False)
    assert resumed.exit_code == 2 and resumed.output.startswith(
        "robocall: lỗi: chiến dịch #1 đang ở trạng thái nháp: không thể chuyển sang đang chạy (dùng `campaign start`)")
    assert "robocall campaign start 1" in staff("campaign", "list").output
    assert staff("campaign", "start", "1").output.strip() == "Chiến dịch #1: đang chạy"
    assert staff("campaign", "start", "1", ok=False).output.strip() == "robocall: lỗi: chiến dịch #1 đang chạy rồi"
    assert [c["status"] for c in json.loads(staff("campaign", "list", "--status", "running", "--json").output)] == \
        ["running"]
    staff("campaign", "pause", "1")
    assert staff("campaign", "resume", "1").output.strip() == "Chiến dịch #1: đang chạy"
    imports = json.loads(staff("imports", "list", "--json").output)
    assert [(i["import_id"], i["f1"], i["f2"], i["list_date"]) for i in imports] == [(1, 3, 1, "2021-07-15")]
    table = staff("imports", "list").output
    assert "Các lần nhập danh sách (1)" in table and "15/07/2021" in table


def test_stop_and_optout_leave_people_out_of_every_campaign_and_are_audited(staff: Any) -> None:
    out = staff("contacts", "stop", "1", "--reason", "f0").output
    assert out.strip() == "#1 Nguyễn Văn An (0912000101): dừng gọi (đã thành F0); đã hủy 0 cuộc gọi đang chờ"
    assert "dừng gọi số này (2 người dùng số này)" in staff("contacts", "optout", "0912000303").output
    created = json.loads(staff("campaign", "create", "--script", "f1_daily", "--category", "F1", "--date",
                               "15/07/2021", "--allow-empty", "--json").output)
    assert created["contacts"] == 0, "the F1 list's two households are stopped or opted out"
    staff("contacts", "optin", "0912000303")
    staff("contacts", "resume", "1")
    again = json.loads(staff("campaign", "create", "--script", "f1_daily", "--category", "F1", "--date",
                             "15/07/2021", "--json").output)
    assert again["contacts"] == 2
    audit = staff("audit", "list").output
    assert "contact.stop.f0" in audit and "contacts.optout" in audit and "contacts.optin" in audit


def test_creating_a_campaign_renders_and_registers_nothing_personal(staff: Any, tmp_path: Path) -> None:
    """Creating a campaign renders only the script's fixed audio (issue 18): a person's values are rendered,
    and registered as theirs (issue 16), by the dialer just before their call
    (tests/e2e/test_dialer.py::test_the_dialer_registers_the_audio_it_renders)."""
    import sqlite3

    staff("campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "15/07/2021")
    with sqlite3.connect(tmp_path / "staff.db") as db:
        registered = db.execute("SELECT count(*) FROM personal_audio").fetchone()[0]
        called = [row[0] for row in db.execute("SELECT DISTINCT contact_id FROM call_attempts")]
    assert len(called) == 2 and registered == 0


def test_cases_list_keeps_one_commune_or_ward(staff: Any) -> None:
    """`cases list --area`: the cases of one health station's people (the cases are opened as the calls'
    outcomes would open them: through the store, one symptomatic case per person)."""
    import datetime as dt

    from ivr.storage.cases import CaseStore, Opening
    from ivr.storage.db import make_engine

    people = json.loads(staff("contacts", "list", "--json").output)
    engine = make_engine(staff.env["ROBOCALL_DATABASE_URL"])
    at = dt.datetime(2021, 7, 15, 2, 0, tzinfo=dt.timezone.utc)
    CaseStore(engine).record([Opening("call", 900 + p["id"], p["id"], None, "F1", ("symptomatic",), None, at)
                              for p in people])
    engine.dispose()
    everyone = json.loads(staff("cases", "list", "--json").output)
    assert len(everyone) == len(people) == 4
    for area, wards in [("Phường Hạc Thành", {"Phường Hạc Thành"}), ("hạc  thành", {"Phường Hạc Thành"}),
                        ("P. Đông Sơn", {"Phường Đông Sơn"}), ("Xã Hạc Thành", set())]:
        result = staff("cases", "list", "--area", area, "--json")
        kept = json.loads(result.stdout)
        assert {c["ward"] for c in kept} == wards
        assert ("cảnh báo: --area" in result.stderr) is (not wards)  # no list names a "Xã Hạc Thành"
        assert len(kept) == sum(c["ward"] in wards for c in everyone)
    table = staff("cases", "list", "--area", "Phường Đông Sơn").output
    assert "Trần Thị Bình" in table and "Nguyễn Văn An" not in table
    assert "0912000202" in table and "+84" not in table
    empty = staff("cases", "list", "--area", "", ok=False)
    assert empty.exit_code == 2 and empty.output.strip().startswith("robocall: lỗi: --area: đang trống")


VIETNAMESE_LETTERS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")


@pytest.mark.parametrize(("command", "english"), [
    (["hotline", "calls"], ["hotline", "calls"]), (["hotline", "callbacks"], ["hotline", "callbacks"]),
    (["audit", "list"], ["audit", "list"]), (["users", "list"], ["users", "list"]),
    (["hotline", "done", "1"], ["hotline", "done", "--cancel", "2"]),
])
def test_staff_tables_are_in_one_language_with_numbers_as_staff_dial_them(staff: Any, command: list[str],
                                                                          english: list[str]) -> None:
    """Each table and message is all Vietnamese, or (--lang en) all English; phones show as 0912..., never +84."""
    import datetime as dt

    from ivr.storage.db import make_engine
    from ivr.storage.hotline import HotlineStore

    engine = make_engine(staff.env["ROBOCALL_DATABASE_URL"])
    store, at = HotlineStore(engine), dt.datetime(2021, 7, 15, 2, 0, tzinfo=dt.timezone.utc)
    call = store.open_call("chan-1", "+84912000101", at, False)
    store.finish_call(call.id, "staff", None, at)
    store.add_callback_task("+84912000202", at, inbound_call_id=call.id)
    store.add_callback_task("+84912000303", at)
    engine.dispose()
    vi = staff(*command).output
    en = staff("--lang", "en", *english).output
    assert "+84" not in vi and "+84" not in en
    assert not VIETNAMESE_LETTERS & set(en.lower()), en
    assert VIETNAMESE_LETTERS & set(vi.lower()), vi
    if command == ["hotline", "calls"]:
        assert "0912000101" in vi and "nhân viên đã nghe" in vi and "staff answered" in en
    if command == ["hotline", "callbacks"]:
        assert "0912000202" in vi and "chưa gọi" in vi and "not called yet" in en


def test_an_opted_out_number_is_echoed_as_staff_dial_it(staff: Any) -> None:
    out = staff("contacts", "optout", "+84 912 000 303").output
    assert out.startswith("0912000303: ") and "+84" not in out
    assert staff("contacts", "optin", "84912000303").output.startswith("0912000303: ")
