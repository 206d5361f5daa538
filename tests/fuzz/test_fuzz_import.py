"""Fuzzing the contact importer: whatever the file holds, an import either succeeds with consistent counts
or fails with one UserError naming the file, leaving the database and the imports folder untouched.

Each example imports into the same module database (SQLite, then PostgreSQL, whose column lengths and
text rules are strict), comparing row counts and stored files before and after.
"""
from __future__ import annotations

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


def import_cleanly(bench, name: str, data: bytes, category: str | None) -> ImportResult | None:
    """Import one file; check the only two allowed results. Any other exception fails the test."""
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
        return None
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


@fuzz(150)
@given(file=random_files(), category=CATEGORIES)
def test_random_bytes(bench, file: tuple[str, bytes], category: str | None) -> None:
    import_cleanly(bench, *file, category)


@fuzz(200)
@given(file=csv_files(), category=CATEGORIES)
def test_random_csv(bench, file: tuple[str, bytes], category: str | None) -> None:
    import_cleanly(bench, *file, category)


@fuzz(120)
@given(file=xlsx_files(), category=CATEGORIES)
def test_random_workbooks(bench, file: tuple[str, bytes], category: str | None) -> None:
    import_cleanly(bench, *file, category)


@fuzz(120)
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
    assert result is not None and result.rows == 1


def _one_sheet(rows: str) -> bytes:
    from list_strategies import workbook_bytes

    return workbook_bytes([("F1", [line.split(";") for line in rows.splitlines()])])
