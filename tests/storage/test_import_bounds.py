"""Bounded imports (issues 16 and 18): hostile or oversized list files are refused before they are read.

The fast xlsx reader loads a whole sheet, so size, archive expansion (zip bomb), sheet count and the
dimensions a sheet declares are checked first; rows and columns actually met are checked while reading
(a sheet may declare none, or lie). Each refusal: one message naming the file and the limit, in the
staff's language; nothing imported, no copy or report written; the command exits non-zero, no traceback.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ivr import i18n
from ivr.contacts.bounds import ImportLimits, declared_dimensions
from ivr.contacts.importer import ContactImporter
from ivr.contacts.readers import read_tables
from ivr.errors import UserError
from ivr.storage.repo import Repository

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"
XLSX = FIXTURES / "f1_title_block.xlsx"  # declares A1:K23
CSV = FIXTURES / "f2_semicolon_bom.csv"
NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=dt.timezone.utc)
TABLES = ("imports", "contacts", "households", "contact_imports")


def rewrite_sheet(source: Path, target: Path, change: Any, extra: dict[str, bytes] | None = None) -> Path:
    """A copy of an xlsx with its first sheet's XML changed (and parts added)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            out.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return target


def declaring(ref: str) -> Any:
    return lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml)


def bomb(tmp_path: Path, megabytes: int = 40) -> Path:
    """A real workbook plus a part of ``megabytes`` MB of spaces that compresses to a few tens of kB."""
    return rewrite_sheet(XLSX, tmp_path / "bomb.xlsx", lambda x: x,
                         {"xl/media/padding.xml": b" " * (megabytes << 20)})


CASES = [
    # (name, make the file, limits, words of the message)
    ("zip bomb: expands a thousand times", lambda t: bomb(t), ImportLimits(), "expands"),
    ("expands beyond the total allowed", lambda t: bomb(t, 40), ImportLimits(max_ratio=1e9, max_expanded_bytes=20 << 20),
     "expands to"),
    ("declares 900,000 rows", lambda t: rewrite_sheet(XLSX, t / "rows.xlsx", declaring("A1:K900000")), ImportLimits(),
     "900000 rows"),
    ("declares 702 columns", lambda t: rewrite_sheet(XLSX, t / "cols.xlsx", declaring("A1:ZZ23")), ImportLimits(),
     "702 columns"),
    ("declares no dimensions but holds more rows than allowed",
     lambda t: rewrite_sheet(XLSX, t / "nodim.xlsx", lambda x: re.sub(rb'<dimension ref="[^"]*" ?/>', b"", x)),
     ImportLimits(max_rows=10), "rows"),
    ("an xlsx larger than allowed", lambda t: XLSX, ImportLimits(max_file_bytes=1000), "MB"),
    ("a CSV larger than allowed", lambda t: CSV, ImportLimits(max_file_bytes=100), "MB"),
    ("a CSV with more rows than allowed", lambda t: CSV, ImportLimits(max_rows=3), "more than 3 rows"),
    ("too many parts", lambda t: rewrite_sheet(XLSX, t / "parts.xlsx", lambda x: x,
                                               {f"xl/media/p{i}.bin": b"x" for i in range(30)}),
     ImportLimits(max_parts=20), "parts"),
]


@pytest.mark.parametrize("name,make,limits,words", CASES, ids=[c[0] for c in CASES])
def test_refused_before_reading(name: str, make: Any, limits: ImportLimits, words: str, tmp_path: Path) -> None:
    path = make(tmp_path)
    with pytest.raises(UserError) as raised:
        read_tables(path, limits)
    message = str(raised.value)
    assert str(path) in message and words in message, message
    assert "\n" not in message  # one message


def test_the_limits_let_a_normal_list_through() -> None:
    assert [len(t.rows) for t in read_tables(XLSX, ImportLimits(max_rows=30, max_columns=11))] == [18]


@pytest.mark.parametrize("head,expected", [
    (b'<worksheet><dimension ref="A1:K23" /><sheetData>', (23, 11)),
    (b'<x:worksheet><x:dimension ref="B2:AA1048576"/>', (1048576, 27)),
    (b'<worksheet><dimension ref="A1"/>', (1, 1)),
    (b"<worksheet><sheetData>", (0, 0)),
])
def test_declared_dimensions(head: bytes, expected: tuple[int, int]) -> None:
    assert declared_dimensions(head) == expected


@pytest.fixture
def importer(repo: Repository, tmp_path: Path) -> ContactImporter:
    return ContactImporter(repo, tmp_path / "imports", clock=lambda: NOW, zone=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_a_bomb_imports_nothing_and_writes_nothing(importer: ContactImporter, repo: Repository,
                                                    tmp_path: Path) -> None:
    path = bomb(tmp_path)
    with pytest.raises(UserError):
        importer.import_file(path, category="F1", list_date=NOW.date(), operator="cdc-staff")
    assert {t: repo.count(t) for t in TABLES} == {t: 0 for t in TABLES}
    assert not (tmp_path / "imports").exists() or not any((tmp_path / "imports").iterdir())


def test_the_refusal_is_in_vietnamese_for_staff(tmp_path: Path) -> None:
    path = rewrite_sheet(XLSX, tmp_path / "rows.xlsx", declaring("A1:K900000"))
    i18n.set_language("vi")
    with pytest.raises(UserError) as raised:
        read_tables(path)
    assert "từ chối trước khi đọc" in str(raised.value) and "900000" in str(raised.value), str(raised.value)


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROBOCALL_CONFIG", raising=False)
    env = {"ROBOCALL_DATABASE_URL": db_url, "ROBOCALL_DATA_DIR": str(tmp_path / "data"), "USER": "tester",
           "ROBOCALL_LANG": "vi"}

    def invoke(*args: str) -> Any:
        from ivr.cli import main

        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    yield invoke


def test_cli_refuses_a_bomb_with_one_message(cli: Any, tmp_path: Path) -> None:
    path = shutil.copy(bomb(tmp_path), tmp_path / "danh-sach.xlsx")
    result = cli("contacts", "import", str(path), "--date", "2021-07-15")
    assert result.exit_code != 0
    assert "Traceback" not in result.output + result.stderr
    assert "danh-sach.xlsx" in result.stderr and "từ chối trước khi đọc" in result.stderr, result.stderr
