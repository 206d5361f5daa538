"""Reading lists without a database: headers, cell values, names, and the layout of the fixture files."""
from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest

from ivr.contacts import fields as f
from ivr.contacts.readers import read_tables
from ivr.contacts.text import name_key, preferred_name
from ivr.errors import UserError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"

HEADERS = [
    ("Họ và tên", f.FULL_NAME), ("Ho va ten", f.FULL_NAME), ("HỌ TÊN", f.FULL_NAME), ("Ho ten", f.FULL_NAME),
    ("Họ  và\ntên", f.FULL_NAME),
    ("Số điện thoại", f.PHONE), ("SĐT", f.PHONE), ("SDT", f.PHONE), ("Điện thoại", f.PHONE),
    ("Số điện thoại (bắt buộc)", f.PHONE), ("Số ĐT", f.PHONE),
    ("Năm sinh", f.BIRTH_YEAR), ("Ngày sinh", f.BIRTH_YEAR),
    ("Địa chỉ", f.ADDRESS), ("Xã/Phường", f.WARD), ("Xã / phường", f.WARD), ("Xa/Phuong", f.WARD),
    ("Huyện", f.DISTRICT), ("Quận/Huyện", f.DISTRICT), ("Huyện/Thị xã/Thành phố", f.DISTRICT),
    ("Phường/Xã/Thị trấn", f.WARD), ("Xã, thị trấn", f.WARD), ("Xã/Phường/Đặc khu", f.WARD),  # since 07/2025
    ("Quận/Huyện/Thị xã", f.DISTRICT), ("Huyện/Thị xã", f.DISTRICT), ("Quận/Huyện/TX", f.DISTRICT),
    ("Tỉnh/Thành phố", None),  # the province: one per list, not kept
    ("Phân loại", f.CATEGORY), ("Phân loại F1/F2", f.CATEGORY), ("Phan loai F1, F2", f.CATEGORY),
    ("Ngày tiếp xúc", f.EXPOSURE_DATE), ("Ngày bắt đầu cách ly", f.QUARANTINE_START),
    ("STT", f.SEQ), ("TT", f.SEQ),
    ("Ghi chú", None), ("", None), (None, None), (12, None), ("DANH SÁCH F1", None),
]


@pytest.mark.parametrize(("header", "field"), HEADERS)
def test_headers(header: object, field: str | None) -> None:
    assert f.field_for_header(header) == field


TODAY = dt.date(2021, 7, 15)
DATES = [
    (dt.datetime(2021, 7, 12, 0, 0), dt.date(2021, 7, 12)),
    (dt.date(2021, 7, 12), dt.date(2021, 7, 12)),
    (44389, dt.date(2021, 7, 12)),                   # Excel serial number
    (44389.0, dt.date(2021, 7, 12)),
    ("12/07/2021", dt.date(2021, 7, 12)),
    ("12/7/2021", dt.date(2021, 7, 12)),
    ("1/7/21", dt.date(2021, 7, 1)),
    ("12-07-2021", dt.date(2021, 7, 12)),
    ("12.07.2021", dt.date(2021, 7, 12)),
    ("2021-07-12", dt.date(2021, 7, 12)),
    (" 12/07/2021 08:30 ", dt.date(2021, 7, 12)),
    (None, None),
    ("  ", None),
]


@pytest.mark.parametrize(("value", "expected"), DATES)
def test_dates(value: object, expected: dt.date | None) -> None:
    assert f.read_date(value) == expected


@pytest.mark.parametrize("value", ["32/07/2021", "29/02/2021", "07/2021", "hôm qua", 44389.5, -3, "01/01/1800"])
def test_unreadable_dates(value: object) -> None:
    with pytest.raises(f.FieldError, match="ngày không đọc được"):
        f.read_date(value)


YEARS = [(1985, 1985), (1985.0, 1985), ("1985", 1985), ("1985.0", 1985), (dt.datetime(1985, 3, 2), 1985),
         ("02/03/1985", 1985), (None, None), ("", None)]


@pytest.mark.parametrize(("value", "expected"), YEARS)
def test_birth_years(value: object, expected: int | None) -> None:
    assert f.read_birth_year(value, TODAY) == expected


@pytest.mark.parametrize("value", ["85", "không rõ", 2030, 1850, 1985.5, "19855"])
def test_bad_birth_years(value: object) -> None:
    with pytest.raises(f.FieldError, match="năm sinh không hợp lệ"):
        f.read_birth_year(value, TODAY)


CATEGORIES = [("F1", "F1"), ("f1", "F1"), ("F 2", "F2"), ("F-2", "F2"), ("F1 (tiếp xúc gần)", "F1"),
              ("Đối tượng F2", "F2"), (None, None), ("", None)]


