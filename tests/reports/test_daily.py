"""The daily report on the seeded province (SQLite and PostgreSQL): every figure against the count made
from the spec (tests/reports/expected.py), the workbook's sheets and headers, the lists, the CSVs, the
charts, the register of written files and the audit log."""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import text
from PIL import Image

import expected as X
from ivr.cli import main
from ivr.operator import operator_name
from ivr.reports.daily import OutputItem, ReportBuilder, ReportDeps, summary_json, write_daily, write_set
from ivr.reports.parallel import ChildFailed
from ivr.reports.writers import Sheet, sha256_of
from ivr.storage.repo import Repository
from ivr.storage.written_files import PENDING, FileRegister
from seed import CAMPAIGNS, D, HOTLINE, PEOPLE, SCENARIOS, Seeded

SHEETS = ["Tổng hợp", "Danh sách khẩn", "Theo dõi thủ công", "Đường dây nóng"]
FIGURE_HEADERS = ["Cần gọi", "Đã gọi", "Nghe máy", "Hoàn thành", "Có triệu chứng",
                  "Không liên lạc được sau mọi lần gọi", "Từ chối nhận cuộc gọi"]
SUMMARY_HEADERS = ["Ngày", "Theo", "Phân loại", "Huyện", "Xã/Phường", "Chiến dịch", *FIGURE_HEADERS]
PERSON_HEADERS = ["Huyện", "Xã/Phường", "Họ và tên", "Năm sinh", "Số điện thoại", "Địa chỉ"]
URGENT_HEADERS = ["Ngày", "Nguồn", *PERSON_HEADERS, "Phân loại", "Chiến dịch", "Giờ gọi", "Kết quả",
                  "Triệu chứng đã báo"]
FOLLOW_UP_HEADERS = ["Ngày", *PERSON_HEADERS, "Phân loại", "Chiến dịch", "Số lần gọi", "Lần gọi cuối",
                     "Kết quả lần gọi cuối"]
HOTLINE_HEADERS = ["Ngày", "Cuộc gọi đến", "Tự khai báo", "Khai báo có triệu chứng", "Nhân viên trả lời",
                   "Bỏ máy khi đang chờ", "Yêu cầu gọi lại", "Thời gian chờ trung bình (giây)",
                   "Thời gian chờ lâu nhất (giây)"]
KEYS = [k for k in X.FIGURES]


@pytest.mark.parametrize("day", X.DAYS, ids=[d.isoformat() for d in X.DAYS])
def test_every_figure_matches_an_independent_count(deps: ReportDeps, seeded: Seeded, day: dt.date) -> None:
    data = ReportBuilder(deps).days([day], lists=True)[0]
    figures = summary_json(data)
    assert figures["total"] == X.total(day)
    assert {r["category"]: _f(r) for r in figures["by_category"]} == X.by(day, "category")
    assert {r["district"]: _f(r) for r in figures["by_district"]} == X.by(day, "district")
    assert {(r["district"], r["commune"]): _f(r) for r in figures["by_commune"]} == X.by(day, "commune")
    campaign_key = {cid: key for key, cid in seeded.campaigns.items()}
    assert {campaign_key[r["campaign_id"]]: _f(r) for r in figures["by_campaign"]} == X.by(day, "campaign")
    assert figures["hotline"] == X.hotline(day)
    assert {c.person.full_name for c in data.urgent if c.person} == {PEOPLE[p].name for p in X.urgent_people(day)}
    assert {c.phone_e164 for c in data.urgent if c.person is None} == {"+84" + n[1:] for n in X.hotline_urgent(day)}
    assert {c.person.full_name for c in data.follow_up} == {PEOPLE[p].name for p in X.follow_up_people(day)}


def test_the_seed_exercises_every_figure_and_list() -> None:
    """The seed is rich enough that no figure is trivially zero on the report day (else the test above could
    pass on a report that never counts it)."""
    assert all(n > 0 for n in X.total(D).values())
    assert X.urgent_people(D) and X.follow_up_people(D) and X.hotline_urgent(D)
    assert len(X.by(D, "district")) >= 3 and len(X.by(D, "campaign")) >= 3


