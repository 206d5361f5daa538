"""Profile one import of the next day's list (every person known), e.g. for item 5 of issue 18.

Not a test. Run from the repository root (TREE: another checkout's root, for a before/after):

    [TREE=/tmp/before] .venv/bin/python bench/profile_import_known.py sqlite|postgresql ROWS [csv|xlsx] [--prof]

Prints the wall and CPU seconds of the new list and of the next day's list, the seconds spent in each kind
of SQL statement (as the driver ran it), and with --prof the cProfile of the next day's import.
"""
import cProfile, pstats, sys, tempfile, time, datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo
import os
TREE = os.environ.get("TREE", ".")
sys.path.insert(0, TREE + "/bench"); sys.path.insert(0, TREE)
import bench_import as b
from ivr.storage.db import make_engine
from ivr.storage.repo import Repository
from ivr.contacts.importer import ContactImporter
from ivr import logs
logs.configure("warning")
dbkind = sys.argv[1]; n = int(sys.argv[2]); fmt = sys.argv[3] if len(sys.argv) > 3 else "csv"
with tempfile.TemporaryDirectory() as tmp:
    work = Path(tmp)
    d1, d2 = work / f"d1.{fmt}", work / f"d2.{fmt}"
    w = b.write_csv if fmt == "csv" else b.write_xlsx
    w(d1, n, 7); w(d2, n, 7)
    if fmt == "csv":
        with d2.open("ab") as f: f.write(b"\n")
    admin = b.postgres_admin() if dbkind == "postgresql" else None
    url, drop = b.fresh_database(dbkind, "p", work, admin)
    eng = make_engine(url)
    import collections
    from sqlalchemy import event
    T = collections.Counter(); N = collections.Counter()
    @event.listens_for(eng, "before_cursor_execute")
    def _b(conn, cursor, statement, params, context, executemany):
        conn.info["t0"] = time.perf_counter()
    @event.listens_for(eng, "after_cursor_execute")
    def _a(conn, cursor, statement, params, context, executemany):
        k = " ".join(statement.split())[:70]; T[k] += time.perf_counter() - conn.info["t0"]; N[k] += 1
    try:
        imp = ContactImporter(Repository(eng), work / "imports", clock=lambda: b.NOW, zone=ZoneInfo("Asia/Ho_Chi_Minh"))
        for label, path, day in (("new", d1, dt.date(2021, 7, 15)), ("update", d2, dt.date(2021, 7, 16))):
            pr = cProfile.Profile() if label == "update" and "--prof" in sys.argv else None
            w0, c0 = time.perf_counter(), time.process_time()
            if pr: pr.enable()
            res = imp.import_file(path, list_date=day, operator="bench")
            if pr: pr.disable()
            print(label, res.imported, res.updated, f"wall {time.perf_counter()-w0:.2f} cpu {time.process_time()-c0:.2f}")
            for k, v in T.most_common(12): print(f"{v:7.3f} {N[k]:5d} {k}")
            T.clear(); N.clear()
            if pr:
                pstats.Stats(pr).sort_stats("cumulative").print_stats(40)
                pstats.Stats(pr).sort_stats("tottime").print_stats(25)
    finally:
        eng.dispose(); drop()