@pytest.mark.parametrize(("value", "expected"), CATEGORIES)
def test_categories(value: object, expected: str | None) -> None:
    assert f.read_category(value) == expected


@pytest.mark.parametrize(("value", "reason"), [("F0", "phân loại F0 không thuộc diện gọi"), ("F3", "F3"),
                                               ("tiếp xúc", "phân loại không rõ")])
def test_bad_categories(value: str, reason: str) -> None:
    with pytest.raises(f.FieldError, match=reason):
        f.read_category(value)


NAMES = [
    ("Nguyễn Văn An", "nguyen van an"), ("NGUYỄN VĂN AN", "nguyen van an"), ("Nguyen  Van\tAn ", "nguyen van an"),
    ("Đỗ Thị Hằng", "do thi hang"), ("ĐỖ THỊ HẰNG", "do thi hang"),
    (unicodedata.normalize("NFD", "Nguyễn Văn An"), "nguyen van an"),  # decomposed, as Windows-1258 gives
]


@pytest.mark.parametrize(("name", "key"), NAMES)
def test_name_keys(name: str, key: str) -> None:
    assert name_key(name) == key


@pytest.mark.parametrize(("stored", "incoming", "shown"), [
    ("Nguyễn Văn An", "NGUYEN VAN AN", "Nguyễn Văn An"),
    ("NGUYEN VAN AN", "Nguyễn Văn An", "Nguyễn Văn An"),
    ("lê thị bình", "Lê Thị Bình", "Lê Thị Bình"),
    ("Lê Thị Bình", "lê thị bình", "Lê Thị Bình"),
    ("Nguyễn Văn Án", "Nguyễn Văn Ân", "Nguyễn Văn Ân"),  # same quality: the newer spelling (a correction)
])
def test_preferred_name(stored: str, incoming: str, shown: str) -> None:
    assert preferred_name(stored, incoming) == shown


LAYOUTS = [
    # (file, [(sheet, header row, first data row, number of rows below the header)])
    ("f1_title_block.xlsx", [(None, 5, 6, 18)]),
    ("f1_next_day.xlsx", [(None, 3, 4, 4)]),
    ("multi_sheet.xlsx", [("F1", 2, 3, 2), ("F2", 3, 4, 1)]),
    ("f2_semicolon_bom.csv", [(None, 3, 4, 6)]),
    ("f1_comma.csv", [(None, 1, 2, 3)]),
    ("f2_cp1258.csv", [(None, 1, 2, 2)]),
]


@pytest.mark.parametrize(("name", "layout"), LAYOUTS)
def test_header_rows_are_found_below_title_blocks(name: str, layout: list[tuple[str | None, int, int, int]]) -> None:
    tables = read_tables(FIXTURES / name)
    assert [(t.sheet, t.header_row, t.rows[0][0], len(t.rows)) for t in tables] == layout


def test_csv_columns_keep_quoted_separators() -> None:
    (table,) = read_tables(FIXTURES / "f2_semicolon_bom.csv")
    address = next(c for c in table.columns if c.field == f.ADDRESS)
    assert table.rows[0][1][address.index] == "Số 5; ngõ 2 Trần Phú"
    assert [c.header for c in table.columns][:3] == ["STT", "Ho ten", "SDT"]


UNREADABLE = [
    ("no_phone_column.xlsx", "header row 2: missing the column 'Số điện thoại / SĐT / SDT / Điện thoại'"),
    ("no_header.csv", "no header row found in the first 30 rows"),
    ("truncated.xlsx", "not a valid .xlsx file"),
    ("empty_zip.xlsx", "cannot read the workbook"),
    ("legacy.xls", "old Excel 97-2003 (.xls) files are not read"),
    ("make_fixtures.py", "not a list file (expected .xlsx or .csv)"),
    ("missing.xlsx", "no such file"),
]


@pytest.mark.parametrize(("name", "message"), UNREADABLE)
def test_unreadable_files_are_one_user_error_naming_the_file(name: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        read_tables(FIXTURES / name)
    assert str(caught.value).startswith(str(FIXTURES / name))
    assert message in str(caught.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_excel_unicode_text_is_read(tmp_path: Path, encoding: str) -> None:
    """Excel's "Unicode Text" (UTF-16 with its BOM, tab-separated) is a list like any other, not binary."""
    text = "Họ và tên\tSố điện thoại\tPhân loại\r\nNguyễn Văn An\t0912000101\tF1\r\nTrần Thị Bình\t0912000202\tF1\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # the explicit codec writes no BOM; Excel's files carry one
    path = tmp_path / "danh_sach.txt"  # Excel names it .txt
    path.write_bytes(data)
    (table,) = read_tables(path)
    assert [row[1][0] for row in table.rows] == ["Nguyễn Văn An", "Trần Thị Bình"]
