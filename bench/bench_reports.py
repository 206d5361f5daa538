"""Benchmark: the reports on a province's month, 1,000,000 call attempts on PostgreSQL (issue 18 item 6).

Not a test: it builds a database and prints figures. Run from the repository root:

    .venv/bin/python bench/bench_reports.py [--keep | --reuse] [--db-name NAME] [--no-indexes] [--contacts 33000] [--days 30]

It builds a fresh database ``robocall_bench_reports`` on $ROBOCALL_TEST_POSTGRES_URL's server (migrated to
the head, then filled in SQL with generate_series: about a minute), then times, each in its own process
(what staff run):

    robocall report daily --date 2021-07-15          (<= 5 s asked)
    robocall report monthly --month 2021-07          (<= 15 s asked)
    robocall export answers --from 2021-07-01 --to 2021-07-30 --out answers.csv   (streams: peak RSS shown)

The month: 30 days x 33,000 contacts, one F1 campaign a day calling everyone on the list (f1_daily v2),
and one in 99 called again an hour later: 999,990 attempts. Outcomes as the bench's personas give them:
60 % completed (identity yes, any symptom no or 1 in 20 yes then fever yes, at the address yes), 5 % wrong
person, 10 % no answer, 5 % busy, 5 % hung up early (identity answered), 5 % rejected, 5 % unreachable,
5 % symptomatic. ``--no-indexes`` drops the indexes of migration 0008 first (the "before" figures).
``--keep`` leaves the database for more runs (``--reuse`` then skips the build).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.storage.db import migrate  # noqa: E402

PG_ADMIN_URL = os.environ.get("ROBOCALL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = os.environ.get("ROBOCALL_BENCH_REPORTS_DB", "robocall_bench_reports")
INDEXES = {"ix_call_attempts_scheduled_at": "scheduled_at", "ix_call_attempts_started_at": "started_at",
           "ix_call_attempts_ended_at": "ended_at",
           "ix_call_attempts_campaign_id_household_id_attempt_no": "campaign_id, household_id, attempt_no"}
FIRST_DAY = "2021-07-01"

# Outcome by (contact, day): k = (c * 7 + d * 13) % 100.
OUTCOME = """CASE
  WHEN c % 99 = 0 THEN 'no_answer'
  WHEN k < 60 THEN 'completed' WHEN k < 65 THEN 'wrong_person' WHEN k < 75 THEN 'no_answer'
  WHEN k < 80 THEN 'busy' WHEN k < 85 THEN 'hung_up_early' WHEN k < 90 THEN 'rejected'
  WHEN k < 95 THEN 'unreachable' ELSE 'symptomatic' END"""

BUILD = [
    f"""INSERT INTO households (id, phone_e164, active_attempt_id, created_at)
        SELECT c, '+8491' || lpad(c::text, 7, '0'), NULL, timestamptz '{FIRST_DAY} 00:00+07'
        FROM generate_series(1, :contacts) c""",
    f"""INSERT INTO contacts (id, household_id, phone_e164, full_name, name_key, birth_year, sex, address, ward,
            district, category, exposure_date, quarantine_start, list_date, first_seen, last_seen, opted_out,
            pseudonym, created_at, updated_at)
        SELECT c, c, '+8491' || lpad(c::text, 7, '0'), 'Người Thử ' || c, 'nguoi thu ' || c, 1940 + c % 70,
            CASE WHEN c % 2 = 0 THEN 'M' ELSE 'F' END, 'Số ' || (c % 300 + 1) || ' Lê Lợi',
            (ARRAY['Điện Biên','Lam Sơn','Ba Đình','Đông Thọ','Quảng Thịnh','Quảng Tâm','Hoằng Quang'])[c % 7 + 1],
            (ARRAY['TP Thanh Hóa','Hoằng Hóa','Sầm Sơn'])[c % 3 + 1], 'F1', date '{FIRST_DAY}' - 3,
            date '{FIRST_DAY}' - 2, date '{FIRST_DAY}' + :days - 1, date '{FIRST_DAY}', date '{FIRST_DAY}' + :days - 1,
            false, 'bench' || c, timestamptz '{FIRST_DAY} 00:00+07', timestamptz '{FIRST_DAY} 00:00+07'
        FROM generate_series(1, :contacts) c""",
    f"""INSERT INTO imports (id, file_name, sha256, list_date, category, operator, rows, imported, updated,
            duplicates, invalid, error_report, stored_path, created_at)
        SELECT d, 'danh-sach-' || d || '.xlsx', md5(d::text) || md5((d + 1000)::text), date '{FIRST_DAY}' + d - 1,
            'F1', 'bench', :contacts, CASE WHEN d = 1 THEN :contacts ELSE 0 END,
            CASE WHEN d = 1 THEN 0 ELSE :contacts END, 0, 0, NULL, NULL,
            timestamptz '{FIRST_DAY} 06:00+07' + (d - 1) * interval '1 day'
        FROM generate_series(1, :days) d""",
    """INSERT INTO contact_imports (import_id, contact_id, category, row)
        SELECT d, c, 'F1', (c + 4)::text FROM generate_series(1, :days) d, generate_series(1, :contacts) c""",
    f"""INSERT INTO campaigns (id, script_name, script_version, category, list_date, import_id, status,
            policy_overrides, operator, created_at, updated_at)
        SELECT d, 'f1_daily', '2', 'F1', date '{FIRST_DAY}' + d - 1, d, 'completed', '{{}}', 'bench',
            timestamptz '{FIRST_DAY} 07:00+07' + (d - 1) * interval '1 day',
            timestamptz '{FIRST_DAY} 20:00+07' + (d - 1) * interval '1 day'
        FROM generate_series(1, :days) d""",
    f"""INSERT INTO call_attempts (id, campaign_id, contact_id, household_id, attempt_no, status, scheduled_at,
            claimed_by, claimed_at, channel_id, started_at, answered_at, ended_at, outcome, sip_cause,
            hangup_cause, duration)
        SELECT id, d, c, c, 1, 'done', at, NULL, NULL, 'rc-a' || id, at + interval '5 s',
            CASE WHEN o IN ('completed','wrong_person','hung_up_early','symptomatic') THEN at + interval '15 s' END,
            at + CASE WHEN o IN ('completed','symptomatic') THEN interval '60 s' WHEN o = 'no_answer'
                 THEN interval '50 s' ELSE interval '20 s' END,
            o, CASE o WHEN 'busy' THEN 486 WHEN 'rejected' THEN 603 WHEN 'unreachable' THEN 480
                 WHEN 'no_answer' THEN 487 ELSE 200 END,
            CASE o WHEN 'busy' THEN 17 WHEN 'rejected' THEN 21 WHEN 'unreachable' THEN 20
                 WHEN 'no_answer' THEN 19 ELSE 16 END,
            CASE WHEN o IN ('completed','symptomatic') THEN 45.0 WHEN o IN ('wrong_person','hung_up_early')
                 THEN 5.0 END
        FROM (SELECT (d - 1) * :contacts + c AS id, d, c,
                     timestamptz '{FIRST_DAY} 08:00+07' + (d - 1) * interval '1 day' + (c % 36000) * interval '1 s' AS at,
                     {OUTCOME} AS o
              FROM (SELECT d, c, (c * 7 + d * 13) % 100 AS k
                    FROM generate_series(1, :days) d, generate_series(1, :contacts) c) g) s""",
    # One in 99 was not answered at first and is called again an hour later, and answers.
    """INSERT INTO call_attempts (id, campaign_id, contact_id, household_id, attempt_no, status, scheduled_at,
            claimed_by, claimed_at, channel_id, started_at, answered_at, ended_at, outcome, sip_cause,
            hangup_cause, duration)
        SELECT :days * :contacts + row_number() OVER (ORDER BY a.id), a.campaign_id, a.contact_id, a.household_id,
            2, 'done', a.scheduled_at + interval '1 hour', NULL, NULL, NULL, a.scheduled_at + interval '1 hour 5 s',
            a.scheduled_at + interval '1 hour 15 s', a.scheduled_at + interval '1 hour 60 s', 'completed', 200, 16, 45.0
        FROM call_attempts a WHERE a.contact_id % 99 = 0 AND a.attempt_no = 1""",
    # Answers: identity first; a completed call then answers any_symptom (1 in 20 yes, then fever yes) and
    # at_address; a symptomatic one yes then fever yes; wrong person: identity no; hung up early: identity only.
    """INSERT INTO answers (attempt_id, contact_id, campaign_id, question_id, script, script_version, key, value,
            answered_at)
        SELECT a.id, a.contact_id, a.campaign_id, q.question_id, 'f1_daily', '2', q.key, q.value,
               a.answered_at + q.after * interval '1 s'
        FROM call_attempts a
        JOIN LATERAL (VALUES
            ('identity', CASE WHEN a.outcome = 'wrong_person' THEN '2' ELSE '1' END,
                         CASE WHEN a.outcome = 'wrong_person' THEN 'no' ELSE 'yes' END, 5, true),
            ('any_symptom', CASE WHEN a.outcome = 'symptomatic' OR a.id % 20 = 0 THEN '1' ELSE '2' END,
                            CASE WHEN a.outcome = 'symptomatic' OR a.id % 20 = 0 THEN 'yes' ELSE 'no' END, 15,
                            a.outcome IN ('completed', 'symptomatic')),
            ('fever', '1', 'yes', 20, a.outcome = 'symptomatic' OR (a.outcome = 'completed' AND a.id % 20 = 0)),
            ('at_address', '1', 'yes', 30, a.outcome IN ('completed', 'symptomatic'))
        ) AS q(question_id, key, value, after, wanted) ON q.wanted
        WHERE a.answered_at IS NOT NULL""",
    "SELECT setval(pg_get_serial_sequence('households', 'id'), (SELECT max(id) FROM households))",
    "SELECT setval(pg_get_serial_sequence('contacts', 'id'), (SELECT max(id) FROM contacts))",
    "SELECT setval(pg_get_serial_sequence('imports', 'id'), (SELECT max(id) FROM imports))",
    "SELECT setval(pg_get_serial_sequence('campaigns', 'id'), (SELECT max(id) FROM campaigns))",
    "SELECT setval(pg_get_serial_sequence('call_attempts', 'id'), (SELECT max(id) FROM call_attempts))",
]


def database_url() -> str:
    return make_url(PG_ADMIN_URL).set(database=NAME).render_as_string(hide_password=False)


def build(contacts: int, days: int) -> dict[str, float]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{NAME}"'))
    admin.dispose()
    url = database_url()
    migrate(url)
    engine = create_engine(url)
    t0 = time.perf_counter()
    with engine.begin() as c:
        for statement in BUILD:
            c.execute(text(statement), {"contacts": contacts, "days": days})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
        counts = {t: int(c.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
                  for t in ("contacts", "call_attempts", "answers")}
    engine.dispose()
    return {"build_s": round(time.perf_counter() - t0, 1), **counts}


def set_indexes(present: bool) -> None:
    """Drop migration 0008's indexes (the figures before it), or make sure they are there."""
    engine = create_engine(database_url())
    with engine.begin() as c:
        for name, columns in INDEXES.items():
            c.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON call_attempts ({columns})" if present
                           else f"DROP INDEX IF EXISTS {name}"))
        c.execute(text("ANALYZE call_attempts"))
    engine.dispose()


