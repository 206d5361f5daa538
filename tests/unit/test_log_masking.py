"""The log masking processor (ivr.logs), as tables: what goes in, what a log line may show.

Phone numbers are masked wherever they are, in every way Vietnamese numbers are written; values under
personal or secret keys are masked whatever they look like; credentials inside URLs are masked. Names in
free text cannot be recognised by a pattern: code never logs them, and tests/zz_privacy searches the
whole test session's logs for every test name.
"""
from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
import structlog

from ivr import logs
from ivr.logs import MASK, mask_personal_data, mask_text

PHONES = [
    ("national", "0912345678"),
    ("E.164", "+84912345678"),
    ("84 without plus", "84912345678"),
    ("0084 international prefix", "0084912345678"),
    ("leading zero lost in Excel", "912345678"),
    ("spaces 4-3-3", "0912 345 678"),
    ("spaces 3-3-4", "091 234 5678"),
    ("0 9xx xxx xxx", "0 912 345 678"),
    ("dots", "0912.345.678"),
    ("dashes", "0912-345-678"),
    ("E.164 with spaces", "+84 912 345 678"),
    ("84 with dashes", "84-912-345-678"),
    ("0084 with spaces", "0084 88 123 4567"),
    ("old 11-digit mobile", "01621234567"),
    ("old 11-digit mobile with spaces", "0162 123 4567"),
    ("landline with area code", "02373852222"),
    ("landline grouped", "0237 385 2222"),
    ("dots 4-3-3 ending like a unique id", "0912.345678"),
    ("old mobile, zero lost, read as an Excel float", "1621234567.0"),
]


@pytest.mark.parametrize("number", [n for _, n in PHONES], ids=[i for i, _ in PHONES])
@pytest.mark.parametrize("template", [
    "{}",
    "gọi {} lúc 9 giờ",
    "sđt: {}, đã nghe máy",
    "PJSIP/{}@trunk",
    "tel:{}",
    "sip:{}@10.0.0.1",
    "số ({}) không liên lạc được",
    "phone_{}",
    '{{"to": "{}"}}',
], ids=["alone", "free text", "after a colon", "dial string", "tel uri", "sip uri", "in brackets", "after _",
        "inside json text"])
def test_every_phone_format_is_masked_wherever_it_is(template: str, number: str) -> None:
    masked = mask_text(template.format(number))
    assert masked == template.format(MASK)


@pytest.mark.parametrize("text", [
    "rc-2bb9e64301371e37",                              # our channel ids
    "6f1c0912-3456-7890-abcd-ef0123456789",             # uuids
    "admin-2bb9e64301371e37;2",
    "2026-11-25T18:56:55.198675Z",                      # the log's own timestamp
    "2021-07-15",                                       # a list date
    "20210715",
    "attempt 12 of campaign 3 ended after 45.2 s",
    "1080",                                             # the hotline's short number
    "f1_daily.ask_fever.invalid",
    "http://127.0.0.1:8088/ari",
    "c1a2b3c4d5e6f7a8",                                 # a contact pseudonym
    "1764132017.42",                                    # Asterisk's unique id of an inbound channel
    "hotline.call_ended channel=1764132017.1234",
], ids=["channel id", "uuid", "local channel", "timestamp", "date", "compact date", "counts", "short number",
        "prompt id", "url without credentials", "pseudonym", "asterisk unique id", "unique id in text"])
def test_identifiers_and_figures_stay_readable(text: str) -> None:
    assert mask_text(text) == text


@pytest.mark.parametrize("url,expected", [
    ("postgresql+psycopg://robocall:s3cret@db:5432/robocall", "postgresql+psycopg://robocall:***@db:5432/robocall"),
    ("http://robocall:pw@127.0.0.1:8088/ari", "http://robocall:***@127.0.0.1:8088/ari"),
    ("wss://user:p%40ss@pbx.example/ari/events", "wss://user:***@pbx.example/ari/events"),
    ("cannot connect to postgresql://a:b@h/db: refused", "cannot connect to postgresql://a:***@h/db: refused"),
], ids=["database url", "ari url", "encoded secret", "inside a message"])
def test_credentials_in_urls_are_masked(url: str, expected: str) -> None:
    assert mask_text(url) == expected