def _f(row: dict) -> dict[str, int]:
    return {k: row[k] for k in KEYS}


def _rows(ws) -> list[list]:  # type: ignore[no-untyped-def]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_the_workbook_csvs_and_charts(deps: ReportDeps, seeded: Seeded, out: Path, engine) -> None:
    written = write_daily(deps, D, out, "chị Hà")
    names = sorted(p.name for p in written.files)
    stem = "bao-cao-ngay-2021-07-15"
    assert names == sorted([f"{stem}.xlsx", f"{stem}_tong-hop.csv", f"{stem}_danh-sach-khan.csv",
                            f"{stem}_theo-doi-thu-cong.csv", f"{stem}_duong-day-nong.csv",
                            f"{stem}_cuoc-goi-theo-gio.png", f"{stem}_lien-lac-theo-huyen.png"])
    assert sorted(p.name for p in out.iterdir()) == names, "no temporary file is left behind"
    wb = load_workbook(out / f"{stem}.xlsx")
    assert wb.sheetnames == SHEETS
    summary, urgent, follow_up, hotline = (_rows(wb[s]) for s in SHEETS)

    assert summary[0] == SUMMARY_HEADERS
    total = next(r for r in summary[1:] if r[1] == "Tổng cộng")
    assert dict(zip(KEYS, total[6:])) == X.total(D)
    by_district = {r[3]: dict(zip(KEYS, r[6:])) for r in summary[1:] if r[1] == "Huyện"}
    assert by_district == X.by(D, "district")
    by_commune = {(r[3], r[4]): dict(zip(KEYS, r[6:])) for r in summary[1:] if r[1] == "Xã/Phường"}
    assert by_commune == X.by(D, "commune")
    assert {r[2]: dict(zip(KEYS, r[6:])) for r in summary[1:] if r[1] == "Phân loại"} == X.by(D, "category")
    campaigns = {r[5]: dict(zip(KEYS, r[6:])) for r in summary[1:] if r[1] == "Chiến dịch"}
    assert sorted(campaigns.values(), key=str) == sorted(X.by(D, "campaign").values(), key=str)
    assert all(label.startswith("#") and "f1_daily" in label or "f2_daily" in label for label in campaigns)

    assert urgent[0][:len(URGENT_HEADERS)] == URGENT_HEADERS
    assert {"Sốt", "Ho", "Khó thở", "Có triệu chứng"} <= set(urgent[0][len(URGENT_HEADERS):])
    people = {r[4]: r for r in urgent[1:] if r[1] == "Cuộc gọi tự động"}
    assert set(people) == {PEOPLE[p].name for p in X.urgent_people(D)}
    binh = people["Lê Thị Bình"]
    assert binh[2:8] == ["TP Thanh Hóa", "Đông Vệ", "Lê Thị Bình", 1990, "0912000002", "Số 12 Lê Lai"]
    assert binh[12] == "Sốt, Khó thở" and binh[10] == dt.datetime(2021, 7, 15, 8, 5)
    fever = urgent[0].index("Sốt")
    assert people["Phạm Văn Em"][fever] == "Có" and people["Phạm Văn Em"][11] == "Cúp máy giữa chừng"
    districts = [r[2] for r in urgent[1:] if r[1] == "Cuộc gọi tự động"]
    assert districts == sorted(districts, key=str.casefold), "sorted by district"
    callers = [r[6] for r in urgent[1:] if r[1] == "Đường dây nóng"]
    assert callers == sorted(X.hotline_urgent(D))

    assert follow_up[0] == FOLLOW_UP_HEADERS
    assert {r[3]: (r[5], r[9]) for r in follow_up[1:]} == {
        PEOPLE[p].name: (PEOPLE[p].phone, len(SCENARIOS[("f1", p)])) for p in X.follow_up_people(D)}

    expected_hotline = X.hotline(D)
    assert hotline == [HOTLINE_HEADERS, [dt.datetime(2021, 7, 15), *expected_hotline.values()]]

    for sheet_rows, slug in zip((summary, urgent, follow_up, hotline),
                                ("tong-hop", "danh-sach-khan", "theo-doi-thu-cong", "duong-day-nong")):
        raw = (out / f"{stem}_{slug}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
        table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert table[0] == [str(h) for h in sheet_rows[0]]
        assert len(table) == len(sheet_rows)
        assert [r[2:6] for r in table[1:]] == [["" if v is None else str(v) for v in r[2:6]] for r in sheet_rows[1:]]

    for chart in ("cuoc-goi-theo-gio", "lien-lac-theo-huyen"):
        path = out / f"{stem}_{chart}.png"
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size[0] >= 600 and image.size[1] >= 400

    entry = Repository(engine).audit_entries(1)[0]
    listed = len(X.urgent_people(D)) + len(X.hotline_urgent(D)) + len(X.follow_up_people(D))
    assert (entry["operator"], entry["action"], entry["rows"]) == ("chị Hà", "report.daily", listed)
    assert entry["object"] == f"day:2021-07-15 urgent={listed - len(X.follow_up_people(D))} " \
                              f"follow_up={len(X.follow_up_people(D))}"
    registered = {Path(f.path).name: f for f in FileRegister(engine).files()}
    assert set(registered) == set(names)
    assert registered[f"{stem}_danh-sach-khan.csv"].rows == listed - len(X.follow_up_people(D))


def test_the_register_knows_whose_data_each_file_holds(deps: ReportDeps, seeded: Seeded, out: Path,
                                                        engine) -> None:
    write_daily(deps, D, out, "t")
    register = FileRegister(engine)
    stem = "bao-cao-ngay-2021-07-15"
    for person in ("binh", "cuong"):
        named = {Path(f.path).name for f in register.naming([seeded.contacts[person]])}
        sheet = "danh-sach-khan" if person == "binh" else "theo-doi-thu-cong"
        assert named == {f"{stem}.xlsx", f"{stem}_{sheet}.csv"}
    assert register.naming([seeded.contacts["an"]]) == [], "a healthy person is in no list"
    caller = seeded.calls[[c.caller for c in HOTLINE].index("0912000101")]
    assert {Path(f.path).name for f in register.naming([], inbound_call_ids=[caller])} == \
        {f"{stem}.xlsx", f"{stem}_danh-sach-khan.csv"}


def test_the_command_prints_the_figures_as_json(cli_env: dict[str, str], data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["--operator", "anh Tú", "report", "daily", "--date", "2021-07-15", "--json"],
                                env=cli_env)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["total"] == X.total(D) and figures["hotline"] == X.hotline(D)
    assert all(Path(f).parent == data_dir / "reports" and Path(f).is_file() for f in figures["files"])
    audit = CliRunner().invoke(main, ["audit", "list", "--json", "--limit", "1"], env=cli_env)
    assert audit.exit_code == 0, audit.output
    (entry,) = json.loads(audit.output)
    assert (entry["operator"], entry["action"]) == (operator_name("anh Tú"), "report.daily")


@pytest.mark.parametrize("args,message", [
    (["report", "daily", "--date", "2021-13-01"], "--date '2021-13-01': there is no such day"),
    (["report", "daily", "--date", "15/07/21"], "--date '15/07/21': expected a date as DD/MM/YYYY"),
    (["report", "monthly", "--month", "2021-7-1"], "--month '2021-7-1': expected a month as MM/YYYY"),
    (["report", "daily", "--date", "2021-07-15", "--out", "{file}"], "this is a file, not a folder"),
])
def test_bad_input_is_one_message_and_writes_nothing(cli_env: dict[str, str], data_dir: Path, tmp_path: Path,
                                                      args: list[str], message: str) -> None:
    (tmp_path / "a-file").write_text("x")
    args = [a.replace("{file}", str(tmp_path / "a-file")) for a in args]
    result = CliRunner().invoke(main, args, env=cli_env)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"robocall: error: {result.output.split('error: ')[1].strip()}"]
    assert message in result.output and "Traceback" not in result.output
    assert not (data_dir / "reports").exists() or not any((data_dir / "reports").iterdir())


