"""Hypothesis strategies for CDC list files: raw bytes, CSVs and workbooks with hostile cells, damaged zips.

Every strategy produces ``(file name, bytes)``. The cells mix what real lists hold (names, phones in
every spelling, dates, F1/F2) with what they should not: control characters, formulas, numbers too big
for any column, text longer than the database allows, and cells longer than Python's csv module reads.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import openpyxl
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

HEADERS = ("Họ và tên", "Số điện thoại", "Năm sinh", "Địa chỉ", "Xã/Phường", "Huyện", "Phân loại F1/F2",
           "Ngày tiếp xúc", "Ngày bắt đầu cách ly", "STT", "Ghi chú", "SĐT", "Ho ten", "HỌ TÊN",
           "Số điện thoại (bắt buộc)", "Ngày sinh")
TITLES = ("SỞ Y TẾ TỈNH THANH HÓA", "DANH SÁCH F1 NGÀY 15/07/2021", "", "Kèm theo công văn số 123/SYT")
SAMPLES = (
    "Nguyễn Văn An", "NGUYEN VAN AN", "Trần Thị Bình", "0912345678", "0912 345 678", "+84912345678",
    "84912345678", "912345678", "9.12345678E+08", "0162 345 6789", "1900 9095", "113", "+14155552671",
    "0912345678 / 0987654321", "'0912345678", "F1", "f 2", "F3", "F1 (tiếp xúc gần)", "15/07/2021",
    "31/02/2021", "2021-07-12", "44389", "1985", "¹⁹⁸⁵", "١٩٨٥", "１９８５", "٠٩١٢٣٤٥٦٧٨", "=1+1",
    '=HYPERLINK("http://x","y")', "@SUM(A1:A9)", "+cmd|' /C calc'!A0", "-", "#N/A", "#VALUE!", "nan", "inf",
    "1e400", "-0", "0" * 30, "Thôn 4, xã Đông Hải", "\ufeffHọ và tên", "A\x00n", "\x1b[31mđỏ", "tab\there",
    "line\nbreak", "\r", '"quoted; semi"', "\u202eRTL", "\u200b", "🦠",
)
# Sizes around the limits that matter: column widths (120, 200, 500), Excel's cell limit (32,767), the
# csv module's field limit (131,072).
LONG_SIZES = (121, 201, 501, 5000, 32767, 131073, 200000)


def long_text() -> st.SearchStrategy[str]:
    return st.builds(lambda unit, n: (unit * n)[:n], st.sampled_from(("a", "Đ", "0", "9 ", ";", '"', "x\n")),
                     st.sampled_from(LONG_SIZES))


def text_cells() -> st.SearchStrategy[str]:
    """Cell text as a CSV holds it."""
    return st.one_of(
        st.just(""),
        st.sampled_from(SAMPLES),
        st.text(max_size=20),
        st.integers().map(str),
        st.integers(min_value=3, max_value=6000).map(lambda n: "0" + "9" * n),  # digits beyond int()'s limit
        st.floats().map(str),
        long_text(),
    )


def _header(cell: st.SearchStrategy) -> st.SearchStrategy[list]:
    """Mostly a usable header (name and phone among other known columns, in any order), else anything."""
    usable = st.lists(st.sampled_from(HEADERS[2:]), unique=True, max_size=6).flatmap(
        lambda extra: st.permutations([HEADERS[0], HEADERS[1], *extra]))
    anything = st.lists(st.one_of(st.sampled_from(HEADERS), cell), max_size=8)
    return st.one_of(usable, usable, anything)


def _layout(cell: st.SearchStrategy) -> st.SearchStrategy[list[list]]:
    """A title block, a header row, then data rows."""
    header = _header(cell)
    titles = st.lists(st.lists(st.one_of(st.sampled_from(TITLES), cell), max_size=3), max_size=3)
    body = st.lists(st.lists(cell, max_size=9), max_size=8)
    return st.builds(lambda t, h, b: [*t, h, *b], titles, header, body)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, bytes]:
    rows = draw(_layout(text_cells()))
    delimiter = draw(st.sampled_from((";", ",", "\t", "|")))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(st.sampled_from(("\r\n", "\n"))),
                        quoting=draw(st.sampled_from((csv.QUOTE_MINIMAL, csv.QUOTE_ALL))))
    writer.writerows(rows)
    text = out.getvalue()
    encoding = draw(st.sampled_from(("utf-8-sig", "utf-8", "cp1258", "utf-16")))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):  # cut short: a half-written file, possibly inside a quote or a character
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    return draw(st.sampled_from(("list.csv", "LIST.CSV", "danh sách.txt"))), data


def xlsx_values() -> st.SearchStrategy[object]:
    """Cell values as openpyxl hands them over: every type a workbook can hold."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from((10**20, 10**308, -(10**308))),  # openpyxl cannot write more; see _damage_member
        st.floats(allow_nan=True, allow_infinity=True),
        st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(9999, 12, 31)),
        st.dates(min_value=dt.date(1800, 1, 1)),
        st.times(),
        st.timedeltas(min_value=dt.timedelta(days=-1000), max_value=dt.timedelta(days=100000)),
        text_cells().map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s)),
    )


