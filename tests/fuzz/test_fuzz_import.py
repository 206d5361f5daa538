"""Fuzzing the contact importer: whatever the file holds, an import either succeeds with consistent counts
or fails with one UserError naming the file, leaving the database and the imports folder untouched.

Each example imports into the same module database (SQLite, then PostgreSQL, whose column lengths and
text rules are strict), comparing row counts and stored files before and after.
"""
from __future__ import annotations

import io
import zipfile

import pytest
from fuzz_settings import fuzz
from hypothesis import given
from hypothesis import strategies as st
from list_strategies import csv_files, damaged_xlsx_files, file_names, random_files, xlsx_files
from sqlalchemy import text

from ivr.contacts.importer import ImportResult
from ivr.errors import UserError
from ivr.storage.models import Contact

pytestmark = pytest.mark.slow

CATEGORIES = st.sampled_from((None, "F1", "F2"))
# Text columns and their widths in the schema: what a stored contact must fit on PostgreSQL.
WIDTHS = {c.name: c.type.length for c in Contact.__table__.columns if getattr(c.type, "length", None)}


def import_cleanly(bench, name: str, data: bytes, category: str | None) -> ImportResult | str:
    """Import one file; check the only two allowed results (the result, or the error message). Any other
    exception fails the test."""
    path = bench.fresh_dir() / name
    path.write_bytes(data)
    before, stored_before = bench.snapshot()
    try:
        result = bench.importer.import_file(path, category=category, operator="fuzz")
    except UserError as exc:
        message = str(exc)
        assert str(path) in message, f"the message does not name the file: {message!r}"
        assert "\n" not in message.replace(str(path), ""), f"not one line: {message!r}"
        assert bench.snapshot() == (before, stored_before), "a failed import changed the database or files"
        return message
    after, stored_after = bench.snapshot()
    if result.already_imported:
        assert after == {**before, "audit_log": before["audit_log"] + 1} and stored_after == stored_before
        return result
    assert result.rows == result.imported + result.updated + result.duplicates + result.invalid
    assert after["imports"] == before["imports"] + 1
    assert after["contacts"] == before["contacts"] + result.imported
    assert after["contact_imports"] == before["contact_imports"] + result.imported + result.updated
    new_files = stored_after - stored_before
    assert len(new_files) == (2 if result.invalid or result.warnings else 1)
    copy = next(bench.imports_dir / f for f in new_files if not f.endswith("_bao-cao-loi.csv"))
    assert copy.read_bytes() == data
    _check_stored_contacts(bench, result.import_id)
    return result


def _check_stored_contacts(bench, import_id: int) -> None:
    """The contacts of one import fit their columns and hold no NUL (both refused by PostgreSQL)."""
    query = text("SELECT c.* FROM contacts c JOIN contact_imports ci ON ci.contact_id = c.id "
                 "WHERE ci.import_id = :id")
    with bench.repo.engine.connect() as connection:
        for row in connection.execute(query, {"id": import_id}).mappings():
            for column, width in WIDTHS.items():
                value = row[column]
                if isinstance(value, str):
                    assert len(value) <= width, (column, len(value))
                    assert "\x00" not in value, column


@fuzz(100)
@given(file=random_files(), category=CATEGORIES)
def test_random_bytes(bench, file: tuple[str, bytes], category: str | None) -> None:
    import_cleanly(bench, *file, category)


@fuzz(100)
@given(file=csv_files(), category=CATEGORIES)
def test_random_csv(bench, file: tuple[str, bytes], category: str | None) -> None:
    import_cleanly(bench, *file, category)


@fuzz(60)
@given(file=xlsx_files(), category=CATEGORIES)
def test_random_workbooks(bench, file: tuple[str, bytes], category: str | None) -> None:
    import_cleanly(bench, *file, category)


@fuzz(60)
@given(file=damaged_xlsx_files(), category=CATEGORIES)
def test_damaged_workbooks(bench, file: tuple[str, bytes], category: str | None) -> None:
    import_cleanly(bench, *file, category)


