"""The columns of a CDC list: which headers name which field, and how each cell's value is read.

Headers vary from commune to commune ("Họ và tên", "Ho ten", "HỌ TÊN"; "Số điện thoại", "SĐT",
"Điện thoại"), so they are compared as folded keys (no diacritics, letters and digits only), with any
note in parentheses ignored ("Số điện thoại (bắt buộc)"). Cell readers raise FieldError with a reason
written in Vietnamese for the error report.
"""
from __future__ import annotations

import datetime as dt
import functools
import re

from ivr.contacts.text import clean, header_key, strip_accents

SEQ, FULL_NAME, PHONE, BIRTH_YEAR = "seq", "full_name", "phone", "birth_year"
ADDRESS, WARD, DISTRICT, CATEGORY = "address", "ward", "district", "category"
EXPOSURE_DATE, QUARANTINE_START = "exposure_date", "quarantine_start"
SEX = "sex"
REQUIRED = (FULL_NAME, PHONE)

# Field -> the folded headers that name it.
HEADER_ALIASES: dict[str, frozenset[str]] = {
    SEQ: frozenset({"stt", "tt", "sothutu"}),
    FULL_NAME: frozenset({"hovaten", "hoten", "hotendaydu", "hovatendaydu", "ten", "hotennguoi", "hotendoituong"}),
    PHONE: frozenset({"sodienthoai", "sdt", "dienthoai", "sodt", "dt", "didong", "sodidong", "dienthoailienhe",
                      "sodienthoailienhe", "sdtlienhe"}),
    BIRTH_YEAR: frozenset({"namsinh", "ngaysinh", "ngaythangnamsinh", "ns"}),
    ADDRESS: frozenset({"diachi", "noio", "diachinoio", "noiohientai", "diachithuongtru", "noicutru", "diachicutru"}),
    # Since 1 July 2025 the commune level also has special zones ("Xã/Phường/Đặc khu").
    WARD: frozenset({"xaphuong", "xa", "phuong", "phuongxa", "xaphuongthitran", "xaphuongtt", "phuongxathitran",
                     "xathitran", "phuongthitran", "xaphuongdackhu", "phuongxadackhu"}),
    DISTRICT: frozenset({"huyen", "quanhuyen", "quan", "huyenquan", "huyenthixathanhpho", "huyenthixatp", "huyentxtp",
                         "quanhuyenthixa", "quanhuyenthixathanhpho", "huyenthixa", "quanhuyentx", "huyentx"}),
    CATEGORY: frozenset({"phanloai", "phanloaif1f2", "doituong", "loai", "f1f2", "phanloaidoituong"}),
    EXPOSURE_DATE: frozenset({"ngaytiepxuc", "ngaytiepxucgan", "ngaytiepxuccuoi", "ngaytiepxuccuoicung"}),
    QUARANTINE_START: frozenset({"ngaybatdaucachly", "ngaycachly", "batdaucachly", "ngaybatdaucl"}),
    SEX: frozenset({"gioitinh", "gioi", "gt", "phai", "namnu", "namhaynu", "gioitinhnamnu"}),
}
# How a health worker names each field (messages and tables).
LABELS: dict[str, str] = {
    SEQ: "STT", FULL_NAME: "Họ và tên", PHONE: "Số điện thoại", BIRTH_YEAR: "Năm sinh", ADDRESS: "Địa chỉ",
    WARD: "Xã/Phường", DISTRICT: "Huyện", CATEGORY: "Phân loại F1/F2", EXPOSURE_DATE: "Ngày tiếp xúc",
    QUARANTINE_START: "Ngày bắt đầu cách ly", SEX: "Giới tính",
}
# The usual spellings, for messages about a missing column.
USUAL_HEADERS: dict[str, str] = {
    FULL_NAME: "Họ và tên / Họ tên / Ho ten",
    PHONE: "Số điện thoại / SĐT / SDT / Điện thoại",
}
_BY_KEY = {key: field for field, keys in HEADER_ALIASES.items() for key in keys}
_NOTE = re.compile(r"\(.*?\)")
_DATE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:\s.*)?$")
_DATE_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_CATEGORY = re.compile(r"\bf\s*-?\s*(\d)\b")
_EXCEL_EPOCH = dt.date(1899, 12, 30)

