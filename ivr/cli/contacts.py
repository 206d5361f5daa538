"""`robocall contacts import|list`: the CDC's daily F1/F2 lists."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ivr.cli import Context, main
from ivr.clock import utcnow
from ivr.contacts.importer import ContactImporter, ImportResult
from ivr.errors import UserError
from ivr.storage.db import open_database
from ivr.storage.records import Contact
from ivr.storage.repo import Repository


@main.group()
def contacts() -> None:
    """Daily F1/F2 lists from the CDC: import them, see what is stored."""


@contacts.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--category", type=click.Choice(["F1", "F2"], case_sensitive=False), default=None,
              help="F1 or F2, for rows that do not say (a 'Phân loại' column wins).")
@click.option("--date", "list_date", default=None, metavar="YYYY-MM-DD", help="Day of the list (default: today).")
@click.option("--operator", default=None, help="Who imports, for the audit log (default: --operator or the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def import_list(ctx: Context, file: Path, category: str | None, list_date: str | None, operator: str | None,
                as_json: bool) -> None:
    """Import a list FILE (.xlsx or .csv) of F1/F2 contacts."""
    settings = ctx.settings
    repo = Repository(open_database(settings))
    importer = ContactImporter(repo, settings.path(settings.data_dir) / "imports", clock=utcnow,
                               zone=ZoneInfo(settings.dialer.timezone))
    result = importer.import_file(file, category=category.upper() if category else None,
                                  list_date=_date(list_date, "--date"),
                                  operator=ctx.who(operator))
    repo.engine.dispose()
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        _print_result(result)


@contacts.command("list")
@click.option("--date", "list_date", default=None, metavar="YYYY-MM-DD", help="Only people on that day's list.")
@click.option("--category", type=click.Choice(["F1", "F2"], case_sensitive=False), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def list_contacts(ctx: Context, list_date: str | None, category: str | None, as_json: bool) -> None:
    """Show the stored contacts (phones in E.164)."""
    repo = Repository(open_database(ctx.settings))
    people = repo.list_contacts(_date(list_date, "--date"), category.upper() if category else None)
    repo.engine.dispose()
    if as_json:
        click.echo(json.dumps([_contact_json(c) for c in people], ensure_ascii=False))
        return
    table = Table(title=f"Danh sách liên hệ ({len(people)} người)", box=box.SIMPLE_HEAD, pad_edge=False)
    # Numbers, codes and dates are never wrapped or cut; names and places wrap in narrow terminals.
    for header, min_width in (("Mã", 0), ("Họ và tên", 14), ("Số điện thoại", 0), ("Năm sinh", 0),
                              ("Xã/Phường", 9), ("Huyện", 9), ("Loại", 0), ("Ngày DS", 0), ("Hộ", 0)):
        table.add_column(header, no_wrap=not min_width, min_width=min_width or None)
    for c in people:
        name = f"{c.full_name} [dim](dừng gọi)[/dim]" if c.opted_out else c.full_name
        table.add_row(str(c.id), name, c.phone_e164, _s(c.birth_year), _s(c.ward), _s(c.district), c.category,
                      c.list_date.strftime("%d/%m/%Y"), str(c.household_id))
    Console().print(table)


def _print_result(result: ImportResult) -> None:
    console = Console()
    if result.already_imported:
        console.print(f"Tệp này đã được nhập trước đó (lần nhập số {result.import_id}): không có gì thay đổi.")
    console.print(f"Lần nhập số {result.import_id}, danh sách ngày {result.list_date:%d/%m/%Y}: "
                  f"{result.rows} dòng; {result.imported} người mới, {result.updated} cập nhật, "
                  f"{result.duplicates} trùng lặp, {result.invalid} dòng không hợp lệ.")
    if result.warnings:
        console.print(f"{result.warnings} dòng có ô không đọc được (đã để trống ô đó).")
    if result.error_report:
        console.print(f"Báo cáo lỗi: {result.error_report}")


def _contact_json(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id, "full_name": c.full_name, "phone_e164": c.phone_e164, "birth_year": c.birth_year,
        "address": c.address, "ward": c.ward, "district": c.district, "category": c.category,
        "list_date": c.list_date.isoformat(), "first_seen": c.first_seen.isoformat(),
        "last_seen": c.last_seen.isoformat(), "exposure_date": _iso(c.exposure_date),
        "quarantine_start": _iso(c.quarantine_start), "household_id": c.household_id,
        "opted_out": c.opted_out, "pseudonym": c.pseudonym,
    }


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option}: expected a date as YYYY-MM-DD, got {value!r}") from None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _s(value: object) -> str:
    return "" if value is None else str(value)
