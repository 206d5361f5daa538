"""The monthly report and the answers export on the seeded province (SQLite and PostgreSQL), against the
count made from the spec."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from PIL import Image

import expected as X
from ivr.cli import main
from ivr.reports.daily import ReportDeps
from ivr.reports.export import export_answers
from ivr.reports.monthly import write_monthly
from ivr.storage.repo import Repository
from seed import CAMPAIGNS, D, PEOPLE, Seeded

ZERO = {k: 0 for k in X.FIGURES}


def _by_day(rows: list[list]) -> dict[str, dict[str, int]]:
    return {r[0]: dict(zip(X.FIGURES, r[6:])) for r in rows[1:] if r[1] == "Tổng cộng"}


def test_the_month_day_by_day(deps: ReportDeps, seeded: Seeded, out: Path, engine) -> None:
    written = write_monthly(deps, 2021, 7, out, "chị Hà")
    figures = written.figures
    assert [d["date"] for d in figures["days"]] == [f"2021-07-{n:02d}" for n in range(1, 32)]
    for day in figures["days"]:
        date = dt.date.fromisoformat(day["date"])
        assert day["total"] == (X.total(date) if date in X.DAYS else ZERO), date
        assert {r["district"]: {k: r[k] for k in X.FIGURES} for r in day["by_district"]} == X.by(date, "district")
        assert day["hotline"]["calls"] == X.hotline(date)["calls"]
    month = {k: sum(X.total(d)[k] for d in X.DAYS) for k in X.FIGURES}
    assert figures["month_total"] == month
    assert figures["month_hotline"]["calls"] == len(seed_calls_in_july())

    stem = "bao-cao-thang-2021-07"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{stem}.xlsx", f"{stem}_tong-hop.csv", f"{stem}_duong-day-nong.csv", f"{stem}_theo-ngay.png"])
    wb = load_workbook(out / f"{stem}.xlsx")
    assert wb.sheetnames == ["Tổng hợp", "Đường dây nóng"]
    rows = [list(r) for r in wb["Tổng hợp"].iter_rows(values_only=True)]
    totals = _by_day(rows)
    assert totals.pop("Cả tháng") == month
    assert {k.date(): v for k, v in totals.items()} == {d: X.total(d) if d in X.DAYS else ZERO
                                                         for d in (dt.date(2021, 7, n) for n in range(1, 32))}
    assert not any(PEOPLE[p].name in str(cell) for row in rows for cell in row for p in PEOPLE), "figures only"
    hotline = [list(r) for r in wb["Đường dây nóng"].iter_rows(values_only=True)]
    assert [r[1] for r in hotline[1:] if r[0] != "Cả tháng"] == [X.hotline(d)["calls"] for d in
                                                                  (dt.date(2021, 7, n) for n in range(1, 32))]
    with Image.open(out / f"{stem}_theo-ngay.png") as image:
        assert image.format == "PNG"
    entry = Repository(engine).audit_entries(1)[0]
    assert (entry["operator"], entry["action"], entry["object"]) == ("chị Hà", "report.monthly", "month:2021-07")


def seed_calls_in_july() -> list:
    from seed import HOTLINE

    return [c for c in HOTLINE if c.started.month == 7]


def test_the_monthly_command_prints_json(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["report", "monthly", "--month", "2021-07", "--json"], env=cli_env)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["month_total"] == {k: sum(X.total(d)[k] for d in X.DAYS) for k in X.FIGURES}


def _export_rows(path: Path) -> list[list]:
    if path.suffix == ".xlsx":
        return [["" if v is None else v for v in r] for r in load_workbook(path).active.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("category", [None, "F1", "F2"])
def test_export_answers(deps: ReportDeps, seeded: Seeded, out: Path, engine, suffix: str,
                        category: str | None) -> None:
    first, last = D - dt.timedelta(days=1), D + dt.timedelta(days=1)
    path = out / f"answers{suffix}"
    written = export_answers(deps, first, last, category, path, "anh Tú")
    rows = _export_rows(path)
    headers = rows[0]
    assert headers[:13] == ["Ngày", "Nguồn", "Huyện", "Xã/Phường", "Họ và tên", "Năm sinh", "Số điện thoại",
                            "Địa chỉ", "Phân loại", "Chiến dịch", "Giờ gọi", "Kết quả", "Triệu chứng đã báo"]
    robot = [r for r in rows[1:] if r[1] == "Cuộc gọi tự động"]
    wanted = [(day, camp, person) for day in X.DAYS for camp, person in X.answered_people(day, category)]
    assert sorted((str(r[0])[:10] if suffix == ".xlsx" else r[0], r[4]) for r in robot) == sorted(
        ((d.isoformat() if suffix == ".xlsx" else f"{d:%d/%m/%Y}"), PEOPLE[p].name) for d, _, p in wanted)
    hotline = [r[6] for r in rows[1:] if r[1] == "Đường dây nóng"]
    assert sorted(hotline) == sorted(n for d in X.DAYS for n in X.hotline_declared(d, category))
    assert written.figures["rows"] == len(rows) - 1
    if category != "F2":
        (binh,) = [r for r in robot if r[4] == "Lê Thị Bình" and r[headers.index("Giờ gọi")] in
                   (dt.datetime(2021, 7, 15, 8, 5), "15/07/2021 08:05")]
        assert binh[headers.index("Sốt")] == "Có" and binh[headers.index("Số điện thoại")] == "0912000002"
    if category is not None:
        assert {r[8] for r in robot} <= {category}
        assert all(CAMPAIGNS[c][1] == category for _, c, _ in wanted)
    entry = Repository(engine).audit_entries(1)[0]
    assert (entry["operator"], entry["action"], entry["rows"]) == ("anh Tú", "export.answers", len(rows) - 1)
    assert entry["object"] == f"from:2021-07-14 to:2021-07-16 category:{category or 'all'}"


@pytest.mark.parametrize("args,message", [
    (["--from", "2021-07-16", "--to", "2021-07-14", "--out", "{out}/a.xlsx"], "--to 14/07/2021 is before --from 16/07/2021"),
    (["--from", "2021-07-14", "--to", "2021-07-16", "--out", "{out}/a.pdf"], "must end in .xlsx or .csv"),
    (["--from", "14.07.21", "--to", "2021-07-16", "--out", "{out}/a.csv"], "--from '14.07.21': expected"),
    (["--from", "2021-07-14", "--to", "2021-07-16", "--out", "{out}/missing/a.csv"], "no such folder"),
    (["--from", "2020-01-01", "--to", "2021-07-16", "--out", "{out}/a.csv"], "at most 366 days"),
])
def test_export_refuses_bad_input_with_one_message(cli_env: dict[str, str], out: Path, args: list[str],
                                                   message: str) -> None:
    args = [a.replace("{out}", str(out)) for a in args]
    result = CliRunner().invoke(main, ["export", "answers", *args], env=cli_env)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("robocall: error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert list(out.iterdir()) == [], "nothing is written"


def test_the_export_command(cli_env: dict[str, str], out: Path) -> None:
    result = CliRunner().invoke(main, ["export", "answers", "--from", "2021-07-15", "--to", "2021-07-15",
                                       "--category", "f2", "--out", str(out / "f2.csv"), "--json"], env=cli_env)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["rows"] == len(X.answered_people(D, "F2")) + len(X.hotline_declared(D, "F2"))
    assert figures["files"] == [str(out / "f2.csv")]


@pytest.mark.parametrize("area", [None, "Hoằng Hóa"])
def test_the_database_counts_the_days_as_the_daily_report_does(deps: ReportDeps, seeded: Seeded,
                                                                area: str | None) -> None:
    """The monthly report's figures (counted in SQL, ReportBuilder.figures) equal the daily report's (counted
    in Python over the attempts) on every day of the seeded month, in every group."""
    from dataclasses import replace

    from ivr.reports.daily import ReportBuilder, summary_json

    builder = ReportBuilder(replace(deps, area=area))
    compared = 0
    for day in (dt.date(2021, 7, n) for n in range(1, 32)):
        in_python = builder.days([day], lists=False)[0]
        in_sql = builder.figures(day)
        assert summary_json(in_sql) == summary_json(in_python), day
        compared += in_python.summary.total.due
    assert compared > 0, "the seeded month has cases to compare"


@pytest.mark.parametrize("area", [None, "Hoằng Hóa"])
def test_the_daily_report_finds_symptoms_in_the_database_as_in_the_answers(deps: ReportDeps, seeded: Seeded,
                                                                         area: str | None) -> None:
    """The daily report (``answered=False``: the attempts with a symptom answer found by the database, only
    the urgent cases' answers read) has the same figures and lists as the read of every answer of the day
    (what the answers export still does), on every day of the seeded month."""
    from dataclasses import replace

    from ivr.reports.daily import ReportBuilder, summary_json

    builder = ReportBuilder(replace(deps, area=area))
    urgent = 0
    for day in (dt.date(2021, 7, n) for n in range(1, 32)):
        (every_answer,) = builder.days([day], lists=True)
        (daily,) = builder.days([day], lists=True, answered=False)
        assert summary_json(daily) == summary_json(every_answer), day
        assert daily.summary.cases == every_answer.summary.cases, day
        assert daily.urgent == every_answer.urgent, day
        assert daily.follow_up == every_answer.follow_up, day
        assert daily.per_hour == every_answer.per_hour, day
        assert daily.answered == [], day
        urgent += sum(1 for c in daily.urgent if c.contact_id is not None)
    assert urgent > 0, "the seeded month has symptomatic robot cases to compare"