SHEET_TITLES = ("F1", "F2", "Sheet1", "Danh sách", "F3", "f1 (mới)", "Ghi chú")


def workbook_bytes(sheets: list[tuple[str, list[list]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return _repack(out.getvalue())


_STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _repack(data: bytes, replace: dict[str, bytes | None] | None = None) -> bytes:
    """The zip rebuilt with fixed timestamps (openpyxl stamps the save time, and Hypothesis needs the same
    draws to give the same bytes), members replaced or dropped (None) as given."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members.update(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            if content is not None:
                fixed = _STAMP.sub(b"2021-07-15T02:00:00Z", content) if name == "docProps/core.xml" else content
                target.writestr(zipfile.ZipInfo(name, date_time=(2021, 7, 15, 2, 0, 0)), fixed,
                                zipfile.ZIP_DEFLATED)
    return out.getvalue()


@st.composite
def xlsx_workbooks(draw: st.DrawFn) -> bytes:
    count = draw(st.integers(min_value=1, max_value=3))
    titles = draw(st.lists(st.sampled_from(SHEET_TITLES), min_size=count, max_size=count, unique=True))
    return workbook_bytes([(t, draw(_layout(xlsx_values()))) for t in titles])


@st.composite
def xlsx_files(draw: st.DrawFn) -> tuple[str, bytes]:
    return draw(st.sampled_from(("list.xlsx", "list.xlsm", "Danh sách F1.XLSX"))), draw(xlsx_workbooks())


@st.composite
def damaged_xlsx_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real workbook, damaged: cut short, bytes flipped, or a member of the zip replaced, cut, or
    dropped (rebuilt with fresh checksums, so that the damage reaches openpyxl's XML parsing)."""
    data = draw(xlsx_workbooks())
    how = draw(st.sampled_from(("truncate", "flip", "member")))
    if how == "truncate":
        data = data[: draw(st.integers(min_value=0, max_value=len(data) - 1))]
    elif how == "flip":
        buffer = bytearray(data)
        for _ in range(draw(st.integers(min_value=1, max_value=8))):
            buffer[draw(st.integers(0, len(buffer) - 1))] = draw(st.integers(0, 255))
        data = bytes(buffer)
    else:
        data = _damage_member(draw, data)
    return "damaged.xlsx", data


def _damage_member(draw: st.DrawFn, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    name = draw(st.sampled_from(sorted(members)))
    body = members[name]
    action = draw(st.sampled_from(("drop", "cut", "garbage", "edit")))
    changed: bytes | None
    if action == "drop":
        changed = None
    elif action == "cut":
        changed = body[: draw(st.integers(min_value=0, max_value=max(len(body) - 1, 0)))]
    elif action == "garbage":
        changed = draw(st.binary(max_size=200))
    else:  # plausible-looking but wrong XML: row/column numbers out of range, types changed
        old = draw(st.sampled_from((b'r="1"', b'r="A1"', b't="s"', b't="n"', b"<v>0</v>", b"<v>", b'count="')))
        new = draw(st.sampled_from((b'r="0"', b'r="-1"', b'r="XFE1"', b'r="A0"', b't="d"', b't="e"', b't="b"',
                                    b"<v>x</v>", b"<v>1e400</v>", b"<v>-", b"<v>" + b"9" * 400, b'count="-',
                                    b'r="2000000000"')))
        changed = body.replace(old, new)
    return _repack(data, {name: changed})


def random_files() -> st.SearchStrategy[tuple[str, bytes]]:
    """Any bytes under a list file's name (and a few names that are not list files)."""
    names = st.sampled_from(("list.csv", "list.xlsx", "list.txt", "list.xlsm", "list.xls", "list.pdf", "list"))
    return st.tuples(names, st.binary(max_size=3000))


def file_names() -> st.SearchStrategy[str]:
    """File names as health workers write them, up to the file system's 255 bytes."""
    stem = st.one_of(
        st.text(st.characters(exclude_characters="/\x00", exclude_categories=("Cs",)), min_size=1, max_size=60),
        st.builds(lambda n: "Danh sách F1 xã Đông Hải " * n, st.integers(1, 12)),
        st.builds(lambda n: "đ" * n, st.integers(1, 126)),
    )
    return st.tuples(stem, st.sampled_from((".csv", ".xlsx"))).map(lambda t: _fit(*t))


def _fit(stem: str, suffix: str) -> str:
    while len((stem + suffix).encode()) > 255:
        stem = stem[:-1]
    name = stem + suffix
    return name if name not in (".csv", ".xlsx") and stem.strip(".") else "x" + suffix
