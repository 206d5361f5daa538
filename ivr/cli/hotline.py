"""`robocall hotline calls|callbacks|done`: the inbound ledger and the call-backs staff owe residents."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ivr.cli import Context, main
from ivr.storage.hotline import HotlineStore

OUTCOME_VI = {
    "staff": "nhân viên đã nghe", "callback_requested": "xin gọi lại", "abandoned": "bỏ máy khi chờ",
    "declared": "đã khai báo", "staff_unavailable": "không có nhân viên", "no_input": "không nhấn phím",
    "informed": "nghe thông tin", "hung_up": "gác máy sớm", "rejected": "từ chối (đang dừng)", "failed": "lỗi",
}


def _store(ctx: Context) -> HotlineStore:
    return ctx.app.hotline


def _local(at: dt.datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%d/%m %H:%M") if at else ""


@main.group("hotline")
def hotline_group() -> None:
    """The inbound hotline's ledger and call-back tasks."""


@hotline_group.command("calls")
@click.option("--limit", default=50, show_default=True, help="How many of the newest calls.")
@click.option("--json", "as_json", is_flag=True, help="Print the calls as a JSON list.")
@click.pass_obj
def calls(ctx: Context, limit: int, as_json: bool) -> None:
    """The newest inbound calls: caller, time, path through the menu, wait, who answered, outcome."""
    store = _store(ctx)
    rows = store.inbound_calls(limit)
    store.audit_read(ctx.who(), "hotline.calls", "inbound_calls", [c.id for c in rows], ctx.app.clock())
    if as_json:
        click.echo(json.dumps([{
            "id": c.id, "caller": c.caller_e164, "started_at": c.started_at.isoformat(), "path": list(c.path),
            "after_hours": c.after_hours, "queue_wait_seconds": c.queue_wait_seconds, "answered_by": c.answered_by,
            "abandoned": c.abandoned, "outcome": c.outcome, "script_result": c.script_result,
            "campaign_id": c.campaign_id, "attempt_id": c.attempt_id} for c in rows], ensure_ascii=False))
        return
    zone = ZoneInfo(ctx.settings.hotline.timezone)
    table = Table(title=f"Cuộc gọi đến đường dây nóng ({len(rows)})", box=box.SIMPLE_HEAD, pad_edge=False)
    for header, wrap in (("Mã", False), ("Số gọi đến", False), ("Lúc", False), ("Các bước", True), ("Chờ", False),
                         ("Người nghe", False), ("Kết quả", True)):
        table.add_column(header, no_wrap=not wrap, overflow="fold" if wrap else "ellipsis")
    for c in rows:
        table.add_row(str(c.id), c.caller_e164 or "(ẩn số)", _local(c.started_at, zone), " › ".join(c.path),
                      f"{c.queue_wait_seconds:.0f} s" if c.queue_wait_seconds is not None else "",
                      c.answered_by or "", OUTCOME_VI.get(c.outcome or "", c.outcome or "đang gọi"))
    Console().print(table)


@hotline_group.command("callbacks")
@click.option("--all", "show_all", is_flag=True, help="Also the call-backs already done or cancelled.")
@click.pass_obj
def callbacks(ctx: Context, show_all: bool) -> None:
    """Residents who asked staff to call them back, oldest first."""
    store = _store(ctx)
    tasks = store.callback_tasks(None if show_all else "open")
    store.audit_read(ctx.who(), "hotline.callbacks", "callback_tasks", [t.id for t in tasks], ctx.app.clock())
    zone = ZoneInfo(ctx.settings.hotline.timezone)
    table = Table(title=f"Yêu cầu gọi lại ({len(tasks)})", box=box.SIMPLE_HEAD, pad_edge=False)
    for header in ("Mã", "Số cần gọi lại", "Yêu cầu lúc", "Trạng thái", "Người xử lý"):
        table.add_column(header, no_wrap=True)
    states = {"open": "chưa gọi", "done": "đã gọi lại", "cancelled": "đã hủy"}
    for t in tasks:
        table.add_row(str(t.id), t.phone_e164, _local(t.requested_at, zone), states[t.status], t.done_by or "")
    Console().print(table)


@hotline_group.command("done")
@click.argument("task_id", type=int)
@click.option("--cancel", is_flag=True, help="Cancel the call-back instead (e.g. the resident called again).")
@click.pass_obj
def done(ctx: Context, task_id: int, cancel: bool) -> None:
    """Mark call-back TASK_ID as done (staff called the resident back)."""
    operator = ctx.who()
    store = _store(ctx)
    store.close_callback_task(task_id, "cancelled" if cancel else "done", operator, ctx.app.clock())
    click.echo(f"Yêu cầu gọi lại số {task_id}: {'đã hủy' if cancel else 'đã gọi lại'}.")
