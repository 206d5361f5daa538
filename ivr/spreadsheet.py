"""The one place that writes spreadsheet cells (CSV and .xlsx): every table the project writes goes here.

A cell a spreadsheet would run as a formula is written as text ("formula injection"): names, addresses
and the raw values of refused rows come from lists the CDC received from many hands, and the files are
made to be double-clicked into Excel. Text starting with = + - @ (or a tab or carriage return, which
Excel skips before looking) gets a leading apostrophe in CSV; in .xlsx every string is stored as a
string, never as a formula. A negative number written as text ("-5") is left as it is.

A CSV is UTF-8 with a BOM and semicolons: what Excel in a Vietnamese locale opens correctly.

An .xlsx is written here too, streamed into its zip a row at a time (``write_xlsx``): a sheet of a hundred
thousand rows in about a second, with the memory of one row. openpyxl, even in its write-only mode, spends
~10 microseconds per cell (issue 18: the daily report's 1.1 million cells of "Cần xử lý" took ~25 s of CPU).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def escape_text(text: str) -> str:
    """Text a spreadsheet will show as it is, never run."""
    return "'" + text if text.startswith(FORMULA_START) and not is_number(text) else text


def csv_cell(value: Any) -> str:
    """A cell as CSV text: dates as dd/mm/yyyy [HH:MM], booleans as Có/Không, None empty, text escaped."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return escape_text(str(value))


