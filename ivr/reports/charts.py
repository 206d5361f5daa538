"""PNG charts of a day, drawn with matplotlib's Agg renderer (no display needed), Vietnamese labels.

- calls per hour by outcome: stacked bars, one colour per outcome, local hours 0-23;
- reached versus unreachable after all attempts, by district or commune/ward: paired horizontal bars;
- a month day by day: people called, reached, completed and with symptoms, as lines.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402 - after choosing the backend
from matplotlib.ticker import MaxNLocator  # noqa: E402

from ivr.reports import labels  # noqa: E402
from ivr.reports.figures import Figures  # noqa: E402

CHART_SIZE = (11.0, 22.0)  # inches at 100 dpi, whatever the number of units: one row of ~13 px per unit at 166
MAX_UNITS = 170  # units drawn in the by-unit chart: every commune/ward of the largest province (166)

# Outcome colours: green for a finished script, red for symptoms, greys/ambers for no contact.
COLOURS = {
    "completed": "#2e7d32", "symptomatic": "#c62828", "wrong_person": "#6a1b9a", "no_input": "#f9a825",
    "hung_up_early": "#ef6c00", "transferred": "#1565c0", "no_answer": "#9e9e9e", "busy": "#616161",
    "rejected": "#8d6e63", "unreachable": "#424242", "congestion": "#b0bec5", "failed": "#000000",
    "redirected": "#795548", "rtp_timeout": "#78909c", "lost": "#37474f",
    "caller_id_refused": "#6d4c41",
    "opted_out": "#ad1457", "stopped": "#880e4f", "invalid": "#d7ccc8", "unavailable": "#ffb74d", "": "#90caf9",
}


def calls_per_hour(counts: Mapping[int, Mapping[str, int]], title: str, path: Path) -> None:
    """Stacked bars of the attempts dialled in each local hour, by outcome ("" = still in progress)."""
    fig = Figure(figsize=(11, 5), dpi=100)
    ax = fig.subplots()
    hours = list(range(24))
    outcomes = sorted({o for per_hour in counts.values() for o in per_hour},
                      key=lambda o: list(COLOURS).index(o) if o in COLOURS else len(COLOURS))
    bottom = [0] * 24
    for outcome in outcomes:
        heights = [counts.get(h, {}).get(outcome, 0) for h in hours]
        ax.bar(hours, heights, bottom=bottom, color=COLOURS.get(outcome, "#795548"),
               label=labels.outcome(outcome or None))
        bottom = [b + v for b, v in zip(bottom, heights)]
    ax.set_xticks(hours)
    ax.set_xlabel(labels.HOUR)
    ax.set_ylabel("Số cuộc gọi")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    if outcomes:
        ax.legend(fontsize=8, ncols=2, loc="upper left")
    else:
        ax.text(0.5, 0.5, "Không có cuộc gọi", transform=ax.transAxes, ha="center", va="center")
    fig.tight_layout()
    fig.savefig(path, format="png")


def reached_by_district(by_district: Mapping[str, Figures], title: str, path: Path) -> None:
    """For each unit (district, or commune/ward): people reached, and people not reached after all attempts.

    Horizontal bars in a picture of fixed size, each bar labelled with its value, so that 27 districts or the
    166 communes and wards of a province after 1 July 2025 stay readable: the bars get thinner, the labels
    smaller, and past MAX_UNITS the units with the most people not reached are shown (the title says so).
    """
    units = sorted(by_district, key=lambda u: (-by_district[u].unreachable, -by_district[u].reached, u))
    shown = units[:MAX_UNITS]
    if len(units) > len(shown):
        title += f" ({len(shown)}/{len(units)} đơn vị có nhiều người không liên lạc được nhất)"
    fig = Figure(figsize=CHART_SIZE, dpi=100)
    ax = fig.subplots()
    ys = list(range(len(shown)))
    height = 0.4
    font = max(5.5, min(9.0, 900 / max(len(shown), 1)))
    reached = [by_district[u].reached for u in shown]
    unreached = [by_district[u].unreachable for u in shown]
    bars_r = ax.barh([y - height / 2 for y in ys], reached, height, color=COLOURS["completed"], label="Nghe máy")
    bars_u = ax.barh([y + height / 2 for y in ys], unreached, height, color=COLOURS["unreachable"],
                     label="Không liên lạc được sau mọi lần gọi")
    for bars in (bars_r, bars_u):
        ax.bar_label(bars, fontsize=font, padding=2)
    ax.set_yticks(ys, shown, fontsize=font)
    ax.invert_yaxis()  # the most people not reached at the top
    ax.set_xlabel("Số người")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(x=0.08, y=0.005)
    ax.set_title(title)
    if shown:
        ax.legend(fontsize=8, loc="lower right")
    else:
        ax.text(0.5, 0.5, "Không có dữ liệu", transform=ax.transAxes, ha="center", va="center")
    fig.tight_layout()
    fig.savefig(path, format="png")


def per_day(days: Sequence[tuple[dt.date, Figures]], title: str, path: Path) -> None:
    """Lines over the days of a month: called, reached, completed, symptomatic."""
    fig = Figure(figsize=(11, 5), dpi=100)
    ax = fig.subplots()
    xs = [d.day for d, _ in days]
    for key, label, colour in (("called", "Đã gọi", "#1565c0"), ("reached", "Nghe máy", "#2e7d32"),
                               ("completed", "Hoàn thành", "#f9a825"), ("symptomatic", "Có triệu chứng", "#c62828")):
        ax.plot(xs, [getattr(f, key) for _, f in days], marker="o", color=colour, label=label)
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_xlabel(labels.DATE)
    ax.set_ylabel("Số người")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
