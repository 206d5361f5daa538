"""structlog set-up: JSON lines, with personal data masked before anything is written.

Names and phone numbers must never reach a log. Two layers protect that:
- keys that carry personal data (``phone``, ``name``, ``ho_ten``, ...) are replaced by a mask;
- every string value is scanned for phone-number-like digit runs, which are masked too.
Code should log pseudonymous ids (attempt id, contact id, channel id) and never the data itself;
the masking is the safety net, not the method.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
import re
import unicodedata
import sys
from pathlib import PurePath
from typing import Any, MutableMapping, TextIO

import structlog

SENSITIVE_KEYS = frozenset(
    {
        "phone", "number", "msisdn", "caller", "callerid", "caller_id", "name", "full_name", "ho_ten",
        "display_name", "contact_name", "caller_name", "person_name", "ten", "sdt", "so_dien_thoai",
        "address", "dia_chi", "password", "secret", "authorization", "answers", "keys", "digits", "dtmf",
    }
)
# A key holding one of these words (split on "_") is sensitive too: phone_e164, caller_e164, ari_password.
SENSITIVE_KEY_PARTS = frozenset({"phone", "msisdn", "e164", "sdt", "password", "passwd", "secret", "token",
                                 "address"})
# A run of 9 or more digits (a Vietnamese number without its leading 0 has 9), optionally with + and one
# separator between digits: phone numbers in any common form. Letters, digits or "-" right before or after
# mean an identifier (a uuid, a channel id), not a number; an 8-digit run is a date, not a phone.
# Between digit groups: up to three of space . - / _
_PHONE_RE = re.compile(r"(?<![^\W_])(?<!-)\+?\d(?:[\s.\-/_]{0,3}\d){8,14}(?![^\W_])(?!-)")
# An area or country code in brackets, then the rest: "(091) 234-5678", "(+84) 912 345 678".
_BRACKET_PHONE_RE = re.compile(r"\(\+?\d{2,5}\)[\s.\-/_]{0,2}\d(?:[\s.\-/_]{0,3}\d){5,10}(?!\d)")
# A Vietnamese mobile number glued to words ("ĐT0912345678", "sdt:0912345678x"): masked wherever it is.
_GLUED_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[35789]\d{8}|1[2689]\d{8})(?!\d)")
# Asterisk's unique ids (channels it names itself: inbound calls): epoch seconds, a dot, a counter
# without leading zeros. They stay readable. A number that lost its 0 in Excel and came back as a float
# ("1621234567.0", an old 11-digit mobile) ends in ".0" and stays masked.
_ASTERISK_ID_RE = re.compile(r"1\d{9}\.[1-9]\d{0,5}")
# Basic-auth credentials inside URLs: scheme://user:secret@host
_URL_CRED_RE = re.compile(r"(\w+://[^:/\s]+:)[^@\s]+@")
MASK = "***"


def mask_text(text: str) -> str:
    text = _URL_CRED_RE.sub(r"\1" + MASK + "@", text)
    text = _BRACKET_PHONE_RE.sub(MASK, text)
    return _GLUED_MOBILE_RE.sub(MASK, _PHONE_RE.sub(_mask_phone, text))


def _mask_phone(match: re.Match[str]) -> str:
    return match.group() if _ASTERISK_ID_RE.fullmatch(match.group()) else MASK


# The same keys written as one word, in camelCase or in Vietnamese with diacritics (hoTen, diachi, họ_tên,
# soDienThoai, HoVaTen): compared without separators, case or accents.
_SQUASHED_KEYS = frozenset({k.replace("_", "") for k in SENSITIVE_KEYS} | {
    "hovaten", "hoten", "tennguoi", "diachi", "sodienthoai", "dienthoai", "sodt", "nguoigoi", "sogoi",
    "fullname", "phonenumber", "callernumber", "namsinh", "ngaysinh"})


def _fold(text: str) -> str:
    """Lower case, no accents (đ -> d), no separators: "Họ_Tên" -> "hoten"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return re.sub(r"[\W_]+", "", "".join(c for c in decomposed if not unicodedata.combining(c))).lower()


def sensitive_key(key: str) -> bool:
    """Whether values under ``key`` are personal data or secrets, whatever they look like."""
    lowered = key.lower()
    if lowered in SENSITIVE_KEYS or not SENSITIVE_KEY_PARTS.isdisjoint(lowered.split("_")):
        return True
    parts = [_fold(p) for p in re.split(r"[_\-\s.]+|(?<=[a-zà-ỹ])(?=[A-ZÀ-Ỹ])", key) if p]
    return _fold(key) in _SQUASHED_KEYS or not SENSITIVE_KEY_PARTS.isdisjoint(parts)


def _mask_value(key: str, value: Any) -> Any:
    if sensitive_key(key) and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_value(key, v) for v in value]
    return value


def jsonable(value: Any) -> Any:
    """A value as plain JSON (objects, lists, strings, numbers): never a Python repr in a log line.

    Dataclasses become objects of their fields, enums their value, dates ISO 8601, paths and anything
    else without a JSON form its ``str`` (an exception: its type and message).
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [jsonable(v) for v in items]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    return str(value)


def to_json_values(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: every field a JSON value (see ``jsonable``)."""
    for key in list(event_dict):
        event_dict[key] = jsonable(event_dict[key])
    return event_dict


def mask_personal_data(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask personal data in every key and value."""
    for key in list(event_dict):
        event_dict[key] = _mask_value(key, event_dict[key])
    return event_dict


def configure(level: str = "info", stream: TextIO | None = None, json: bool = True) -> None:
    """Configure structlog (and the stdlib root logger) once, from the composition root."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    out = stream or sys.stderr
    renderer: Any = structlog.processors.JSONRenderer(ensure_ascii=False) if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            to_json_values,
            mask_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    # Libraries (httpx, websockets, alembic) log through the stdlib: keep them quiet and masked too.
    handler = logging.StreamHandler(out)
    handler.addFilter(_StdlibMaskFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(numeric, logging.WARNING))


class _StdlibMaskFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        return True


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