def test_a_day_without_calls_still_gives_a_complete_report(deps: ReportDeps, out: Path) -> None:
    written = write_daily(deps, dt.date(2021, 8, 1), out, "t")
    wb = load_workbook(next(p for p in written.files if p.suffix == ".xlsx"))
    assert wb.sheetnames == SHEETS
    assert _rows(wb["Tổng hợp"])[1][6:] == [0] * 7
    assert written.figures["urgent"] == written.figures["follow_up"] == 0


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    from ivr.reports.writers import Sheet, write_csv, write_xlsx

    sheet = Sheet("T", "t", ["Họ và tên"], [["=HYPERLINK(\"http://x\")"], ["+84912"], ["-1"], ["@SUM(A1)"], ["-x"]])
    write_xlsx(tmp_path / "t.xlsx", [sheet])
    write_csv(tmp_path / "t.csv", sheet)
    ws = load_workbook(tmp_path / "t.xlsx")["T"]
    assert ws["A2"].data_type == "s" and ws["A2"].value == "=HYPERLINK(\"http://x\")"
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[1:] == [["'=HYPERLINK(\"http://x\")"], ["+84912"], ["-1"], ["'@SUM(A1)"], ["'-x"]]


def test_every_campaign_of_the_seed_is_in_the_spec(seeded: Seeded) -> None:
    assert set(seeded.campaigns) == set(CAMPAIGNS)


