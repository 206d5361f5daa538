"""`robocall purge`: delete personal data past retention (database, audio cache, list copies, reports)."""
from __future__ import annotations

import json

import click

from ivr import app
from ivr.clock import utcnow
from ivr.cli import Context, main
from ivr.cli.contacts import contacts
from ivr.cli.report import zone
from ivr.retention import PurgeResult, Purger
from ivr.storage.db import open_database
from ivr.storage.retention import PurgeStore
from ivr.storage.written_files import FileRegister


@main.command("purge")
@click.option("--older-than", "days", type=int, default=None, metavar="DAYS",
              help="Purge people last seen on a list more than DAYS days ago (default: retention_days).")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@click.option("--operator", default=None, help="Who runs the purge, for the audit log.")
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
@click.pass_obj
def purge(ctx: Context, days: int | None, dry_run: bool, operator: str | None, as_json: bool) -> None:
    """Remove the personal data of contacts past retention whose calls are over, and of old hotline calls."""
    s = ctx.settings
    engine = open_database(s)
    try:
        purger = Purger(PurgeStore(engine), FileRegister(engine), app.audio_library(s), app.script_loader(s),
                        zone(s), utcnow)
        result = purger.run(days if days is not None else s.retention_days, ctx.who(operator), dry_run=dry_run)
    finally:
        engine.dispose()
    _show(result, dry_run, as_json)


@contacts.command("erase")
@click.argument("who", metavar="PHONE|ID")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@click.option("--operator", default=None, help="A name added to the OS user in the audit log.")
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
@click.pass_obj
def erase(ctx: Context, who: str, dry_run: bool, operator: str | None, as_json: bool) -> None:
    """Erase one person's personal data on request: a phone number (everyone on that phone and its hotline
    calls) or a contact id (column ID of `contacts list`). Database, personalised audio, reports; audited."""
    s = ctx.settings
    engine = open_database(s)
    try:
        purger = Purger(PurgeStore(engine), FileRegister(engine), app.audio_library(s), app.script_loader(s),
                        zone(s), utcnow)
        result = purger.erase(who, ctx.who(operator), dry_run=dry_run)
    finally:
        engine.dispose()
    _show(result, dry_run, as_json, erase=True)


def _show(result: PurgeResult, dry_run: bool, as_json: bool, erase: bool = False) -> None:
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    c = result.counts
    verb = "Sẽ xóa" if dry_run else "Đã xóa"
    if erase:
        click.echo(f"{verb} dữ liệu cá nhân theo yêu cầu:")
    else:
        click.echo(f"{verb} dữ liệu cá nhân của người có mặt trong danh sách lần cuối trước ngày "
                   f"{result.cutoff:%d/%m/%Y}:")
    click.echo(f"  {c.contacts} người, {c.households} số điện thoại hộ, {c.answers} câu trả lời")
    if not dry_run:
        click.echo(f"  đường dây nóng: {c.inbound_calls} số người gọi, {c.inbound_answers} câu trả lời, "
                   f"{c.callback_tasks} yêu cầu gọi lại")
    click.echo(f"  {result.audio_files} tệp âm thanh cá nhân hóa, {result.import_files} tệp danh sách đã nhập, "
               f"{result.written_files} báo cáo/tệp trích xuất")
    if result.kept_in_flight:
        click.echo(f"  giữ lại {result.kept_in_flight} người còn cuộc gọi đang chờ hoặc đang gọi")
    for path in result.changed_files:
        click.echo(f"  KHÔNG xóa (tệp đã bị sửa sau khi hệ thống ghi, cần xóa thủ công): {path}")
    for name in result.scripts_unavailable:
        click.echo(f"  không tìm được kịch bản {name}: âm thanh cá nhân hóa của kịch bản này chưa được xóa")
    if not result.wal_truncated:
        click.echo("  CẢNH BÁO: chưa làm trống được nhật ký ghi (WAL) của cơ sở dữ liệu vì có tiến trình khác đang "
                   "mở nó (robocall serve, một báo cáo...): nhật ký có thể còn giữ dữ liệu vừa xóa. Dừng các "
                   "tiến trình đó rồi chạy lại robocall purge.", err=True)