@pytest.mark.parametrize("key", [
    "phone", "phone_e164", "caller_e164", "phone_number", "msisdn", "number", "caller", "caller_id",
    "name", "full_name", "ho_ten", "display_name", "contact_name", "address", "dia_chi",
    "password", "ari_password", "secret", "token", "authorization", "answers", "keys", "digits", "dtmf",
    "Full_Name", "PHONE",
])
@pytest.mark.parametrize("value", ["Nguyễn Văn An", "Thôn 3, Quảng Thịnh", "1,1,2", "s3cret", 5])
def test_values_under_personal_or_secret_keys_are_masked(key: str, value: Any) -> None:
    out = mask_personal_data(None, "info", {"event": "x", key: value})
    assert out == {"event": "x", key: MASK}


@pytest.mark.parametrize("key,value", [
    ("attempt", 12), ("contact", "c1a2b3c4d5e6f7a8"), ("outcome", "completed"), ("script_name", "f1_daily"),
    ("file_name", "F1_2021-07-15.xlsx"), ("key", "9f86d081884c"), ("channel", "rc-2bb9e64301371e37"),
    ("rows", 14), ("phone", None), ("name", ""),
], ids=lambda v: str(v))
def test_other_keys_and_empty_values_are_kept(key: str, value: Any) -> None:
    assert mask_personal_data(None, "info", {"event": "x", key: value}) == {"event": "x", key: value}


@pytest.mark.parametrize("given,expected", [
    ({"data": {"ho_ten": "Lê Thị Bình", "attempt": 3}}, {"data": {"ho_ten": MASK, "attempt": 3}}),
    ({"rows": [{"phone": "0912345678"}, {"note": "gọi lại 0912 345 678"}]},
     {"rows": [{"phone": MASK}, {"note": f"gọi lại {MASK}"}]}),
    ({"calls": ("+84912345678", "rc-1")}, {"calls": [MASK, "rc-1"]}),
    ({"deep": {"a": {"b": {"full_name": "Trần Văn Cường", "to": "tel:0987654321"}}}},
     {"deep": {"a": {"b": {"full_name": MASK, "to": f"tel:{MASK}"}}}}),
    ({"event": "dial 0912345678 failed"}, {"event": f"dial {MASK} failed"}),
    ({"url": "http://u:pw@h/ari"}, {"url": f"http://u:{MASK}@h/ari"}),
], ids=["nested dict", "list of dicts", "tuple", "deeply nested", "the event text", "url value"])
def test_nested_values_are_masked(given: dict[str, Any], expected: dict[str, Any]) -> None:
    assert mask_personal_data(None, "info", dict(given)) == expected


def test_the_configured_logger_writes_masked_json_lines() -> None:
    """Through structlog as configured for the CLI: the processor runs before the line is written."""
    stream = io.StringIO()
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        logs.configure("debug", stream=stream)
        logs.get_logger("t").info("call.failed", phone_e164="+84912345678", note="gọi 0912 345 678",
                                  attempt=7, extra={"ho_ten": "Nguyễn Văn An"})
    finally:
        structlog.configure(**saved)  # back to the session's log file (tests/conftest.py)
        root.handlers[:], root.level = handlers, level
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert (record["phone_e164"], record["note"], record["attempt"], record["extra"]) == \
        (MASK, f"gọi {MASK}", 7, {"ho_ten": MASK})
    values = json.dumps({k: v for k, v in record.items() if k != "timestamp"}, ensure_ascii=False)
    assert "912" not in values and "Nguyễn" not in line  # the timestamp's digits may hold "912" by chance


@pytest.mark.parametrize("text", [
    "(091) 234-5678", "0912  345  678", "0912/345/678", "0912_345_678", "gọi ĐT0912345678 lúc 9 giờ",
    "sdt:0912345678x", "(+84) 912 345 678",
], ids=["area code in brackets", "two spaces", "slashes", "underscores", "glued to ĐT", "glued both sides",
        "country code in brackets"])
def test_phone_formats_the_security_review_found_are_masked(text: str) -> None:
    masked = mask_text(text)
    assert not any(ch.isdigit() for ch in masked.replace("9 giờ", "")), masked


@pytest.mark.parametrize("key", ["hoTen", "HoTen", "hovaten", "HoVaTen", "diachi", "diaChi", "họ_tên", "địa_chỉ",
                                 "soDienThoai", "so-dien-thoai", "phoneNumber", "fullName", "callerNumber"])
def test_free_text_name_keys_are_masked(key: str) -> None:
    out = mask_personal_data(None, "info", {"event": "x", key: "Nguyễn Văn An, Thôn 3"})
    assert out == {"event": "x", key: MASK}
