"""Benchmark: how long another writer waits while a large list is imported (issue 16, item 5).

Not a test: it prints figures. Run from the repository root:

    .venv/bin/python bench/bench_import_writer_wait.py [--rows 249990 100000] [--no-postgres]
                                                       [--batch-rows N] [--known]

249,990 data rows + title + header = the 250,000-row cap (ivr/contacts/bounds.py). For each size and database: a fresh migrated database, then a second process (the "dialer") registers a
worker and renews its lease (``LeaseStore.heartbeat``, one short write transaction through the project's
store, as the dialer does every few seconds) every 50 ms, timing each renewal, while this process imports
a CSV of that many rows (bench/bench_import.py's CDC-like list). Printed: the import's wall and CPU seconds,
and the writer's renewals during the import: count, failures ("database is locked" after SQLite's 30 s
busy timeout), median, p99 and max seconds per renewal (its wait for the lock plus its own few ms), and the
longest time from one batch's commit to the next (``ContactImporter(between=...)``; "one transaction" before).
For a before/after, copy this file into another checkout (e.g. ``git archive`` of main) and run it there.
On a shared machine wall figures include waiting for the CPU: compare within one run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

PERIOD = 0.05  # seconds between two of the writer's transactions


def writer(url: str, out: Path, stop: Path) -> None:
    """The second process: renew a lease every PERIOD s until ``stop`` exists; write the timings to ``out``."""
    from ivr import logs
    from ivr.storage.db import make_engine
    from ivr.storage.leases import LeaseStore

    logs.configure("warning")
    engine = make_engine(url)
    store = LeaseStore(engine)
    store.register("bench-writer", node="bench", pid=os.getpid(), role="dialer", ari_url="-", app="-", ttl=60)
    samples: list[tuple[float, float, str | None]] = []  # (started, seconds, error)
    out.with_suffix(".ready").write_text("ready")
    while not stop.exists():
        started = time.time()
        t0 = time.perf_counter()
        error = None
        try:
            store.heartbeat("bench-writer", 60)
        except Exception as exc:  # noqa: BLE001 - recorded: "database is locked" is the figure we look for
            error = type(exc).__name__ + ": " + str(exc).splitlines()[0][:80]
        samples.append((started, time.perf_counter() - t0, error))
        time.sleep(PERIOD)
    engine.dispose()
    out.write_text(json.dumps(samples))


def measure(database: str, rows: int, csv_path: Path, work: Path, admin: Any, batch_rows: int | None,
            known: bool = False) -> list[str]:
    from bench_import import NOW, fresh_database
    from ivr.contacts.importer import ContactImporter
    from ivr.storage.db import make_engine
    from ivr.storage.repo import Repository

    url, drop = fresh_database(database, f"wait{rows}", work, admin)
    out, stop = work / f"writer-{database}-{rows}.json", work / f"stop-{database}-{rows}"
    child = subprocess.Popen([sys.executable, __file__, "--writer", url, str(out), str(stop)])
    engine = make_engine(url)
    try:
        while not out.with_suffix(".ready").exists():
            if child.poll() is not None:
                raise SystemExit("the writer process ended before it was ready")
            time.sleep(0.05)
        time.sleep(1.0)  # some renewals with no import running: the baseline
        repo = Repository(engine)
        kwargs: dict[str, Any] = {}
        if batch_rows is not None:
            kwargs["batch_rows"] = batch_rows
        commits: list[float] = []
        if "between" in inspect.signature(ContactImporter).parameters:  # a batched import: time each batch
            kwargs["between"] = lambda _done: commits.append(time.perf_counter())
        importer = ContactImporter(repo, work / f"imports-{database}-{rows}", clock=lambda: NOW,
                                   zone=ZoneInfo("Asia/Ho_Chi_Minh"), **kwargs)
        if known:  # everyone known: yesterday's list first (not measured), then the same people again
            ContactImporter(repo, work / f"imports-{database}-{rows}-0", clock=lambda: NOW,
                            zone=ZoneInfo("Asia/Ho_Chi_Minh")).import_file(csv_path, list_date=dt.date(2021, 7, 14),
                                                                           operator="bench")
            again = csv_path.with_name("again-" + csv_path.name)
            again.write_bytes(csv_path.read_bytes() + b"\n")  # another checksum
            csv_path = again
        start, cpu, wall0 = time.perf_counter(), time.process_time(), time.time()
        commits.append(start)
        result = importer.import_file(csv_path, list_date=dt.date(2021, 7, 15), operator="bench")
        seconds, cpu_seconds, wall1 = time.perf_counter() - start, time.process_time() - cpu, time.time()
        time.sleep(0.5)
    finally:
        stop.write_text("stop")
        child.wait(timeout=120)
        engine.dispose()
        drop()
    samples = json.loads(out.read_text())
    during = [s for s in samples if s[0] + s[1] >= wall0 and s[0] <= wall1]
    waits = sorted(s[1] for s in during if s[2] is None)
    failed = [s for s in during if s[2] is not None]
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))] if waits else float("nan")
    line = [database + (" (all known)" if known else ""), f"{rows:,}", f"{result.imported:,}", f"{seconds:.1f}", f"{cpu_seconds:.1f}",
            f"{len(during):,}", f"{len(failed)}", f"{statistics.median(waits):.3f}" if waits else "-",
            f"{p99:.3f}", f"{max(s[1] for s in during):.3f}" if during else "-"]
    gaps = [b - a for a, b in zip(commits[1:], commits[2:])]  # from one batch's commit to the next's
    line.append(f"{len(gaps) + 1} batches, longest {max(gaps):.2f} s" if gaps else "one transaction")
    if failed:
        line.append(failed[0][2])
    print(" | ".join(line), file=sys.stderr)
    if gaps:  # where the longest renewals fell: before the first batch, during the batches, after the last
        first, last = commits[1] - start, commits[-1] - start
        longest = sorted(during, key=lambda s: -s[1])[:5]
        print(f"  batches from {first:.1f} s to {last:.1f} s of {seconds:.1f} s; longest renewals (started at s, took s): "
              + ", ".join(f"{s[0] - wall0:.1f}: {s[1]:.2f}" for s in longest), file=sys.stderr)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[249_990, 100_000])
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--batch-rows", type=int, default=None, help="ContactImporter(batch_rows=N)")
    parser.add_argument("--known", action="store_true",
                        help="measure the import of a list whose people are all known (yesterday's list first)")
    parser.add_argument("--writer", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        writer(args.writer[0], Path(args.writer[1]), Path(args.writer[2]))
        return
    from bench_import import LOAD_AT_START, postgres_admin, write_csv
    from ivr import logs

    logs.configure("warning")
    print(f"tree {ROOT}; load average at start {LOAD_AT_START}; {os.cpu_count()} CPUs", file=sys.stderr)
    print("database | rows | new | import s | import CPU s | renewals | failed | median s | p99 s | max s | batches",
          file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench-wait-") as tmp:
        work = Path(tmp)
        admin = None if args.no_postgres else postgres_admin()
        databases = ([] if args.no_sqlite else ["sqlite"]) + (["postgresql"] if admin is not None else [])
        for rows in args.rows:
            csv_path = work / f"list-{rows}.csv"
            write_csv(csv_path, rows, 7)
            for database in databases:
                measure(database, rows, csv_path, work, admin, args.batch_rows, args.known)
    print(f"load average at end {' / '.join(f'{v:.1f}' for v in os.getloadavg())}", file=sys.stderr)


if __name__ == "__main__":
    main()
