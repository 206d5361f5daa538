"""Administrative units (ivr/reports/units.py): the level the reports group by (reports.unit_level) and the
--area filter of the reports and of `cases list`, as tables; then on the seeded province (SQLite and
PostgreSQL), the report of one commune against the independent count of tests/reports/expected.py."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import expected as X
from ivr.cli import main
from ivr.config import ConfigError, load
from ivr.reports import labels
from ivr.reports.daily import ReportBuilder, ReportDeps, summary_json, write_daily
from ivr.reports.facts import day_window
from ivr.reports.figures import Figures, Summary
from ivr.reports.sheets import summary_rows
from ivr.reports.units import area_key, chart_units, in_area
from seed import D, PEOPLE, ZONE, Seeded

U = labels.UNKNOWN_PLACE


@pytest.mark.parametrize(("area", "district", "ward", "kept"), [
    ("Phường Điện Biên", None, "Phường Điện Biên", True),
    ("phường   điện biên", None, "Phường Điện Biên", True),       # case and spaces
    ("P. Điện Biên", None, "Phường Điện Biên", True),             # abbreviated kind
    ("P.Điện Biên", None, "Phường Điện Biên", True),
    ("Điện Biên", None, "Phường Điện Biên", True),                # no kind given: the name is enough
    ("Phường Điện Biên", None, "Điện Biên", True),                # the list gives no kind
    ("Xã Điện Biên", None, "Phường Điện Biên", False),            # both give a kind, and they differ
    ("Phường 1", "Quận 3", "Phường 1", True),
    ("Phường 1", "Quận 1", "Phường 2", False),                    # "Phường 1" is not "Quận 1"
    ("Quận 1", "Quận 1", "Phường 2", True),                       # a district keeps its wards
    ("Phường 1, Quận 3", "Quận 3", "Phường 1", True),             # one ward of one district
    ("Phường 1, Quận 3", "Quận 5", "Phường 1", False),
    ("Hoằng Hóa", "Hoằng Hóa", "Hoằng Quang", True),
    ("Huyện Hoằng Hóa", "Hoằng Hóa", "Hoằng Quang", True),
    ("Hoằng", "Hoằng Hóa", "Hoằng Quang", False),                 # no prefix match
    ("Ho\u0302\u0300ng Hóa", "Hoằng Hóa", None, False),              # another name, decomposed: still compared
    ("Hoa\u0306\u0300ng Hóa", "Hoằng Hóa", None, True),              # the same name typed decomposed (NFD)
    ("Quảng Tâm", None, None, False),                             # no address on the list
    ("Thanh Hoá", "Thanh Hóa", None, True),                       # old and new tone placement
    ("Phường Hoà Bình", None, "Phường Hòa Bình", True),
    ("Thuý Lĩnh", None, "Xã Thúy Lĩnh", True),
    ("Phù Lợi", None, "Phường Phú Lợi", False),                   # another tone is another name
    ("TP Thanh Hóa", "Thành phố Thanh Hóa", None, True),          # "TP" without a dot
    ("Thanh Hóa", "TP Thanh Hóa", None, True),
    (None, None, None, True),                                     # no --area: everyone
])
def test_which_people_an_area_keeps(area: str | None, district: str | None, ward: str | None, kept: bool) -> None:
    assert in_area(area, district, ward) is kept


@pytest.mark.parametrize(("name", "key"), [
    ("Thị trấn Bút Sơn", ("thị trấn", "bút sơn")),
    ("TT. Bút Sơn", ("thị trấn", "bút sơn")),
    ("Thành phố Thanh Hóa", ("thành phố", "thanh hóa")),
    ("Thị xã Bỉm Sơn", ("thị xã", "bỉm sơn")),
    ("Thịnh Lộc", (None, "thịnh lộc")),  # begins like "thị" but is a name
    ("Xã", (None, "xã")),  # a kind alone is taken as a name
])
def test_the_kind_of_unit_is_read_off_the_name(name: str, key: tuple[str | None, str]) -> None:
    kind, bare = key
    assert area_key(name) == (kind, area_key(bare)[1])
    assert area_key(name)[1] == area_key(bare.title())[1]


BY_DISTRICT = {"Hoằng Hóa": Figures(due=3), "TP Thanh Hóa": Figures(due=2)}
BY_COMMUNE = {("Hoằng Hóa", "Phường 1"): Figures(due=3), ("TP Thanh Hóa", "Phường 1"): Figures(due=2)}
NEW_BY_DISTRICT = {U: Figures(due=5)}
NEW_BY_COMMUNE = {(U, "Phường Hạc Thành"): Figures(due=4), (U, "Xã Quảng Phú"): Figures(due=1)}


@pytest.mark.parametrize(("level", "by_district", "by_commune", "units", "name"), [
    ("auto", BY_DISTRICT, BY_COMMUNE, {"Hoằng Hóa": 3, "TP Thanh Hóa": 2}, "huyện"),
    ("auto", NEW_BY_DISTRICT, NEW_BY_COMMUNE, {"Phường Hạc Thành": 4, "Xã Quảng Phú": 1}, "xã/phường"),
    ("district", BY_DISTRICT, BY_COMMUNE, {"Hoằng Hóa": 3, "TP Thanh Hóa": 2}, "huyện"),
    ("district", NEW_BY_DISTRICT, NEW_BY_COMMUNE, {U: 5}, "huyện"),
    # by commune, two "Phường 1" of two districts stay two units
    ("commune", BY_DISTRICT, BY_COMMUNE, {"Phường 1 (Hoằng Hóa)": 3, "Phường 1 (TP Thanh Hóa)": 2}, "xã/phường"),
    ("commune", NEW_BY_DISTRICT, NEW_BY_COMMUNE, {"Phường Hạc Thành": 4, "Xã Quảng Phú": 1}, "xã/phường"),
])
def test_the_chart_groups_by_the_configured_level(level: str, by_district: dict[str, Figures],
                                                   by_commune: dict[tuple[str, str], Figures],
                                                   units: dict[str, int], name: str) -> None:
    by_unit, level_name = chart_units(by_district, by_commune, level)
    assert {u: f.due for u, f in by_unit.items()} == units and level_name == name


@pytest.mark.parametrize(("level", "by_district", "by_commune", "groups"), [
    ("auto", BY_DISTRICT, BY_COMMUNE, [labels.GROUP_DISTRICT] * 2 + [labels.GROUP_COMMUNE] * 2),
    ("auto", NEW_BY_DISTRICT, NEW_BY_COMMUNE, [labels.GROUP_COMMUNE] * 2),
    ("district", BY_DISTRICT, BY_COMMUNE, [labels.GROUP_DISTRICT] * 2),
    ("commune", BY_DISTRICT, BY_COMMUNE, [labels.GROUP_COMMUNE] * 2),
])
def test_the_summary_sheet_groups_by_the_configured_level(level: str, by_district: dict[str, Figures],
                                                          by_commune: dict[tuple[str, str], Figures],
                                                          groups: list[str]) -> None:
    summary = Summary(window=day_window(D, ZONE), cases={}, attempts={}, total=Figures(due=5), by_category={},
                      by_district=by_district, by_commune=by_commune, by_campaign={})
    rows = summary_rows(D, summary, {}, level)
    assert [r[1] for r in rows if r[1] in (labels.GROUP_DISTRICT, labels.GROUP_COMMUNE)] == groups


@pytest.mark.parametrize(("value", "ok"), [("auto", True), ("district", True), ("commune", True),
                                           ("ward", False), ("", False), ("District", False)])
def test_the_unit_level_setting_is_checked(value: str, ok: bool) -> None:
    env = {"ROBOCALL_REPORTS_UNIT_LEVEL": value}
    if ok:
        assert load(None, env).reports.unit_level == value
    else:
        with pytest.raises(ConfigError, match="reports.unit_level"):
            load(None, env)


# -- on the seeded province --------------------------------------------------------------------------------

WARD, DISTRICT = ("Hoằng Hóa", "Hoằng Quang"), "Hoằng Hóa"


@pytest.mark.parametrize(("area", "key", "group"), [
    ("Xã Hoằng Quang", WARD, "commune"),
    ("hoằng  quang", WARD, "commune"),
    ("Huyện Hoằng Hóa", DISTRICT, "district"),
])
def test_a_report_of_one_area_counts_only_its_people(deps: ReportDeps, seeded: Seeded, area: str, key: object,
                                                     group: str) -> None:
    data = ReportBuilder(dataclasses.replace(deps, area=area)).days([D], lists=True)[0]
    figures = summary_json(data)
    assert figures["total"] == X.by(D, group)[key]
    places = {(PEOPLE[p].district, PEOPLE[p].ward) for p in X.urgent_people(D) | X.follow_up_people(D)}
    kept = {PEOPLE[p].name for p in X.urgent_people(D) if in_area(area, PEOPLE[p].district, PEOPLE[p].ward)}
    assert len(places) > 1  # the seed has people elsewhere too, so the filter has something to leave out
    assert {c.person.full_name for c in data.urgent if c.person} == kept
    assert all(c.person is not None for c in data.urgent)  # hotline callers give no address: left out
    assert figures["hotline"]["calls"] == 0


def test_the_report_of_one_area_is_written_beside_the_province_s(deps: ReportDeps, seeded: Seeded,
                                                                  out: Path) -> None:
    whole = write_daily(deps, D, out, "t")
    one = write_daily(dataclasses.replace(deps, area="Xã Hoằng Quang", unit_level="commune"), D, out, "t")
    assert {p.name for p in one.files}.isdisjoint({p.name for p in whole.files})
    book = next(p for p in one.files if p.suffix == ".xlsx")
    assert book.name == f"bao-cao-ngay-{D.isoformat()}_xa-hoang-quang.xlsx"
    rows = list(load_workbook(book)["Tổng hợp"].iter_rows(values_only=True))
    assert {r[1] for r in rows[1:]} >= {labels.GROUP_TOTAL, labels.GROUP_COMMUNE}
    assert labels.GROUP_DISTRICT not in {r[1] for r in rows[1:]}
    assert {(r[3], r[4]) for r in rows[1:] if r[1] == labels.GROUP_COMMUNE} == {WARD}


def test_the_command_takes_an_area_and_refuses_an_empty_one(cli_env: dict[str, str]) -> None:
    ok = CliRunner().invoke(main, ["report", "daily", "--date", "15/07/2021", "--area", "Xã Hoằng Quang", "--json"],
                            env=cli_env)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["total"] == X.by(D, "commune")[WARD]
    empty = CliRunner().invoke(main, ["--lang", "vi", "report", "daily", "--date", "15/07/2021", "--area", " "],
                               env=cli_env)
    assert empty.exit_code == 2
    assert empty.output.strip() == 'robocall: lỗi: --area: đang trống; hãy ghi một xã/phường hoặc huyện, ví dụ ' \
                                   '"Phường Điện Biên"'


@pytest.mark.parametrize(("args", "area", "warned"), [
    (["report", "monthly", "--month", "07/2021"], "Xã Hoằng Quag", True),      # misspelt: a report of nobody
    (["report", "daily", "--date", "01/08/2021"], "Xã Hoằng Quang", False),   # no calls that day, but people live there
    (["cases", "list"], "Hoằng Quag", True),
    (["cases", "list"], "Hoằng Quang", False),
])
def test_an_area_no_list_names_is_warned_about(cli_env: dict[str, str], args: list[str], area: str,
                                               warned: bool) -> None:
    result = CliRunner().invoke(main, ["--lang", "vi", *args, "--area", area], env=cli_env)
    assert result.exit_code == 0, result.output
    warning = f"cảnh báo: --area {area}: không danh sách nào có xã/phường hoặc huyện này"
    assert (warning in result.stderr) is warned, result.stderr


def test_a_bad_unit_level_is_one_line_in_vietnamese(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["--lang", "vi", "report", "daily"],
                                env={**cli_env, "ROBOCALL_REPORTS_UNIT_LEVEL": "ward"})
    assert result.exit_code == 2
    assert result.output.strip() == ("robocall: lỗi: reports.unit_level: cần auto, district hoặc commune, "
                                     "nhưng là 'ward'")


def test_the_answers_export_keeps_one_area(cli_env: dict[str, str], tmp_path: Path) -> None:
    args = ["export", "answers", "--from", "15/07/2021", "--to", "15/07/2021", "--json"]
    whole = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "all.csv")], env=cli_env)
    one = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "one.csv"), "--area", "Hoằng Quang"], env=cli_env)
    assert whole.exit_code == one.exit_code == 0, (whole.output, one.output)
    expected = {PEOPLE[p].name for _camp, p in X.answered_people(D) if PEOPLE[p].ward == "Hoằng Quang"}
    assert expected and json.loads(one.stdout)["people"] == len(expected) < json.loads(whole.stdout)["people"]
    assert json.loads(one.stdout)["hotline_calls"] == 0
    text = (tmp_path / "one.csv").read_text(encoding="utf-8-sig")
    assert all(name in text for name in expected)
    assert not any(PEOPLE[p].name in text for _camp, p in X.answered_people(D) if PEOPLE[p].ward != "Hoằng Quang")
