"""The monthly report for the chairman: the daily figures day by day, and their sum for the month.

Figures only, no names: the summary (by category, district, commune and campaign) and the hotline, one
block of rows per day; the month's row adds the days up (person-days: someone called on five days counts
five times in "called"). The hotline's month row is computed over the month's calls (its waits are
averages, which do not add up).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ivr import formats
from ivr.logs import get_logger
from ivr.reports.daily import OutputItem, ReportBuilder, ReportDeps, Written, area_slug, summary_json, write_set
from ivr.reports.facts import days_window, month_days
from ivr.reports.figures import Figures, hotline_figures
from ivr.reports.sheets import hotline_sheet, summary_rows, summary_sheet, total_row
from ivr.reports.writers import csv_of, xlsx_of

log = get_logger(__name__)
MONTH_LABEL = "Cả tháng"


def parse_month(value: str) -> tuple[int, int]:
    """'07/2021' or '2021-07' -> (2021, 7) (see ivr.formats)."""
    return formats.parse_month(value)


def write_monthly(deps: ReportDeps, year: int, month: int, out_dir: Path, operator: str) -> Written:
    days = month_days(year, month)
    # A day at a time, counted by the database (the daily report's rules in SQL, ReportBuilder.figures): a
    # month of a province is a million attempts; read at once they took gigabytes, and summarised in Python
    # ~2 s a day (issue 18). Only the figures of each day are kept.
    builder = ReportBuilder(deps)
    span = days_window(days[0], days[-1], deps.zone)
    scripts = deps.queries.answer_scripts(span)
    data = [builder.figures(day, scripts) for day in days]
    total = sum((d.summary.total for d in data), Figures())
    calls = deps.queries.inbound_calls(span) if deps.area is None else []
    month_hotline = hotline_figures(calls, deps.rules.flagged_owners(deps.queries.inbound_answers(c.id for c in calls)))
    rows: list[list[Any]] = []
    for d in data:
        rows += summary_rows(d.day, d.summary, d.campaigns, deps.unit_level)
    rows.append(total_row(MONTH_LABEL, total))
    sheets = [summary_sheet(rows),
              hotline_sheet([*((d.day, d.hotline) for d in data), (MONTH_LABEL, month_hotline)])]
    stem = f"bao-cao-thang-{year:04d}-{month:02d}{area_slug(deps.area)}"
    items = [OutputItem(out_dir / f"{stem}.xlsx", "report.monthly.xlsx", sheets, xlsx_of(sheets))]
    for sheet in sheets:
        items.append(OutputItem(out_dir / f"{stem}_{sheet.slug}.csv", f"report.monthly.{sheet.slug}.csv", [sheet],
                                csv_of(sheet)))

    def per_day(path: Path) -> None:
        from ivr.reports import charts  # matplotlib: loaded where the chart is drawn (a child process)
        charts.per_day([(d.day, d.summary.total) for d in data],
                       f"Kết quả gọi theo ngày, tháng {month:02d}/{year}" + (f", {deps.area}" if deps.area else ""),
                       path)

    items.append(OutputItem(out_dir / f"{stem}_theo-ngay.png", "report.monthly.chart", [], per_day, apart="chart"))
    paths = write_set(deps, items, operator=operator, action="report.monthly",
                      obj=f"month:{year:04d}-{month:02d}" + (f" area={deps.area}" if deps.area else ""),
                      rows=len(rows))
    log.info("report.monthly", month=f"{year:04d}-{month:02d}", files=len(paths))
    figures = {"month": f"{year:04d}-{month:02d}", "days": [summary_json(d) for d in data],
               "month_total": total.as_dict(), "month_hotline": month_hotline.as_dict()}
    return Written(tuple(paths), figures)