def write_csv(path: Path, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """A whole CSV file: headers, then rows, every cell through ``csv_cell``."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow([csv_cell(h) for h in headers])
        writer.writerows([csv_cell(v) for v in row] for row in rows)


class CsvCells:
    """A table's cells as CSV text (``csv_cell``), made once for both its CSV file and the workbook's column
    widths. Rows of one length (a sheet) are taken a column at a time: a column of plain strings (most) is its
    own text, checked in one pass of C, not a call per cell (issue 18: a province's list of cases is a million
    cells), and a column of times or of integers has its width without its text; the other columns' texts
    are made when first needed, once. Rows of different lengths are formatted one cell at a time."""

    def __init__(self, headers: Sequence[Any], rows: Sequence[Sequence[Any]]) -> None:
        self.headers = headers
        self._rows: list[list[str]] | None = None
        self._columns: list[Sequence[Any]] | None = None
        self._plain: list[bool] = []
        if len(set(map(len, rows))) > 1:
            self._rows = [[csv_cell(v) for v in row] for row in rows]
            return
        self._columns = list(zip(*rows))
        self._plain = [set(map(type, column)) == {str}
                       and not any(map(str.startswith, column, itertools.repeat(FORMULA_START)))
                       for column in self._columns]

    def _texts(self, c: int) -> Sequence[str]:
        assert self._columns is not None
        if not self._plain[c]:
            self._columns[c] = list(map(csv_cell, self._columns[c]))
            self._plain[c] = True
        return self._columns[c]

    def text(self) -> str:
        """What ``write_csv`` writes (without the BOM)."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow([csv_cell(h) for h in self.headers])
        if self._columns is not None:
            writer.writerows(zip(*[self._texts(c) for c in range(len(self._columns))]))
        else:
            writer.writerows(self._rows or [])
        return out.getvalue()

    def widths(self) -> list[int]:
        """How many characters each column's widest cell shows as (``text_width``; a header: ``len(str(h))``)."""
        widths = [len(str(h)) for h in self.headers]
        for c, column in enumerate((self._columns or [])[:len(widths)]):
            kinds = set(map(type, column))
            if self._plain[c] or len(kinds) != 1 or kinds - {int, dt.datetime}:
                width = max(map(len, self._texts(c)), default=0)
            elif kinds == {int}:
                width = max(map(len, map(str, column)))
            else:  # times: dd/mm/yyyy HH:MM
                width = text_width(column[0])
            widths[c] = max(widths[c], width)
        for row in self._rows or []:
            for c, cell in enumerate(row[:len(widths)]):
                widths[c] = max(widths[c], len(cell))
        return widths


DATE_FORMAT, DATETIME_FORMAT = "DD/MM/YYYY", "DD/MM/YYYY HH:MM"
_EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (1900 date system, as openpyxl writes it)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# Cell styles (styles.xml's cellXfs): 0 plain, 1 bold (headers), 2 a date, 3 a date and time.
_BOLD, _DATE, _DATETIME = 1, 2, 3
_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>\
<numFmt numFmtId="165" formatCode="{DATETIME_FORMAT}"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_XML_SPECIAL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f&<>"]')


def _xml_text(text: str) -> str:
    if _XML_SPECIAL.search(text) is None:  # most text: nothing to remove or escape
        return text
    text = _ILLEGAL_XML.sub("", text)  # not allowed in XML at all (openpyxl refused the whole file)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _xlsx_cell(ref: str, value: Any, style: int = 0) -> str:
    """One cell's XML (``ref`` "": without a reference, the next cell of its row). Text is always an inline
    string: stored and shown as text, never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "Có" if value else "Không"
    r = f' r="{ref}"' if ref else ""
    s = f' s="{style}"' if style else ""
    if value == "":
        return f'<c{r}{s} t="inlineStr"/>'  # as openpyxl writes it: an empty cell when read back
    if isinstance(value, str):
        return f'<c{r}{s} t="inlineStr"><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>'
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        serial = (value - _EPOCH) / dt.timedelta(days=1)
        return f'<c{r} s="{style or _DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c{r} s="{style or _DATE}"><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c{r}{s}><v>{value!r}</v></c>'
    return _xlsx_cell(ref, str(value), style)


def _inline(text: str) -> str:
    """A string cell without a reference, its spaces and line breaks kept."""
    return f'<c t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>'


@dataclass(frozen=True)
class XlsxSheet:
    """One sheet to write: its rows may be a generator (written as they come, never held). ``widths``: of
    each column in characters; ``auto_filter``: the number of rows, known beforehand, for a filter on the
    header (None: no filter)."""

    name: str
    headers: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float]
    auto_filter: int | None = None


def write_xlsx(path: Path, sheets: Sequence[XlsxSheet]) -> None:
    """An .xlsx workbook, each sheet streamed into the zip a row at a time (memory of a row, whatever the
    number of rows): bold headers, the header row frozen, column widths, an optional filter. Every string is
    an inline string: text, never a formula (the escaping CSV needs is not wanted here: the value is shown
    exactly as it is)."""
    names = [_xml_text(sheet.name[:31]) for sheet in sheets]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
                      for i in range(1, len(sheets) + 1))
            + "</Types>"))
        z.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"'{names[i].replace(chr(39), chr(39) * 2)}'!$A$1:${column_letter(len(sheet.headers))}"
            f"${sheet.auto_filter + 1}</definedName>"
            for i, sheet in enumerate(sheets) if sheet.auto_filter)
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, 1))
            + "</sheets>" + (f"<definedNames>{filters}</definedNames>" if filters else "") + "</workbook>"))
        z.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG_REL}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'))
        z.writestr("xl/styles.xml", _STYLES)
        for i, sheet in enumerate(sheets, 1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as raw, \
                    io.TextIOWrapper(raw, encoding="utf-8", newline="") as out:
                _write_sheet(out, sheet, selected=i == 1)


def _write_sheet(out: Any, sheet: XlsxSheet, selected: bool) -> None:
    columns = [column_letter(c) for c in range(1, len(sheet.headers) + 1)]
    tab = ' tabSelected="1"' if selected else ""
    out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
              f'<sheetViews><sheetView{tab} workbookViewId="0">'
              '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
              '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
              '<sheetFormatPr defaultRowHeight="15"/><cols>'
              + "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                        for c, w in enumerate(sheet.widths, 1))
              + '</cols><sheetData><row r="1">'
              + "".join(_xlsx_cell(f"{col}1", h, _BOLD) for col, h in zip(columns, sheet.headers)) + "</row>")
    buffer: list[str] = []
    special = _XML_SPECIAL.search
    for row in sheet.rows:
        # The rows and cells after the header carry no reference (r="B7"): a cell without one is the next of
        # its row, a row the next of the sheet (ECMA-376 18.3.1.4; openpyxl, calamine and Excel read it so),
        # so an absent value is an empty <c/>, never left out. Strings and integers (most cells) are written
        # here without the call, and xml:space="preserve" only where a space or a line break would be lost
        # (issue 18: a third less XML to encode and compress).
        buffer.append("<row>" + "".join([
            (('<c t="inlineStr"><is><t>' + v + "</t></is></c>" if special(v) is None and v[0] > " "
              and v[-1] > " " else _inline(v)) if v else '<c t="inlineStr"/>') if (t := type(v)) is str
            else f"<c><v>{v}</v></c>" if t is int
            else "<c/>" if v is None
            else _xlsx_cell("", v) for v in row]) + "</row>")
        if len(buffer) >= 1000:
            out.write("".join(buffer))
            buffer.clear()
    out.write("".join(buffer) + "</sheetData>")
    if sheet.auto_filter:
        out.write(f'<autoFilter ref="A1:{columns[-1]}{sheet.auto_filter + 1}"/>')
    out.write("</worksheet>")


def text_width(value: Any) -> int:
    """How many characters ``value`` shows as (what a column's width is made from): ``len(csv_cell(value))``,
    without building the text for the common kinds."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value) + (1 if value.startswith(FORMULA_START) and not is_number(value) else 0)
    if isinstance(value, bool):
        return 2 if value else 5
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    return len(csv_cell(value))
