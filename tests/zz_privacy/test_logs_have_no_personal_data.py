"""No personal data in logs: runs last (this folder sorts after every other test folder) and searches
everything the test session logged — the controller's log file (CLI subprocesses and in-process code,
tests/conftest.py) and what the sandbox Asterisk wrote during the session (messages.log, queue_log, the
CDR CSV) — for every test phone number, in national and E.164 form, and every test name, as written and
folded (no diacritics, lower case).

Test phone numbers and names are collected from where tests take them: tests/e2e/personas.yaml, the e2e
test sources, the fixture lists, and every SQLite database the session's tests created (which holds the
numbers and names tests generate, e.g. the dialer tests' default-rule numbers). Any Vietnamese mobile
number in the logs is a finding too, whatever test it came from.

Run alone, it still checks something real: it first runs CLI commands that handle personal data (import
the fixture lists, report, export, purge) and requires their log lines to be in the file, so it can never
pass on an empty, missing or wrong log file.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ivr import config
from ivr.contacts.fields import FULL_NAME, PHONE
from ivr.contacts.readers import read_tables
from ivr.contacts.text import name_key

ROOT = Path(__file__).resolve().parents[2]
E2E = ROOT / "tests" / "e2e"
LISTS = ROOT / "tests" / "fixtures" / "lists"
# A Vietnamese mobile number: 0 or 84 / +84, then 3/5/7/8/9 and 8 digits; or a pre-2018 01x 11-digit one.
MOBILE = re.compile(r"(?<![\w.])(?:\+?84|0)(?:[35789]\d{8}|1[2689]\d{8})(?!\w)")
# In free text (sources, logs): the same with a space or a dot between digit groups.
MOBILE_LOOSE = re.compile(r"(?<![\w.+])(?:\+?84|0)[ .]?(?:[35789]|1[2689])(?:[ .]?\d){8}(?![\w])")
FAMILY_NAMES = ("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Mai Cao Tạ Kiều Lò "
                "Lương Trịnh Đào Hà Đoàn Lâm Tô Triệu Chu Thái Quách Văn").split()
NAME_IN_SOURCE = re.compile(r"\b(?:%s)(?: [A-ZÀ-Ỹ][a-zà-ỹ]+){1,3}\b" % "|".join(FAMILY_NAMES))
EXERCISE_EVENTS = ("contacts.import", "report.daily", "export.answers", "retention.purge")


def national(number: object) -> str:
    """0912345678 from +84 912 345 678, 84912345678, 0084912345678, 912345678 or 0912.345.678."""
    digits = re.sub(r"\D", "", str(number)).lstrip("0")
    if digits.startswith("84") and len(digits) >= 11:
        digits = digits[2:]
    return "0" + digits


def forms(number: str) -> set[str]:
    """A number as logs could show it: national, E.164, and 84 without the plus."""
    n = national(number)
    return {n, "+84" + n[1:], "84" + n[1:]}


def _sources() -> list[Path]:
    return sorted(p for p in E2E.rglob("*") if p.suffix in (".py", ".yaml", ".yml") and p.is_file())


def phones_and_names(basetemp: Path) -> tuple[set[str], set[str]]:
    phones: set[str] = set()
    names: set[str] = set()
    personas = yaml.safe_load((E2E / "personas.yaml").read_text(encoding="utf-8"))["personas"]
    phones |= {k for k in personas if str(k).isdigit()}
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        phones |= {m.group(0) for m in MOBILE_LOOSE.finditer(text)}
        names |= {m.group(0) for m in NAME_IN_SOURCE.finditer(text)}
    for path in sorted(LISTS.iterdir()):
        try:
            tables = read_tables(path)
        except Exception:  # noqa: BLE001 - the deliberately broken fixtures
            continue
        for table in tables:
            columns = {c.field: c.index for c in table.columns}
            for _, values in table.rows:
                for field, found in ((FULL_NAME, names), (PHONE, phones)):
                    if field in columns and columns[field] < len(values) and values[columns[field]] not in (None, ""):
                        found.add(str(values[columns[field]]).strip())
    for db in sorted(basetemp.rglob("*.db")):
        phones_db, names_db = _from_database(db)
        phones |= phones_db
        names |= names_db
    phones = {national(p) for p in phones if len(re.sub(r"\D", "", str(p))) >= 9}
    names = {" ".join(n.split()) for n in names if len(n.split()) >= 2}
    return phones, names


def _from_database(db: Path) -> tuple[set[str], set[str]]:
    queries = {"contacts": ("phone_e164", "full_name"), "households": ("phone_e164", None),
               "inbound_calls": ("caller_e164", None), "callback_tasks": ("phone_e164", None),
               "agents": (None, "display_name")}
    phones: set[str] = set()
    names: set[str] = set()
    try:
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.Error:
        return phones, names
    with connection:
        for table, (phone, name) in queries.items():
            for column, found in ((phone, phones), (name, names)):
                if column is None:
                    continue
                try:
                    found |= {v for (v,) in connection.execute(f"SELECT {column} FROM {table}") if v}
                except sqlite3.Error:
                    continue  # not a robocall database, or a table this one does not have
    connection.close()
    return {p for p in phones if p.startswith(("+84", "0"))}, names


@dataclass(frozen=True)
class Line:
    where: str
    number: int
    text: str


def session_lines(log_file: Path, sandbox: Any) -> list[Line]:
    """The controller's log file, and what the sandbox wrote since the session started (``sandbox``: the
    session fixture tests/conftest.py sandbox_log_start)."""
    lines = [Line(str(log_file), n, t) for n, t in enumerate(log_file.read_text(encoding="utf-8").splitlines(), 1)]
    if sandbox.folder.is_dir():
        for path in sorted(p for p in sandbox.folder.rglob("*") if p.is_file()):
            start = sandbox.sizes.get(path, 0)
            with path.open("rb") as f:
                if f.seek(0, os.SEEK_END) < start:
                    start = 0  # rotated or truncated since: all of it is this session's
                f.seek(start)
                text = f.read().decode("utf-8", errors="replace")
            lines += [Line(str(path), n, t) for n, t in enumerate(text.splitlines(), 1)]
    return lines


def robocall(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("robocall")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300, env=env, check=False)


@pytest.fixture(scope="module")
def exercised(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Run commands that read, store, list and delete personal data, as a user would; they log to the
    session's log file (ROBOCALL_LOG_FILE is inherited)."""
    work = tmp_path_factory.mktemp("privacy")
    env = {**os.environ, "ROBOCALL_DATABASE_URL": f"sqlite:///{work}/privacy.db", "ROBOCALL_DATA_DIR": str(work),
           "ROBOCALL_AUDIO_CACHE_DIR": str(work / "sounds"), "ROBOCALL_CONFIG": ""}
    done = []
    for args, code in (
            (["contacts", "import", str(LISTS / "f1_title_block.xlsx"), "--date", "2021-07-15"], 0),
            (["contacts", "import", str(LISTS / "f2_semicolon_bom.csv"), "--category", "F2",
              "--date", "2021-07-15"], 0),
            (["contacts", "import", str(LISTS / "f1_next_day.xlsx"), "--date", "2021-07-16"], 0),
            (["contacts", "import", str(LISTS / "no_phone_column.xlsx")], 2),
            (["contacts", "list", "--json"], 0),
            (["report", "daily", "--date", "2021-07-15"], 0),
            (["export", "answers", "--from", "2021-07-15", "--to", "2021-07-16", "--out", str(work / "a.xlsx")], 0),
            (["purge", "--older-than", "30"], 0),
            (["audit", "list"], 0)):
        proc = robocall("--operator", "privacy-test", *args, env=env)
        assert (proc.returncode, "Traceback" in proc.stderr) == (code, False), (args, proc.stderr)
        done.append(" ".join(args[:2]))
    return done


