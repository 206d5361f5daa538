"""Compare two folders of reports (e.g. `bench_reports.py --keep-output` of two versions): same file names,
every CSV byte-identical, every workbook cell-identical (sheet names and order, values, number formats, bold,
column widths, frozen pane, filter), every PNG byte-identical or reported. Exit 1 on any difference.

    .venv/bin/python bench/compare_reports.py /tmp/before/daily /tmp/after/daily
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def sheet_facts(path: Path) -> dict[str, Any]:
    workbook = load_workbook(path)
    out: dict[str, Any] = {"sheets": workbook.sheetnames}
    for ws in workbook.worksheets:
        out[ws.title] = {
            "cells": [[(c.value, c.number_format, bool(c.font and c.font.b)) for c in row] for row in ws.iter_rows()],
            "widths": {k: d.width for k, d in sorted(ws.column_dimensions.items())},
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
        }
    return out


def first_difference(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    if a["sheets"] != b["sheets"]:
        return f"sheets {a['sheets']} != {b['sheets']}"
    for name in a["sheets"]:
        for key in ("widths", "freeze", "filter"):
            if a[name][key] != b[name][key]:
                return f"{name}: {key} {a[name][key]} != {b[name][key]}"
        rows_a, rows_b = a[name]["cells"], b[name]["cells"]
        if len(rows_a) != len(rows_b):
            return f"{name}: {len(rows_a)} rows != {len(rows_b)}"
        for i, (ra, rb) in enumerate(zip(rows_a, rows_b), start=1):
            if ra != rb:
                return f"{name}: row {i}: {ra} != {rb}"
    return None


def compare(before: Path, after: Path) -> list[str]:
    names_a = sorted(p.name for p in before.iterdir())
    names_b = sorted(p.name for p in after.iterdir())
    problems = [] if names_a == names_b else [f"files {names_a} != {names_b}"]
    for name in sorted(set(names_a) & set(names_b)):
        a, b = before / name, after / name
        if name.endswith(".xlsx"):
            cells = 0
            facts_a, facts_b = sheet_facts(a), sheet_facts(b)
            difference = first_difference(facts_a, facts_b)
            for sheet in facts_a["sheets"]:
                cells += sum(len(r) for r in facts_a[sheet]["cells"])
            print(f"{name}: {len(facts_a['sheets'])} sheets, {cells} cells: "
                  + ("identical" if difference is None else f"DIFFERENT: {difference}"))
            if difference is not None:
                problems.append(f"{name}: {difference}")
        else:
            same = a.read_bytes() == b.read_bytes()
            print(f"{name}: {'byte-identical' if same else 'DIFFERENT'}")
            if not same:
                problems.append(name)
    return problems


if __name__ == "__main__":
    found = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    for problem in found:
        print("difference:", problem, file=sys.stderr)
    sys.exit(1 if found else 0)
