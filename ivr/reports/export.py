"""Extracting answers on request (tracing): one row per person and day with their answers, the same
columns as the daily urgent list, for a span of days and optionally one category. .xlsx or .csv.

Who answered at least one question counts: robot calls (the person's category on the campaign) and
self-declarations on the hotline (the category the caller declared: F1, F2 or Khác).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ivr.errors import UserError
from ivr.formats import show_date
from ivr.i18n import _
from ivr.logs import get_logger
from ivr.reports import labels
from ivr.reports.cases import sort_cases
from ivr.reports.daily import ReportBuilder, ReportDeps, Written, write_set
from ivr.reports.sheets import answer_sheet
from ivr.reports.writers import csv_of, xlsx_of

log = get_logger(__name__)
MAX_DAYS = 366
FORMATS = (".xlsx", ".csv")


def export_answers(deps: ReportDeps, first: dt.date, last: dt.date, category: str | None, out: Path,
                   operator: str) -> Written:
    if last < first:
        raise UserError(_("--to {last} is before --from {first}").format(last=show_date(last), first=show_date(first)))
    if (last - first).days + 1 > MAX_DAYS:
        raise UserError(_("--from {first} --to {last}: at most {n} days at a time").format(
            first=show_date(first), last=show_date(last), n=MAX_DAYS))
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(_("--out {out}: the file name must end in .xlsx or .csv").format(out=out))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    cases = [c for d in ReportBuilder(deps).days(days, lists=True) for c in d.answered
             if category is None or c.category == category]
    sheet = answer_sheet(labels.ANSWERS, "cau-tra-loi", [*sorted(sort_cases(cases), key=lambda c: c.day)])
    produce = xlsx_of([sheet]) if suffix == ".xlsx" else csv_of(sheet)
    what = f"from:{first.isoformat()} to:{last.isoformat()} category:{category or 'all'}" + (
        f" area:{deps.area}" if deps.area else "")
    paths = write_set(deps, [(out, f"export.answers{suffix}", [sheet], produce)], operator=operator,
                      action="export.answers", obj=what, rows=len(sheet.rows))
    log.info("export.answers", first=first.isoformat(), last=last.isoformat(), category=category,
             rows=len(sheet.rows))
    return Written(tuple(paths), {"from": first.isoformat(), "to": last.isoformat(), "category": category,
                                  "rows": len(sheet.rows), "people": len(sheet.contact_ids),
                                  "hotline_calls": len(sheet.inbound_call_ids)})
