"""The daily report: a workbook (summary, urgent list, manual follow-up, hotline), a CSV per sheet and
two PNG charts, written together into one folder, registered and audited.

``ReportBuilder`` reads a span of days once and computes each day's figures and lists; the monthly report
and the answers export use it too, so the three always agree.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar
from zoneinfo import ZoneInfo

from ivr.contacts.text import strip_accents
from ivr.logs import get_logger
from ivr.reports import labels, units
from ivr.reports.cases import (
    AnswerCase, FollowUpCase, follow_up_cases, hotline_answer_cases, robot_answer_cases, sort_cases,
)
from ivr.reports.facts import AnswerFact, CampaignInfo, InboundFact, Window, day_window, days_window
from ivr.reports.figures import (
    AWAY, COMPLETED, DONE, OPTED_OUT, Figures, HotlineFigures, Summary, calls_per_hour, hotline_figures, summarise,
    summary_of_groups,
)
from ivr.reports.queries import FIGURE_NAMES, ReportQueries
from ivr.reports.sheets import (
    answer_sheet, cases_sheet, follow_up_sheet, hotline_sheet, not_called_sheet, summary_rows, summary_sheet,
)
from ivr.reports.symptoms import SymptomRules
from ivr.reports.parallel import Jobs, can_fork, started
from ivr.reports.writers import OutputSet, Sheet, sha256_of, xlsx_and_csvs_of
from ivr.storage.cases import OpenCase
from ivr.storage.stops import StoppedRow
from ivr.storage.written_files import PENDING, FileRegister, FileToRegister

T = TypeVar("T")
log = get_logger(__name__)


@dataclass(frozen=True)
class ReportDeps:
    """What every report needs, handed in by the composition root (ivr.cli.report)."""

    queries: ReportQueries
    register: FileRegister
    rules: SymptomRules
    zone: ZoneInfo
    clock: Callable[[], dt.datetime]
    # The cases still to act on, opened before a moment (synced first), and who is not called: the
    # "Cần xử lý" and "Dừng gọi" sheets. None: a report without them (the tests of the figures).
    cases: Callable[[dt.datetime], Sequence[OpenCase]] | None = None
    not_called: Callable[[], Sequence[StoppedRow]] | None = None
    # reports.unit_level (ivr/reports/units.py), and --area: only the people of one commune/ward or district
    # (hotline callers, who give no address, are then left out).
    unit_level: str = units.AUTO
    area: str | None = None
    # Several cores at once (ivr.reports.parallel): the open cases read while the day is counted, the heavy
    # files written by child processes. The command line's reports; not the web console's (its worker threads
    # make forking unsafe: Jobs would refuse anyway).
    parallel: bool = False


@dataclass(frozen=True)
class DayData:
    day: dt.date
    summary: Summary
    campaigns: dict[int, CampaignInfo]
    hotline: HotlineFigures
    per_hour: dict[int, dict[str, int]]
    urgent: list[AnswerCase]
    follow_up: list[FollowUpCase]
    answered: list[AnswerCase]  # everyone who answered at least one question (the export)


class ReportBuilder:
    def __init__(self, deps: ReportDeps) -> None:
        self.deps = deps

    def days(self, days: Sequence[dt.date], *, lists: bool, answered: bool = True) -> list[DayData]:
        """Figures (and with ``lists``, the people in the lists) of each day, from one read of the span.
        ``answered=False``: no list of everyone who answered (the daily report shows only the urgent and
        follow-up lists): the attempts with a symptom answer are then found by the database and only the
        urgent cases' answers are read (issue 18: not the 70,000 answers of a province's day)."""
        d, zone = self.deps, self.deps.zone
        span = days_window(min(days), max(days), zone)
        facts = [f for f in d.queries.attempt_facts(span) if units.in_area(d.area, f.district, f.ward)]
        if lists and not answered:
            choices = {script: d.rules.choices(script) for script in d.queries.answer_scripts(span)}
            symptomatic = d.queries.symptom_attempts(span, choices) | d.queries.purged_symptoms_in(span)
            answers: Sequence[AnswerFact] = []
        else:
            made = [f.id for f in facts if f.started_at in span]
            answers = d.queries.answers(made)
            symptomatic = d.rules.flagged_owners(answers) | d.queries.purged_symptoms(made)
        calls = d.queries.inbound_calls(span) if d.area is None else []
        call_answers = d.queries.inbound_answers(c.id for c in calls)
        symptomatic_calls = d.rules.flagged_owners(call_answers)
        campaigns = d.queries.campaigns({f.campaign_id for f in facts})
        out = []
        for day in days:
            window = day_window(day, zone)
            summary = summarise(facts, window, symptomatic)
            todays_calls = [c for c in calls if c.started_at in window]
            urgent: list[AnswerCase] = []
            follow_up: list[FollowUpCase] = []
            answered_cases: list[AnswerCase] = []
            if lists:
                if not answered:  # the answers of the urgent cases' attempts of the day only
                    answers = d.queries.answers(
                        a.id for case in summary.with_flag("symptomatic") for a in summary.attempts[case]
                        if a.started_at in window)
                urgent, follow_up, answered_cases = self._lists(day, window, summary, answers, todays_calls,
                                                                call_answers, campaigns, answered=answered)
            out.append(DayData(day, summary, campaigns, hotline_figures(todays_calls, symptomatic_calls),
                               calls_per_hour(facts, window, zone), urgent, follow_up, answered_cases))
        return out

    def figures(self, day: dt.date, scripts: Iterable[str] | None = None) -> DayData:
        """The figures of one day, counted by the database (no list, no calls per hour): the monthly report.
        The same rules as ``days`` (ivr.reports.figures.case_flags; tests/reports/test_figures.py checks
        that both agree on the seeded ledger)."""
        d, zone = self.deps, self.deps.zone
        window = day_window(day, zone)
        # The scripts whose symptom choices to look for: those of the day's answers, or more (``scripts``, read
        # once for a month: a choice of a script nobody answered that day matches nothing).
        scripts = d.queries.answer_scripts(window) if scripts is None else scripts
        choices = {script: d.rules.choices(script) for script in scripts}
        counts = d.queries.day_counts(window, choices, completed=COMPLETED, away=AWAY, opted_out=OPTED_OUT,
                                      done=DONE)
        groups = [(g.category, g.district, g.ward, g.campaign_id, Figures(**dict(zip(FIGURE_NAMES, g.counts)))) for g in counts
                  if units.in_area(d.area, g.district, g.ward)]
        summary = summary_of_groups(window, groups)
        calls = d.queries.inbound_calls(window) if d.area is None else []
        hotline = hotline_figures(calls, d.rules.flagged_owners(d.queries.inbound_answers(c.id for c in calls)))
        return DayData(day, summary, d.queries.campaigns(summary.by_campaign), hotline, {}, [], [], [])

    def _lists(self, day: dt.date, window: Window, summary: Summary, answers: Sequence[AnswerFact],
               calls: Sequence[InboundFact], call_answers: Sequence[AnswerFact],
               campaigns: dict[int, CampaignInfo], *, answered: bool = True,
               ) -> tuple[list[AnswerCase], list[FollowUpCase], list[AnswerCase]]:
        """The urgent list, the manual follow-up list and everyone who answered (with ``answered``), of one
        day."""
        d = self.deps
        answered_attempts = {a.owner for a in answers}
        with_answers = [case for case, attempts in summary.attempts.items()
                        if any(a.id in answered_attempts and a.started_at in window for a in attempts)] \
            if answered else []
        listed = set(summary.with_flag("symptomatic")) | set(summary.with_flag("unreachable")) | set(with_answers)
        people = d.queries.people(contact for _, contact in listed)
        urgent = robot_answer_cases(day, summary, summary.with_flag("symptomatic"), answers, people, campaigns,
                                    d.rules, d.zone)
        urgent += hotline_answer_cases(day, calls, call_answers, d.rules, d.zone, only_symptomatic=True)
        everyone: list[AnswerCase] = []
        if answered:
            everyone = robot_answer_cases(day, summary, sorted(with_answers), answers, people, campaigns, d.rules,
                                          d.zone)
            everyone += hotline_answer_cases(day, calls, call_answers, d.rules, d.zone, only_symptomatic=False)
        return sort_cases(urgent), follow_up_cases(day, summary, people, campaigns, d.zone), sort_cases(everyone)


def summary_json(data: DayData) -> dict[str, Any]:
    """The figures of one day as --json prints them."""
    s = data.summary
    return {
        "date": data.day.isoformat(),
        "total": s.total.as_dict(),
        "by_category": [{"category": c, **f.as_dict()} for c, f in s.by_category.items()],
        "by_district": [{"district": d, **f.as_dict()} for d, f in s.by_district.items()],
        "by_commune": [{"district": d, "commune": w, **f.as_dict()} for (d, w), f in s.by_commune.items()],
        "by_campaign": [{"campaign_id": cid, "script": data.campaigns[cid].script_name if cid in data.campaigns
                         else None, **f.as_dict()} for cid, f in s.by_campaign.items()],
        "hotline": data.hotline.as_dict(),
    }


@dataclass(frozen=True)
class Written:
    """What a report or export wrote, for the command's output."""

    files: tuple[Path, ...]
    figures: dict[str, Any]


