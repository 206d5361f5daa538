"""What staff type and read: dates, months, national phone numbers (tables of accepted and refused input)."""
from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from ivr import formats
from ivr.cli import main
from ivr.errors import UserError


@pytest.mark.parametrize(("text", "day"), [
    ("15/07/2021", dt.date(2021, 7, 15)),
    ("5/7/2021", dt.date(2021, 7, 5)),
    ("05-07-2021", dt.date(2021, 7, 5)),
    ("15.07.2021", dt.date(2021, 7, 15)),
    ("2021-07-15", dt.date(2021, 7, 15)),
    (" 2021-7-5 ", dt.date(2021, 7, 5)),
    ("29/02/2024", dt.date(2024, 2, 29)),
])
def test_dates_staff_write(text: str, day: dt.date) -> None:
    assert formats.parse_date(text) == day


@pytest.mark.parametrize("text", ["31/02/2021", "29/02/2021", "15/13/2021", "2021-13-01", "07/15/21", "15/07",
                                  "hôm nay", "", "2021/07/15", "15072021"])
def test_dates_refused(text: str) -> None:
    with pytest.raises(UserError) as caught:
        formats.parse_date(text, "--from")
    assert str(caught.value).startswith(f"--from {text!r}: ")


@pytest.mark.parametrize(("text", "month"), [
    ("07/2021", (2021, 7)), ("7/2021", (2021, 7)), ("2021-07", (2021, 7)), ("12/2025", (2025, 12)),
])
def test_months_staff_write(text: str, month: tuple[int, int]) -> None:
    assert formats.parse_month(text) == month


@pytest.mark.parametrize("text", ["13/2021", "00/2021", "2021-13", "07-21", "July 2021", "2021/07", ""])
def test_months_refused(text: str) -> None:
    with pytest.raises(UserError):
        formats.parse_month(text)


@pytest.mark.parametrize(("e164", "shown"), [
    ("+84912345678", "0912345678"), ("+842438253456", "02438253456"), ("+14155550100", "+14155550100"),
    (None, ""), ("", ""),
])
def test_phones_are_shown_in_the_national_format(e164: str | None, shown: str) -> None:
    assert formats.national_phone(e164) == shown


@pytest.mark.parametrize("args", [
    ["report", "daily", "--date", "31/02/2021"],
    ["export", "answers", "--from", "15/07/2021", "--to", "2021-13-01", "--out", "x.csv"],
    ["report", "monthly", "--month", "13/2021"],
    ["contacts", "list", "--date", "hôm qua"],
    ["campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "2021/07/15"],
])
def test_every_date_option_refuses_in_vietnamese_without_traceback(args: list[str]) -> None:
    result = CliRunner().invoke(main, ["--lang", "vi", *args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("robocall: lỗi: --"), result.output
    assert "Traceback" not in result.output and "expected" not in result.output


def test_every_date_option_takes_both_forms(tmp_path) -> None:
    for day in ("15/07/2021", "2021-07-15"):
        result = CliRunner().invoke(main, ["contacts", "list", "--date", day, "--json"])
        assert result.exit_code == 0, result.output