@fuzz(30)
@given(name=file_names(), serial=st.integers(min_value=0, max_value=999_999))
def test_any_file_name(bench, name: str, serial: int) -> None:
    """Long and odd file names: the stored copy's name must still fit the file system."""
    rows = f"Họ và tên;Số điện thoại;Phân loại\nNguyễn Văn An;0912{serial:06d};F1\n"
    payload = rows.encode() if name.endswith(".csv") else _one_sheet(rows)
    result = import_cleanly(bench, name, payload, None)
    assert isinstance(result, ImportResult) and result.rows == 1


def _one_sheet(rows: str) -> bytes:
    from list_strategies import workbook_bytes

    return workbook_bytes([("F1", [line.split(";") for line in rows.splitlines()])])


def _csv(*rows: str, head: str = "") -> bytes:
    return (head + "Họ và tên;Số điện thoại;Năm sinh;Địa chỉ;Phân loại\n" + "\n".join(rows) + "\n").encode()


def _workbook_with(old: bytes, new: bytes) -> bytes:
    """A one-row workbook whose sheet XML has ``old`` replaced by ``new`` (what openpyxl cannot write)."""
    from list_strategies import _repack, workbook_bytes

    rows = [["Họ và tên", "Số điện thoại", "Năm sinh", "Phân loại"], ["Nguyễn Văn An", "0912345678", 1985, "F1"]]
    data = workbook_bytes([("F1", rows)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read(SHEET)
    assert old in sheet
    return _repack(data, {SHEET: sheet.replace(old, new)})


SHEET = "xl/worksheets/sheet1.xml"
ROW = "Nguyễn Văn An;0912345678;1985;Thôn 4;F1"
# What the fuzzer found, kept as fixed cases: (case, file name, content, (rows, imported, invalid, warnings)
# or the words of the error).
REGRESSIONS = [
    ("a cell longer than the csv module reads", "a.csv", _csv("An;" + "9" * 131_073), "line 2: cannot read"),
    ("a phone of 5,000 digits", "b.csv", _csv("An;0" + "9" * 5000 + ";;;F1"), (1, 0, 1, 0)),
    ("a birth year in superscript digits", "c.csv", _csv("An;0912345671;¹⁹⁸⁵;;F1"), (1, 1, 0, 1)),
    ("a birth year of control characters only is blank", "d.csv", _csv("An;0912345672;\x7f;;F1"), (1, 1, 0, 0)),
    ("a name longer than its column", "e.csv", _csv("A" * 201 + ";0912345673;;;F1"), (1, 0, 1, 0)),
    ("a name whose casefold is longer than its column", "f.csv", _csv("ß" * 150 + ";0912345674;;;F1"), (1, 0, 1, 0)),
    ("an address longer than its column", "g.csv", _csv("An;0912345675;;" + "x" * 501 + ";F1"), (1, 1, 0, 1)),
    ("NUL and ESC in a name, after the first 4 KB", "h.csv",
     _csv("Nguyễn\x00 Văn\x1b An;0912345676;;;F1", head="DANH SÁCH F1 " * 400 + "\n"), (1, 1, 0, 0)),
    ("a file name of 244 bytes", "đ" * 120 + ".csv", _csv(ROW.replace("5678", "5677")), (1, 1, 0, 0)),
    ("a row numbered beyond Excel's last row", "i.xlsx",
     _workbook_with(b'<row r="2"', b'<row r="2000000000"'), "beyond row 1048576"),
    ("a birth year of 400 digits (no float holds it)", "j.xlsx",
     _workbook_with(b"<v>1985</v>", b"<v>" + b"9" * 400 + b"</v>"), (1, 1, 0, 1)),
]


@pytest.mark.parametrize(("case", "name", "content", "expected"), REGRESSIONS, ids=[r[0] for r in REGRESSIONS])
def test_regressions(bench, case: str, name: str, content: bytes, expected: tuple[int, ...] | str) -> None:
    result = import_cleanly(bench, name, content, None)
    if isinstance(expected, str):
        assert isinstance(result, str) and expected in result, result
    else:
        assert isinstance(result, ImportResult) and not result.already_imported, result
        assert (result.rows, result.imported, result.invalid, result.warnings) == expected