def close_cases(close: bool) -> int:
    """With ``close``, close the cases last seen before 13/07 (what staff who act on the list do). The cases
    still open: every one is a row of the daily workbook's "Cần xử lý" sheet."""
    engine = create_engine(database_url())
    with engine.begin() as c:
        if close:
            c.execute(text("UPDATE cases SET status = 'closed', closed_at = last_event_at + interval '1 day', "
                           "note = 'bench', updated_at = last_event_at + interval '1 day' "
                           "WHERE status <> 'closed' AND last_event_at < timestamptz '2021-07-13 00:00+07'"))
        still_open = int(c.execute(text("SELECT count(*) FROM cases WHERE status <> 'closed'")).scalar() or 0)
    engine.dispose()
    return still_open


def vacuum() -> None:
    """VACUUM ANALYZE what the case sync and the register wrote, as autovacuum would on a production server
    (this machine's PostgreSQL runs with autovacuum off): without it, the sync's "every attempt looked at?"
    anti-join fetched 999,990 heap rows for 2.8 s at each report (issue 18)."""
    engine = create_engine(database_url())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        for table in ("case_sources", "cases", "case_events", "written_files", "written_file_subjects"):
            c.execute(text(f"VACUUM ANALYZE {table}"))
    engine.dispose()


ROBOCALL = str(ROOT / ".venv" / "bin" / "robocall")