def test_files_are_registered_before_a_byte_is_written(deps: ReportDeps, out: Path, engine) -> None:
    """A report stopped half-way (killed, the disk full) leaves no file the purge cannot find: each file is
    in the register, with whose data it holds, before it is written; its checksum once all are written."""
    register = FileRegister(engine)
    seen: list[tuple[str, str]] = []

    def write(path: Path) -> None:
        seen.extend((Path(f.path).name, f.sha256) for f in register.files())
        path.write_text("x")

    sheet = Sheet("T", "t", ["Họ và tên"], [["Lê Thị Bình"]], contact_ids=frozenset({1}))
    write_set(deps, [OutputItem(out / "a.csv", "report.test.csv", [sheet], write)], operator="t",
              action="report.test", obj="test", rows=1)
    assert seen == [("a.csv", PENDING)]
    (done,) = register.files()
    assert done.sha256 == sha256_of(out / "a.csv") and [Path(f.path).name for f in register.naming([1])] == ["a.csv"]


@pytest.mark.parametrize("parallel", [False, True], ids=["in-turn", "parallel"])
def test_a_report_that_fails_half_way_leaves_no_file_and_no_registration(deps: ReportDeps, out: Path, engine,
                                                                        parallel: bool) -> None:
    def fails(path: Path) -> None:
        path.write_text("half")
        raise OSError(28, "No space left on device")

    sheet = Sheet("T", "t", ["Họ và tên"], [["Lê Thị Bình"]], contact_ids=frozenset({1}))
    items = [OutputItem(out / "a.csv", "report.test.csv", [sheet], lambda p: p.write_text("a")),
             OutputItem(out / "b.xlsx", "report.test.xlsx", [sheet], fails, apart="workbook")]
    before = Repository(engine).audit_entries(1)
    with pytest.raises((OSError, ChildFailed)):
        write_set(dataclasses.replace(deps, parallel=parallel), items, operator="t", action="report.test",
                  obj="test", rows=1)
    assert list(out.iterdir()) == [], "no file, no temporary file"
    assert FileRegister(engine).files(include_deleted=True) == []
    assert Repository(engine).count("written_file_subjects") == 0, "whose data they held went with them"
    assert Repository(engine).audit_entries(1) == before, "no audit entry for files not written"