def test_the_session_logs_hold_no_test_phone_number_or_name(exercised: list[str], test_data_dir: Path,
                                                             sandbox_log_start: Any,
                                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    log_file = Path(os.environ["ROBOCALL_LOG_FILE"])
    assert log_file == test_data_dir / "robocall.log"
    assert log_file.is_file(), f"{log_file}: the session wrote no log at all"
    lines = session_lines(log_file, sandbox_log_start)
    ours = [line for line in lines if line.where == str(log_file)]
    assert len(ours) >= len(EXERCISE_EVENTS), f"{log_file}: only {len(ours)} lines"
    missing = [e for e in EXERCISE_EVENTS if not any(f'"event": "{e}"' in line.text for line in ours)]
    assert missing == [], f"the commands just run did not log to {log_file}: {missing}"

    phones, names = phones_and_names(tmp_path_factory.getbasetemp())
    assert len(phones) >= 20 and len(names) >= 20, "the search must look for the test data"
    find_phone = _alternation(sorted({f for p in phones for f in forms(p)}, key=len, reverse=True), r"[\w+]")
    find_name = _alternation(sorted({n.casefold() for n in names}, key=len, reverse=True), r"\w")
    find_folded = _alternation(sorted({name_key(n) for n in names}, key=len, reverse=True), r"\w")
    ignored = organisation_numbers()
    found: list[str] = []
    for line in lines:
        hits = set(find_phone.findall(line.text)) | set(find_name.findall(line.text.casefold()))
        hits |= set(find_folded.findall(name_key(line.text)))
        hits |= {m.group(0) for m in MOBILE_LOOSE.finditer(line.text) if national(m.group(0)) not in ignored}
        if hits:
            found.append(f"{line.where}:{line.number}: {sorted(hits)} in {line.text[:200]!r}")
    assert found == [], f"personal data in the logs ({len(found)} lines):\n" + "\n".join(found[:50])


def _alternation(needles: list[str], word: str) -> re.Pattern[str]:
    """One pattern finding any of ``needles`` as a whole token (not inside a longer number or word)."""
    return re.compile(f"(?<!{word})(?:{'|'.join(map(re.escape, needles))})(?!{word})")


def organisation_numbers() -> set[str]:
    """Numbers that are not personal: the caller ID the province presents, the hotline's number."""
    settings = config.load()
    return {national(n) for n in (settings.trunk.caller_id_number, settings.hotline.number)
            if len(re.sub(r"\D", "", n)) >= 9}


@pytest.mark.parametrize("text,found", [
    ('{"event": "dial", "to": "***"}', set()),
    ("2026-11-25 18:54:31,0912340077,1080", {"0912340077"}),
    ('"", "+84912340077", "1080"', {"+84912340077"}),
    ("caller 0912 340 077", {"0912 340 077"}),
    ("PJSIP/trunk-00000117 1795632786.291 rc-2bb9e64301371e37", set()),
    ("02373999115", set()),
], ids=["masked", "cdr national", "e164", "spaced", "ids and epochs", "landline"])
def test_the_number_pattern_finds_mobile_numbers_only(text: str, found: set[str]) -> None:
    assert {m.group(0) for m in MOBILE_LOOSE.finditer(text)} == found


@pytest.mark.parametrize("given,expected", [
    ("0912345678", "0912345678"), ("+84912345678", "0912345678"), ("84912345678", "0912345678"),
    ("0084 88 123 4567", "0881234567"), ("912345678", "0912345678"), ("0841234567", "0841234567"),
    ("01621234567", "01621234567"), ("02373852222", "02373852222"), (912345678, "0912345678"),
])
def test_national_form(given: object, expected: str) -> None:
    assert national(given) == expected  # type: ignore[arg-type]
