"""The "Cần xử lý" sheet from the cases still to act on (plain tuples since issue 18): the most urgent reason
first, then by district and commune/ward (case-insensitive), then the oldest; labels in the staff's
document language; local opening time; the phone as dialled at home; missing values empty."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ivr.i18n import document_text
from ivr.cases.rules import REASON_LABELS, STATUS_LABELS, Reason, Status
from ivr.reports.sheets import CASE_HEADERS, cases_sheet
from ivr.storage.cases import OpenCase

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.timezone.utc


def case(id_: int, reason: str, district: str | None, ward: str | None, opened: dt.datetime, *,
         contact: int | None = 1, phone: str | None = "+84912345678") -> OpenCase:
    return OpenCase(id_, reason, "open", contact, f"Người {id_}", phone, "F1", ward, district, f"Số {id_}", opened,
                    id_, None, None)


def test_the_rows_are_ordered_and_formatted() -> None:
    at = dt.datetime(2021, 7, 14, 20, 30, tzinfo=UTC)  # 15/07 03:30 in Hanoi
    cases = [
        case(1, "unreached", "Sầm Sơn", "Quảng Tâm", at),
        case(2, "wrong_person", "hoằng hóa", "b", at, phone=None),
        case(3, "wrong_person", "Hoằng Hóa", "A", at + dt.timedelta(hours=1)),
        case(4, "wrong_person", "Hoằng Hóa", "A", at),
        case(5, "symptomatic", None, None, at, contact=None, phone="+12025550123"),
        OpenCase(6, "not_at_address", "referred", 9, None, None, None, None, None, None, at, 3, "Trạm y tế", "gọi lại"),
    ]
    sheet = cases_sheet(cases, ZONE)
    assert tuple(sheet.headers) == CASE_HEADERS
    assert [row[5] for row in sheet.rows] == ["Người 5", "", "Người 4", "Người 3", "Người 2", "Người 1"]
    assert sheet.rows[0] == [document_text(REASON_LABELS[Reason.SYMPTOMATIC]),
                             document_text(STATUS_LABELS[Status.OPEN]), "", "", "", "Người 5", "12025550123",
                             "Số 5", "F1", dt.datetime(2021, 7, 15, 3, 30), 5, ""]
    assert sheet.rows[1] == [document_text(REASON_LABELS[Reason.NOT_AT_ADDRESS]),
                             document_text(STATUS_LABELS[Status.REFERRED]), "Trạm y tế", "", "", "", "", "", "",
                             dt.datetime(2021, 7, 15, 3, 30), 3, "gọi lại"]
    assert sheet.rows[2][6] == "0912345678" and sheet.rows[4][6] == ""
    assert sheet.contact_ids == frozenset({1, 9})
