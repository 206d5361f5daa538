"""Benchmark: hostile workbooks against the list reader, before and after the bounded checks (issues 16, 18).

Not a test (tests/storage/test_import_bounds.py is): it prints figures. Run from the repository root:

    .venv/bin/python bench/bench_import_bomb.py [--old-tree DIR]

Each bomb is read in its own process (time, peak RSS, what happened), with a 120 s time-out and a 4 GB
address-space limit so that it cannot take the machine:
- sheet-bomb: a workbook whose sheet XML is 1 GB of white space inside <sheetData> (about 1 MB on disk);
- row-bomb: 1,048,576 rows of one cell each and no <dimension> element (about 5 MB on disk).
"new" is this tree's reader (ivr.contacts.readers.read_tables: bounded checks, then python-calamine);
"old" is the reader of another tree (``--old-tree``, e.g. main before issue 18 unpacked with
`git archive 9d920ed ivr | tar -x -C DIR`: openpyxl's read-only mode, no checks).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "lists" / "f1_title_block.xlsx"
READ = """
import sys, resource
sys.path.insert(0, sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
from pathlib import Path
from ivr.contacts.readers import read_tables
from ivr.errors import UserError
try:
    tables = read_tables(Path(sys.argv[2]))
    print("read", sum(len(t.rows) for t in tables), "rows")
except UserError as exc:
    print("refused:", str(exc)[:160])
except MemoryError:
    print("MemoryError")
"""


def with_sheet(target: Path, write_sheet) -> Path:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(FIXTURE) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                info = zipfile.ZipInfo(item.filename)
                info.compress_type = zipfile.ZIP_DEFLATED
                with out.open(info, "w", force_zip64=True) as sheet:
                    write_sheet(sheet)
            else:
                out.writestr(item, src.read(item))
    return target


def sheet_bomb(sheet) -> None:  # type: ignore[no-untyped-def]
    sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    block = b" " * (1 << 20)
    for _ in range(1024):
        sheet.write(block)
    sheet.write(b"</sheetData></worksheet>")


def row_bomb(sheet) -> None:  # type: ignore[no-untyped-def]
    sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for r in range(1, 1_048_577):
        sheet.write(b'<row r="%d"><c r="A%d" t="n"><v>1</v></c></row>' % (r, r))
    sheet.write(b"</sheetData></worksheet>")


def read(tree: Path, path: Path, timeout: float = 120.0) -> dict[str, object]:
    """Read ``path`` with the reader of ``tree`` in a child process: seconds, peak RSS, what it said."""
    before = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen([sys.executable, "-c", READ, str(tree), str(path)], stdout=out,
                                 stderr=subprocess.STDOUT)
        deadline, timed_out = time.monotonic() + timeout, False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                child.kill()
                _, status, usage = os.wait4(child.pid, 0)
                timed_out = True
                break
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        said = out.read().decode(errors="replace").strip().splitlines()
    outcome = f"stopped after {timeout:.0f} s" if timed_out else (said[-1][:200] if said else f"exit {child.returncode}")
    return {"seconds": round(time.perf_counter() - before, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "outcome": outcome}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old-tree", type=Path, default=None)
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-bomb-") as tmp:
        for name, writer in (("sheet-bomb", sheet_bomb), ("row-bomb", row_bomb)):
            path = with_sheet(Path(tmp) / f"{name}.xlsx", writer)
            for label, tree in (("new", ROOT), ("old", args.old_tree)):
                if tree is None:
                    continue
                figures = {"file": name, "file_mb": round(path.stat().st_size / (1 << 20), 2), "reader": label,
                           **read(tree, path)}
                print(json.dumps(figures, ensure_ascii=False), file=sys.stderr)
                results.append(figures)
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load average at the end: {load}")
    print("| file | size on disk | reader | seconds | peak RSS | outcome |\n|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['file']} | {r['file_mb']} MB | {r['reader']} | {r['seconds']} | {r['peak_rss_mb']} MB | "
              f"{r['outcome']} |")


if __name__ == "__main__":
    main()