BAD_DATE = "ngày không đọc được (cần dạng ngày/tháng/năm, ví dụ 15/07/2021)"
BAD_YEAR = "năm sinh không hợp lệ (cần năm có 4 chữ số, ví dụ 1985)"
BAD_CATEGORY = "phân loại không rõ (cần F1 hoặc F2)"
MISSING_CATEGORY = "thiếu phân loại F1/F2 (ghi trong cột hoặc dùng --category)"
MISSING_NAME = "thiếu họ tên"
BAD_SEX = "giới tính không rõ (cần Nam hoặc Nữ)"
# Folded cell values (no diacritics, lower case, letters only) -> "M" / "F".
_SEXES = {"nam": "M", "m": "M", "male": "M", "trai": "M", "contrai": "M", "ong": "M",
          "nu": "F", "f": "F", "female": "F", "gai": "F", "congai": "F", "ba": "F"}


class FieldError(ValueError):
    """A cell's value cannot be read; ``reason`` is written for a health worker."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def field_for_header(value: object) -> str | None:
    """The field a header cell names, or None for columns we do not use (Ghi chú, ...)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _BY_KEY.get(header_key(value)) or _BY_KEY.get(header_key(_NOTE.sub("", value)))


def read_text(value: object) -> str | None:
    """Display text of a cell: None when empty; whole numbers without a trailing .0."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        value = value.strftime("%d/%m/%Y")
    text = clean(str(value))
    return text or None


@functools.lru_cache(maxsize=16384, typed=True)  # a list's dates repeat (its days of exposure, of quarantine)
def read_date(value: object) -> dt.date | None:
    """A date from an Excel date, an Excel serial number or dd/mm/yyyy (also d-m-yy, yyyy-mm-dd) text."""
    if value is None or (isinstance(value, str) and not clean(value)):  # blank, or control characters only
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466 and float(value).is_integer():
            return _plausible(_EXCEL_EPOCH + dt.timedelta(days=int(value)))
        raise FieldError(BAD_DATE)
    text = clean(str(value))
    if match := _DATE_DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
        year = year + 2000 if year < 100 else year
    elif match := _DATE_YMD.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise FieldError(BAD_DATE)
    try:
        return _plausible(dt.date(year, month, day))
    except ValueError:
        raise FieldError(BAD_DATE) from None


def _plausible(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2100:
        raise FieldError(BAD_DATE)
    return value


@functools.lru_cache(maxsize=4096, typed=True)  # birth years repeat: a hundred values in a 100,000-row list
def read_birth_year(value: object, today: dt.date) -> int | None:
    """A birth year from 1985, "1985", an Excel date or a dd/mm/yyyy birth date."""
    if value is None or (isinstance(value, str) and not clean(value)):  # blank, or control characters only
        return None
    year: int | None = None
    if isinstance(value, (dt.date, dt.datetime)):
        year = value.year
    elif isinstance(value, int) and not isinstance(value, bool):
        year = value  # not float(value): a number too big for a float would raise
    elif isinstance(value, float):
        year = int(value) if value.is_integer() else None
    else:
        text = clean(str(value)).removesuffix(".0")
        if text.isdecimal() and len(text) == 4:  # not isdigit(): int() refuses superscripts such as "¹⁹⁸⁵"
            year = int(text)
        else:
            try:
                parsed = read_date(text)
                year = parsed.year if parsed is not None else None
            except FieldError:
                year = None
    if year is None or not 1900 <= year <= today.year:
        raise FieldError(BAD_YEAR)
    return year


@functools.lru_cache(maxsize=1024, typed=True)  # "F1", "F2" and a few spellings, on every row
def read_category(value: object) -> str | None:
    """"F1" or "F2" from cells such as "F1", "f 2", "F1 (tiếp xúc gần)"; None when empty."""
    text = read_text(value)
    if text is None:
        return None
    match = _CATEGORY.search(strip_accents(text))
    if match is None:
        raise FieldError(BAD_CATEGORY)
    if match.group(1) not in ("1", "2"):
        raise FieldError(f"phân loại F{match.group(1)} không thuộc diện gọi (chỉ F1, F2)")
    return f"F{match.group(1)}"


@functools.lru_cache(maxsize=1024, typed=True)
def read_sex(value: object) -> str | None:
    """"M" or "F" from cells such as "Nam", "NỮ", "nu", "Nữ giới", "M", "F"; None when empty."""
    text = read_text(value)
    if text is None:
        return None
    key = header_key(text)
    for suffix in ("gioi", "tinh"):  # "Nam giới", "Nữ tính" (sic)
        if key.endswith(suffix) and key != suffix:
            key = key[: -len(suffix)]
    sex = _SEXES.get(key)
    if sex is None:
        raise FieldError(BAD_SEX)
    return sex