@dataclass(frozen=True)
class OutputItem:
    """A file of a report: where it goes, its kind in the register, the sheets it holds (whose data), how it
    is written, and ``apart``: for a heavy file (the workbook, the charts), the name of the child process that
    may write it while the rest are written (files of the same name: one child; ivr.reports.parallel)."""

    path: Path
    kind: str
    sheets: Sequence[Sheet]
    produce: Callable[[Path], None]
    apart: str | None = None


def write_set(deps: ReportDeps, items: Sequence[OutputItem], *, operator: str, action: str, obj: str,
              rows: int, then: Callable[[], Sequence[OutputItem]] | None = None) -> list[Path]:
    """Write files all or nothing. They are registered first, with whose data they will hold (``reserve``),
    so that a report stopped half-way leaves no file the purge cannot find; once all are written, their
    checksums and the audit entry are one transaction (``complete``), then they are renamed into place. A
    failure removes the files and withdraws the registrations. With ``deps.parallel``, child processes
    write the heavy files while this process registers them (in a thread) and writes the rest (issue 18,
    item 6). ``then``: more files, made by this process once the children of ``items`` are started (the
    charts are drawn while the workbook's sheets are made)."""
    at = deps.clock()
    with OutputSet() as out:
        jobs = Jobs(deps.parallel)
        everything: list[OutputItem] = []
        temps: list[Path] = []
        ids: list[int] = []

        def begin(batch: Sequence[OutputItem]) -> None:
            """Place the files, and start the children of the heavy ones (one per ``apart`` name)."""
            children: dict[str, list[tuple[Callable[[Path], None], Path]]] = {}
            for item in batch:
                everything.append(item)
                temps.append(out.place(item.path))
                if jobs.forking and item.apart is not None:
                    children.setdefault(item.apart, []).append((item.produce, temps[-1]))
            for files_of_child in children.values():
                jobs.start_all(files_of_child)

        try:
            try:
                begin(items)
                if then is not None:
                    begin(then())
                files = [FileToRegister(str(item.path.resolve()), item.kind, PENDING,
                                        sum(len(s.rows) for s in item.sheets),
                                        frozenset().union(*(s.contact_ids for s in item.sheets)),
                                        frozenset().union(*(s.inbound_call_ids for s in item.sheets)))
                             for item in everything]
                # Forked (one thread no more needed): the registration's database work runs in a thread
                # while this one writes the CSVs. Otherwise registered before a byte is written.
                reserving = started(True, lambda: deps.register.reserve(files, operator=operator, at=at)) \
                    if jobs.forking else _done(deps.register.reserve(files, operator=operator, at=at))
                try:
                    for item, tmp in zip(everything, temps):
                        if not (jobs.forking and item.apart is not None):
                            item.produce(tmp)
                finally:
                    ids = reserving()
            finally:
                jobs.wait()
            deps.register.complete(ids, [sha256_of(tmp) for tmp in temps], operator=operator, action=action,
                                   obj=obj, rows=rows, at=at)
        except BaseException:
            if ids:
                try:
                    deps.register.cancel(ids)
                except Exception:  # noqa: BLE001 - e.g. the database went away: a PENDING registration of
                    pass  # files never put in place names nothing that exists
            raise
        log.info("report.files", action=action, files=len(everything), children=jobs.started)
        return out.commit()