def timed_command(args: list[str], env: dict[str, str]) -> dict[str, object]:
    """Run `robocall ARGS` in its own process: wall seconds, CPU seconds and peak RSS of that process alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        child = subprocess.Popen([ROBOCALL, *args], env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            raise SystemExit(f"robocall {' '.join(args)} failed:\n{err.read().decode()[-2000:]}")
    return {"command": "robocall " + " ".join(args), "wall_s": round(wall, 2),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def main() -> None:
    global NAME, ROBOCALL
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=33_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left")
    parser.add_argument("--keep", action="store_true", help="leave the database for more runs")
    parser.add_argument("--no-indexes", action="store_true", help="drop migration 0008's indexes first")
    parser.add_argument("--staff-closed-cases", action="store_true",
                        help="after the first report's case sync, close the cases whose last event is before "
                             "13/07 (staff acted on them), as a province that works its lists would have")
    parser.add_argument("--only", default="daily,monthly,export", help="which of daily,monthly,export to time")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures as JSON here")
    parser.add_argument("--db-name", default=None,
                        help=f"the database's name (default {NAME}, or $ROBOCALL_BENCH_REPORTS_DB): one of your own "
                             "so that nobody else's run drops it")
    parser.add_argument("--robocall", default=None,
                        help="the robocall command to time (default this checkout's .venv/bin/robocall), e.g. "
                             "another checkout's, for before/after figures on the same database")
    parser.add_argument("--keep-output", type=Path, default=None,
                        help="copy the reports written into this folder (to compare two versions' files)")
    args = parser.parse_args()
    if args.robocall:
        ROBOCALL = args.robocall
    if args.db_name:
        NAME = args.db_name
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    result: dict[str, object] = {"load_average_at_start": load, "robocall": ROBOCALL}
    if not args.reuse:
        result["database"] = build(args.contacts, args.days)
        print(json.dumps(result["database"]), file=sys.stderr)
    set_indexes(not args.no_indexes)
    result["indexes"] = "dropped" if args.no_indexes else "migration 0008"
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        env = {**os.environ, "ROBOCALL_DATABASE_URL": database_url(), "ROBOCALL_DATA_DIR": str(Path(tmp) / "data"),
               "ROBOCALL_LANG": "en"}
        runs = [
            ["report", "daily", "--date", "2021-07-15", "--out", str(Path(tmp) / "daily"), "--json"],
            ["report", "monthly", "--month", "2021-07", "--out", str(Path(tmp) / "monthly"), "--json"],
            ["export", "answers", "--from", "2021-07-01", "--to", f"2021-07-{args.days:02d}",
             "--out", str(Path(tmp) / "answers.csv"), "--json"],
        ]
        # A first run builds matplotlib's font cache and warms the imports: not counted (a quiet machine
        # measured it at ~40 s CPU on a fresh HOME).
        timed_command(["report", "daily", "--date", "2021-07-02", "--out", str(Path(tmp) / "warm")], env)
        result["open_cases"] = close_cases(args.staff_closed_cases)
        vacuum()
        result["runs"] = []
        wanted = args.only.split(",")
        for run in [r for r in runs if (r[1] if r[0] == "report" else r[0]) in wanted]:
            figures = timed_command(run, env)
            print(json.dumps(figures), file=sys.stderr)
            result["runs"].append(figures)  # type: ignore[attr-defined]
        if args.keep_output:
            import shutil
            for name in ("daily", "monthly", "answers.csv"):
                if (Path(tmp) / name).exists():
                    (shutil.copytree if (Path(tmp) / name).is_dir() else shutil.copy)(
                        Path(tmp) / name, args.keep_output / name)
    result["load_average_at_end"] = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    if not args.keep:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        admin.dispose()
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
