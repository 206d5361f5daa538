"""Benchmark: importing a 100,000-row CDC list (.xlsx and .csv) into SQLite and PostgreSQL.

Not a test: it prints figures. Run from the repository root:

    .venv/bin/python bench/bench_import.py [--rows 100000] [--no-postgres] [--out bench/bench_import.md]

For each file format and database:
- new:    the list into an empty database (every person is new: bulk inserts);
- again:  the same file once more (recognised by its SHA-256: nothing is read or written);
- update: the next day's list with the same people (every person known: one lookup, bulk updates).
"read" is the time to read and normalise the file alone (openpyxl/csv, phonenumbers), no database.
The list imitates the CDC's: a title block, households (1 phone in 10 shared), phones as Excel numbers
(no leading zero) and pre-2018 11-digit mobiles, dates as Excel dates and dd/mm/yyyy text,
1 % duplicates and 1 % refused rows. PostgreSQL: a temporary database on $ROBOCALL_TEST_POSTGRES_URL.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from ivr import logs  # noqa: E402
from ivr.contacts import importer as importer_mod  # noqa: E402
from ivr.contacts.importer import ContactImporter  # noqa: E402
from ivr.storage.db import make_engine, migrate  # noqa: E402
from ivr.storage.repo import Repository  # noqa: E402

PG_ADMIN_URL = os.environ.get("ROBOCALL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
HEADER = ["STT", "Họ và tên", "Năm sinh", "Số điện thoại", "Địa chỉ", "Xã/Phường", "Huyện", "Phân loại F1/F2",
          "Ngày tiếp xúc", "Ngày bắt đầu cách ly"]
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Minh", "Thu", "Quốc", "Hữu", "Ngọc", "Đức", "Thanh", "Xuân")
GIVEN = ("An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Long", "Mai",
         "Minh", "Nam", "Nga", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến")
WARDS = ("Điện Biên", "Lam Sơn", "Ba Đình", "Đông Thọ", "Quảng Thịnh", "Quảng Tâm", "Hoằng Quang")
NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=dt.timezone.utc)


def rows(n: int, seed: int = 7) -> Iterator[list[Any]]:
    """n data rows: ~10 % of phones shared by two people, 1 % duplicates, 1 % refused phones."""
    rnd = random.Random(seed)
    previous: list[Any] | None = None
    for i in range(n):
        if previous is not None and i % 100 == 50:
            yield [i + 1, *previous[1:]]  # the same person listed twice
            continue
        household = i // 2 if i % 20 < 2 else i  # rows 0-1, 20-21, ...: two people, one phone
        subscriber = 1_000_000 + household
        kind = household % 10
        if kind < 6:
            phone: Any = f"09{subscriber % 10}{subscriber:07d}"[:10]
        elif kind < 8:
            phone = int(f"9{subscriber % 10}{subscriber:07d}"[:9])  # an Excel number: zero lost
        else:
            phone = f"016{2 + subscriber % 8} {subscriber:07d}"  # pre-2018 11-digit mobile
        if i % 100 == 99:
            phone = "1900" + str(subscriber)[-4:]  # refused: premium rate
        name = f"{FAMILY[rnd.randrange(len(FAMILY))]} {MIDDLE[rnd.randrange(len(MIDDLE))]} " \
               f"{GIVEN[rnd.randrange(len(GIVEN))]} {i}"
        exposure = dt.datetime(2021, 7, 1) + dt.timedelta(days=i % 14)
        row = [i + 1, name, 1940 + i % 70, phone, f"Số {i % 300 + 1} đường Lê Lợi", WARDS[i % len(WARDS)],
               "TP Thanh Hóa", "F1" if i % 3 else "F2", exposure if i % 2 else exposure.strftime("%d/%m/%Y"),
               (exposure + dt.timedelta(days=1)).strftime("%d/%m/%Y")]
        previous = row
        yield row


def write_xlsx(path: Path, n: int, seed: int) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("F1-F2")
    ws.append(["SỞ Y TẾ TỈNH THANH HÓA"])
    ws.append(["DANH SÁCH F1, F2 NGÀY 15/07/2021"])
    ws.append([])
    ws.append(HEADER)
    for row in rows(n, seed):
        ws.append(row)
    wb.save(path)


def write_csv(path: Path, n: int, seed: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["DANH SÁCH F1, F2 NGÀY 15/07/2021"])
        writer.writerow(HEADER)
        for row in rows(n, seed):
            writer.writerow([v.strftime("%d/%m/%Y") if isinstance(v, dt.datetime) else v for v in row])


LOAD_AT_START = " / ".join(f"{v:.1f}" for v in os.getloadavg())
CPU: list[float] = [0.0]  # the CPU seconds of the last timed action (this process; not PostgreSQL's)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of ``action`` (its CPU seconds in CPU[0]: on a shared machine, wall time includes waiting
    for the CPU other processes hold; CPU time is what the import itself costs)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    CPU[0] = time.process_time() - cpu
    return time.perf_counter() - start, result


def postgres_admin() -> Any | None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        admin.connect().close()
    except Exception as exc:  # noqa: BLE001 - report and go on with SQLite only
        print(f"PostgreSQL skipped: {exc}".splitlines()[0], file=sys.stderr)
        admin.dispose()
        return None
    return admin


def fresh_database(database: str, label: str, work: Path, admin: Any) -> tuple[str, Callable[[], None]]:
    """An empty migrated database, and how to drop it."""
    if database == "sqlite":
        url = f"sqlite:///{work / f'{label}.db'}"
        migrate(url)
        return url, lambda: None
    name = f"robocall_bench_{os.getpid()}_{label}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    return url, drop


def bench(database: str, files: dict[str, tuple[Path, Path]], work: Path, admin: Any) -> list[list[str]]:
    out = []
    for fmt, (day1, day2) in files.items():
        url, drop = fresh_database(database, fmt, work, admin)
        engine = make_engine(url)
        try:
            repo = Repository(engine)
            imp = ContactImporter(repo, work / f"imports-{database}-{fmt}", clock=lambda: NOW,
                                  zone=ZoneInfo("Asia/Ho_Chi_Minh"))
            for label, path, day in (("new", day1, dt.date(2021, 7, 15)), ("again", day1, dt.date(2021, 7, 15)),
                                     ("update", day2, dt.date(2021, 7, 16))):
                seconds, result = timed(lambda: imp.import_file(path, list_date=day, operator="bench"))
                rate = "-" if result.already_imported else f"{result.rows / seconds:,.0f}"
                out.append([database, fmt, label, f"{result.rows:,}", f"{result.imported:,}",
                            f"{result.updated:,}", f"{result.duplicates:,}", f"{result.invalid:,}",
                            f"{seconds:.2f}", f"{CPU[0]:.2f}", rate])
                print(" | ".join(out[-1]), file=sys.stderr)
        finally:
            engine.dispose()
            drop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown table to this file")
    parser.add_argument("--json", type=Path, default=None,
                        help="also write the figures as JSON (read by bench/series_table.py)")
    args = parser.parse_args()
    logs.configure("warning")

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        files: dict[str, tuple[Path, Path]] = {}
        for fmt, writer in (("xlsx", write_xlsx), ("csv", write_csv)):
            day1, day2 = work / f"day1.{fmt}", work / f"day2.{fmt}"
            writer(day1, args.rows, 7)
            writer(day2, args.rows, 7)  # the same people ...
            with day2.open("ab") as f:  # ... in a file with another checksum (a trailing blank line)
                f.write(b"\n" if fmt == "csv" else b"")
            if fmt == "xlsx":
                write_xlsx(day2, args.rows, 7)  # openpyxl stamps the save time: another checksum already
            files[fmt] = (day1, day2)
        reads = []
        for fmt, (day1, _) in files.items():
            seconds, (contacts, problems, n, dups) = timed(
                lambda: importer_mod._read(day1, None, dt.date(2021, 7, 15)))
            reads.append(f"read+normalise only, {fmt}: {n:,} rows in {seconds:.2f} s (CPU {CPU[0]:.2f} s) = "
                         f"{n / seconds:,.0f} rows/s")
            print(reads[-1], file=sys.stderr)
        table = bench("sqlite", files, work, None)
        if not args.no_postgres and (admin := postgres_admin()) is not None:
            table += bench("postgresql", files, work, admin)
            admin.dispose()

    head = ["database", "file", "import", "rows", "imported", "updated", "duplicates", "invalid", "seconds", "CPU s",
            "rows/s"]
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    lines = [f"Import benchmark: {args.rows:,} rows, {platform.python_implementation()} "
             f"{platform.python_version()}, {os.cpu_count()} CPUs, {dt.date.today().isoformat()}, "
             f"load average at the start {LOAD_AT_START}, at the end {load}", "",
             *[f"- {r}" for r in reads], "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head),
             *["| " + " | ".join(r) + " |" for r in table]]
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps({"rows": args.rows, "load_average_at_start": LOAD_AT_START,
                                         "load_average_at_end": load, "reads": reads,
                                         "imports": [dict(zip(head, r)) for r in table]},
                                        indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
