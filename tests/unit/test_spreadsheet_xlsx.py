"""The streamed .xlsx writer of ivr.spreadsheet, read back by openpyxl and by calamine (what the importer uses):
text stays text whatever it looks like, dates keep their day-first formats, and the sheet has its header
formatting."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from ivr.spreadsheet import (
    DATETIME_FORMAT, DATE_FORMAT, CsvCells, XlsxSheet, column_letter, text_width, write_csv, write_xlsx,
)

ROWS = [
    ["=HYPERLINK(\"http://x\")", "#N/A", "@SUM(A1)", "-x", "", "Lê <Lợi> & \"Số\" 5 ", "a\x01b", 3, 4.5, True,
     dt.date(2021, 7, 15), dt.datetime(2021, 7, 15, 8, 30)],
    # Cells carry no reference: an absent value keeps the next ones in their columns, spaces and lines stay.
    [None, " đầu", "cuối ", "hai\ndòng", None, "", 0, None, -1, False, None, "L"],
]
HEADERS = [f"Cột {i}" for i in range(1, 13)]


def _write(tmp_path: Path, streamed: bool = True) -> Path:
    """Rows streamed or held in a list."""
    path = tmp_path / "t.xlsx"
    write_xlsx(path, [XlsxSheet("Cần xử lý", HEADERS, iter(ROWS) if streamed else list(ROWS), [10.0] * 12,
                                auto_filter=len(ROWS)),
                      XlsxSheet("Trống", ["A"], [], [8.0])])
    return path


@pytest.mark.parametrize("streamed", [True, False])
def test_cells_read_back_as_written(tmp_path: Path, streamed: bool) -> None:
    ws = load_workbook(_write(tmp_path, streamed))["Cần xử lý"]
    values = [c.value for c in ws[2]]
    assert values == ["=HYPERLINK(\"http://x\")", "#N/A", "@SUM(A1)", "-x", None, "Lê <Lợi> & \"Số\" 5 ", "ab", 3, 4.5,
                      "Có", dt.datetime(2021, 7, 15), dt.datetime(2021, 7, 15, 8, 30)]
    assert [c.data_type for c in ws[2][:4]] == ["s"] * 4, "text, never a formula or an error"
    assert [c.value for c in ws[3]] == [None, " đầu", "cuối ", "hai\ndòng", None, None, 0, None, -1, "Không", None, "L"]
    assert ws.max_row == 3 and ws["L3"].value == "L"
    assert (ws["K2"].number_format, ws["L2"].number_format) == (DATE_FORMAT, DATETIME_FORMAT)
    assert all(c.font.b for c in ws[1]) and not ws["A2"].font.b
    assert (ws.freeze_panes, ws.auto_filter.ref, ws.column_dimensions["A"].width) == ("A2", "A1:L3", 10.0)


def test_calamine_reads_it_and_an_empty_sheet(tmp_path: Path) -> None:
    wb = CalamineWorkbook.from_path(str(_write(tmp_path)))
    assert wb.sheet_names == ["Cần xử lý", "Trống"]
    rows = wb.get_sheet_by_name("Cần xử lý").to_python()
    assert rows[0] == HEADERS and rows[1][0] == "=HYPERLINK(\"http://x\")"
    assert rows[2][1:4] == [" đầu", "cuối ", "hai\ndòng"] and rows[2][11] == "L"
    assert wb.get_sheet_by_name("Trống").to_python() == [["A"]]


def test_rows_in_a_list_or_streamed_read_back_the_same(tmp_path: Path) -> None:
    """Columns of plain text, integers, empty text, text to escape, edge spaces, absent values and times:
    the same cells whether the rows are held in a list or streamed."""
    rows = [[f"Tên {i}", i, "", "a & b" if i % 2 else "x", " y" if i == 3 else "y", None if i % 3 else "z",
             dt.datetime(2021, 7, 15, 8, i)] for i in range(7)]
    values = {}
    for streamed in (True, False):
        path = tmp_path / f"{streamed}.xlsx"
        write_xlsx(path, [XlsxSheet("S", HEADERS[:7], iter(rows) if streamed else rows, [10.0] * 7)])
        values[streamed] = [[c.value for c in row] for row in load_workbook(path)["S"].iter_rows(min_row=2)]
    assert values[False] == values[True]
    assert values[False][3] == ["Tên 3", 3, None, "a & b", " y", "z", dt.datetime(2021, 7, 15, 8, 3)]


WIDTH_TABLES = [  # rows -> each column's widest cell, as text_width measures one cell at a time
    [["ab", "c"], ["abcd", ""]],
    [["=1+1", "-5", "x"], ["@a", "+", "yy"]],  # a formula-like text gets its apostrophe; "-5" does not
    [[1, 22, None], [333, None, "z"]],
    [[dt.datetime(2021, 7, 15, 8, 30), dt.date(2021, 7, 15), True], [None, None, False]],
    [[-22, dt.datetime(2021, 7, 15, 8, 30), "a"], [1, dt.datetime(2021, 7, 16), "=b"]],  # one kind each
    [["a", "b", "c"], ["abcdefghij"]],  # a short row
    [],
]


def test_cells_formatted_once_give_the_csv_and_each_cell_s_width(tmp_path: Path) -> None:
    """Column by column (rows of one length) or cell by cell (a short row), the same CSV as write_csv writes,
    and each column's width as text_width measures its cells one at a time."""
    headers = ["h1", "h2", "h3"]
    for rows in WIDTH_TABLES:
        cells = CsvCells(headers, rows)
        expected = [max([len(h)] + [text_width(row[c]) for row in rows if c < len(row)])
                    for c, h in enumerate(headers)]
        assert cells.widths() == expected, rows
        write_csv(tmp_path / "t.csv", headers, rows)
        assert cells.text() == (tmp_path / "t.csv").read_bytes().decode("utf-8-sig"), rows


def test_column_letters() -> None:
    assert [column_letter(n) for n in (1, 12, 26, 27, 52, 53, 702, 703)] == \
        ["A", "L", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]
