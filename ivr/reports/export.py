"""Extracting answers on request (tracing): one row per person and day with their answers, the same
columns as the daily urgent list, for a span of days and optionally one category. .xlsx or .csv.

Who answered at least one question counts: robot calls (the person's category on the campaign) and
self-declarations on the hotline (the category the caller declared: F1, F2 or Khác).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from ivr.errors import UserError
from ivr.formats import show_date
from ivr.i18n import _
from ivr.logs import get_logger
from ivr.reports import labels
from ivr.reports.cases import AnswerCase, sort_cases
from ivr.reports.daily import ReportBuilder, ReportDeps, Written, register_written
from ivr.reports.facts import days_window
from ivr.reports.sheets import answer_headers, answer_row
from ivr.reports.writers import OutputSet, sha256_of, write_xlsx_rows
from ivr.spreadsheet import write_csv
from ivr.storage.written_files import FileToRegister

log = get_logger(__name__)
MAX_DAYS = 366
FORMATS = (".xlsx", ".csv")


def export_answers(deps: ReportDeps, first: dt.date, last: dt.date, category: str | None, out: Path,
                   operator: str) -> Written:
    """Write the answers of the days ``first``..``last`` to ``out``, streaming: the span is read and written a
    day at a time (one day's attempts and answers in memory, never the month's), rows go to the file as
    they are made, and the file is renamed into place, registered and audited once complete."""
    if last < first:
        raise UserError(_("--to {last} is before --from {first}").format(last=show_date(last), first=show_date(first)))
    if (last - first).days + 1 > MAX_DAYS:
        raise UserError(_("--from {first} --to {last}: at most {n} days at a time").format(
            first=show_date(first), last=show_date(last), n=MAX_DAYS))
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(_("--out {out}: the file name must end in .xlsx or .csv").format(out=out))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    # The answer columns must be known before the first row: the questions answered in the whole span.
    questions = labels.question_order(deps.queries.answered_questions(days_window(first, last, deps.zone)))
    headers = answer_headers(questions)
    seen = _Seen()
    rows = (answer_row(seen.add(c), questions) for c in _answered(deps, days, category))
    with OutputSet() as output:
        if suffix == ".xlsx":
            output.write(out, lambda path: write_xlsx_rows(path, labels.ANSWERS, headers, rows))
        else:
            output.write(out, lambda path: write_csv(path, headers, rows))
        (path,) = output.commit()
    what = f"from:{first.isoformat()} to:{last.isoformat()} category:{category or 'all'}" + (
        f" area:{deps.area}" if deps.area else "")
    register_written(deps, [FileToRegister(str(path.resolve()), f"export.answers{suffix}", sha256_of(path),
                                           seen.rows, frozenset(seen.contact_ids),
                                           frozenset(seen.inbound_call_ids))],
                     operator=operator, action="export.answers", obj=what, rows=seen.rows)
    log.info("export.answers", first=first.isoformat(), last=last.isoformat(), category=category, rows=seen.rows)
    return Written((path,), {"from": first.isoformat(), "to": last.isoformat(), "category": category,
                             "rows": seen.rows, "people": len(seen.contact_ids),
                             "hotline_calls": len(seen.inbound_call_ids)})


def _answered(deps: ReportDeps, days: Sequence[dt.date], category: str | None) -> Iterator[AnswerCase]:
    """Everyone who answered, day after day (each day read only when the previous one is written)."""
    builder = ReportBuilder(deps)
    for day in days:
        (data,) = builder.days([day], lists=True)
        yield from sort_cases([c for c in data.answered if category is None or c.category == category])


@dataclass
class _Seen:
    """What the rows written so far hold: their number and whose data (for the register of written files)."""

    rows: int = 0
    contact_ids: set[int] = field(default_factory=set)
    inbound_call_ids: set[int] = field(default_factory=set)

    def add(self, case: AnswerCase) -> AnswerCase:
        self.rows += 1
        if case.person and not case.person.purged:
            self.contact_ids.add(case.person.contact_id)
        if case.inbound_call_id is not None and case.phone_e164:
            self.inbound_call_ids.add(case.inbound_call_id)
        return case