@pytest.mark.parametrize("parallel", [False, True], ids=["in-turn", "parallel"])
def test_files_begun_early_go_when_the_rest_cannot_be_made(deps: ReportDeps, out: Path, engine,
                                                          parallel: bool) -> None:
    """The charts begin (a child of their own) before the sheets are made (``then``); when making them fails
    (the database gone, a bug), the charts' child is waited for and nothing stays: no file, no registration."""
    def sheets() -> list[OutputItem]:
        raise RuntimeError("the database went away")

    chart = OutputItem(out / "c.png", "report.test.chart", [], lambda p: p.write_bytes(b"png"), apart="charts")
    with pytest.raises(RuntimeError, match="went away"):
        write_set(dataclasses.replace(deps, parallel=parallel), [chart], operator="t", action="report.test",
                  obj="test", rows=0, then=sheets)
    assert list(out.iterdir()) == [], "no file, no temporary file"
    assert FileRegister(engine).files(include_deleted=True) == []


def test_the_command_writes_the_same_report_with_child_processes(cli_env: dict[str, str], tmp_path: Path,
                                                                 engine) -> None:
    """`robocall report daily` runs in one thread: the workbook and the charts are written by child
    processes while it registers the files and writes the CSVs; the files are those written in turn
    (reports.parallel false)."""
    robocall = Path(sys.executable).parent / "robocall"
    folders = {}
    for parallel in ("false", "true"):
        folders[parallel] = tmp_path / f"parallel-{parallel}"
        folders[parallel].mkdir()
        result = subprocess.run([str(robocall), "report", "daily", "--date", "2021-07-15", "--out",
                                 str(folders[parallel]), "--json"], capture_output=True, text=True, timeout=120,
                                env={**os.environ, **cli_env, "ROBOCALL_REPORTS_PARALLEL": parallel,
                                     "ROBOCALL_LOG_FILE": str(tmp_path / "robocall.log"), "ROBOCALL_LOG_LEVEL": "info"})
        assert result.returncode == 0, result.stderr
    written = [json.loads(line) for line in (tmp_path / "robocall.log").read_text().splitlines()
               if '"report.files"' in line]
    assert [line["children"] for line in written] == [0, 2], "the workbook, and both charts, by child processes"
    in_turn, forked = folders["false"], folders["true"]
    names = sorted(p.name for p in in_turn.iterdir())
    assert sorted(p.name for p in forked.iterdir()) == names and len(names) == 9
    for name in names:
        path, other = in_turn / name, forked / name
        if path.suffix == ".xlsx":
            mine, theirs = load_workbook(path), load_workbook(other)
            assert mine.sheetnames == theirs.sheetnames
            for sheet in mine.sheetnames:
                assert _rows(mine[sheet]) == _rows(theirs[sheet])
                assert [c.width for c in mine[sheet].column_dimensions.values()] == \
                    [c.width for c in theirs[sheet].column_dimensions.values()]
        else:
            assert path.read_bytes() == other.read_bytes(), name
    registered = [f for f in FileRegister(engine).files() if Path(f.path).parent == forked.resolve()]
    assert sorted((Path(f.path).name, f.sha256) for f in registered) == \
        sorted((p.name, sha256_of(p)) for p in forked.iterdir())


def test_a_report_reads_by_index_what_it_needs_of_a_day(deps: ReportDeps, engine) -> None:
    """PostgreSQL plans the reads of a day's answers for SSDs (random_page_cost 1.1: an index scan rather than a
    scan of the month's answers), every report read without JIT, in the report's transactions only."""
    if engine.dialect.name != "postgresql":
        pytest.skip("planner settings of PostgreSQL; SQLite has none")
    with deps.queries._by_index() as s:
        settings = s.execute(text("SELECT current_setting('random_page_cost'), current_setting('jit')")).one()
    assert tuple(settings) == ("1.1", "off")
    with deps.queries._read() as s:  # the month's counts read most pages: planned as the server is set
        settings = s.execute(text("SELECT current_setting('random_page_cost'), current_setting('jit')")).one()
    assert settings[0] != "1.1" and settings[1] == "off"
    with engine.connect() as connection:
        assert connection.execute(text("SHOW random_page_cost")).scalar() != "1.1", "not beyond the report"