def _done(value: T) -> Callable[[], T]:
    return lambda: value


def register_written(deps: ReportDeps, files: Sequence[FileToRegister], *, operator: str, action: str, obj: str,
                     rows: int) -> None:
    """Register files just written (whose data they hold) and audit the action in one transaction; a failure
    removes the files again."""
    try:
        deps.register.record(files, operator=operator, action=action, obj=obj, rows=rows, at=deps.clock())
    except BaseException:
        for f in files:
            Path(f.path).unlink(missing_ok=True)
        raise


def chart_units(summary: Summary, level: str = units.AUTO) -> tuple[dict[str, Figures], str]:
    """The figures by administrative unit for the chart, at the configured level, and the level's name."""
    return units.chart_units(summary.by_district, summary.by_commune, level)


def area_slug(area: str | None) -> str:
    """A file-name suffix for a report of one area ("Phường Điện Biên" -> "_phuong-dien-bien")."""
    if area is None:
        return ""
    return "_" + re.sub(r"[^a-z0-9]+", "-", strip_accents(area)).strip("-")


def write_daily(deps: ReportDeps, day: dt.date, out_dir: Path, operator: str) -> Written:
    end_of_day = day_window(day, deps.zone).end
    cases = deps.cases
    open_cases = None if cases is None else started(deps.parallel, lambda: cases(end_of_day))
    data = ReportBuilder(deps).days([day], lists=True, answered=False)[0]
    to_act_on = None if open_cases is None else open_cases()  # the thread ends here: children may be forked
    stem = f"bao-cao-ngay-{day.isoformat()}{area_slug(deps.area)}"
    title = f"{day:%d/%m/%Y}" + (f", {deps.area}" if deps.area else "")
    by_unit, unit = chart_units(data.summary, deps.unit_level)

    def hourly(path: Path) -> None:
        from ivr.reports import charts  # matplotlib: loaded where the chart is drawn (a child process)
        charts.calls_per_hour(data.per_hour, f"Cuộc gọi theo giờ và kết quả, ngày {title}", path)

    def reached(path: Path) -> None:
        from ivr.reports import charts
        charts.reached_by_district(by_unit, f"Liên lạc được và không liên lạc được theo {unit}, ngày {title}", path)

    # The charts need only the figures: their child starts now, while the sheets are made.
    charts = [OutputItem(out_dir / f"{stem}_cuoc-goi-theo-gio.png", "report.daily.chart", [], hourly, apart="charts"),
              OutputItem(out_dir / f"{stem}_lien-lac-theo-huyen.png", "report.daily.chart", [], reached,
                         apart="charts")]

    def tables() -> list[OutputItem]:
        """The workbook and a CSV of each of its sheets."""
        sheets = [summary_sheet(summary_rows(day, data.summary, data.campaigns, deps.unit_level))]
        if to_act_on is not None:
            sheets.append(cases_sheet([c for c in to_act_on if units.in_area(deps.area, c.district, c.ward)],
                                      deps.zone))
        sheets += [answer_sheet(labels.URGENT, "danh-sach-khan", data.urgent), follow_up_sheet(data.follow_up),
                   hotline_sheet([(day, data.hotline)])]
        if deps.not_called is not None:
            sheets.append(not_called_sheet([r for r in deps.not_called()
                                            if units.in_area(deps.area, r.district, r.ward)], deps.zone))
        workbook, csvs = xlsx_and_csvs_of(sheets, ahead=deps.parallel and can_fork())
        return [OutputItem(out_dir / f"{stem}.xlsx", "report.daily.xlsx", sheets, workbook, apart="workbook")] + [
            OutputItem(out_dir / f"{stem}_{sheet.slug}.csv", f"report.daily.{sheet.slug}.csv", [sheet], csv)
            for sheet, csv in zip(sheets, csvs)]

    urgent, follow_up = len(data.urgent), len(data.follow_up)
    paths = write_set(deps, charts, operator=operator, action="report.daily",
                      obj=f"day:{day.isoformat()}" + (f" area={deps.area}" if deps.area else "")
                      + f" urgent={urgent} follow_up={follow_up}", rows=urgent + follow_up, then=tables)
    log.info("report.daily", day=day.isoformat(), urgent=urgent, follow_up=follow_up, files=len(paths))
    figures = {**summary_json(data), "urgent": urgent, "follow_up": follow_up}
    return Written(tuple(paths), figures)
