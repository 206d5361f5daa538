"""`export answers` streams (issue 18 item 6): a month is read and written a day at a time.

A spy on the report queries records every span of time read; a spy on the row maker records every row
made. Streaming means each read covers one day, and every row of a day is made (and handed to the file
writer) before the next day is read: the whole span is never in memory at once.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ivr.reports import export
from ivr.reports.daily import ReportDeps
from ivr.reports.facts import Window
from ivr.reports.queries import ReportQueries

from seed import D, Seeded


class SpyQueries(ReportQueries):
    def __init__(self, engine: Engine, log: list[tuple[str, object]]) -> None:
        super().__init__(engine)
        self.log = log

    def attempt_facts(self, window: Window):  # type: ignore[no-untyped-def]
        self.log.append(("read", window))
        return super().attempt_facts(window)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_export_reads_a_day_then_writes_it(deps: ReportDeps, engine: Engine, seeded: Seeded, out: Path,
                                               monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    log: list[tuple[str, object]] = []
    spied = dataclasses.replace(deps, queries=SpyQueries(engine, log))
    make_row = export.answer_row
    monkeypatch.setattr(export, "answer_row", lambda case, questions: log.append(("row", case.day))
                        or make_row(case, questions))
    first, last = D - dt.timedelta(days=1), D + dt.timedelta(days=1)
    written = export.export_answers(spied, first, last, None, out / f"a{suffix}", "test")

    reads = [w for kind, w in log if kind == "read"]
    assert len(reads) == 3, "one read per day"
    assert all(isinstance(w, Window) and w.end - w.start <= dt.timedelta(hours=25) for w in reads)
    # Every row of a day is made before the next day is read.
    order = [("read", None) if kind == "read" else ("row", value) for kind, value in log]
    day_of_read = iter([first, first + dt.timedelta(days=1), last])
    current = None
    for kind, value in order:
        if kind == "read":
            current = next(day_of_read)
        else:
            assert value == current, f"a row of {value} made while the day read last was {current}"
    rows = [v for k, v in order if k == "row"]
    assert written.figures["rows"] == len(rows) > 0
    assert len(set(rows)) >= 2, "the seeded span has answers on several days"
