"""Option types staff type into: dates (DD/MM/YYYY or ISO) and months (MM/YYYY or YYYY-MM).

A bad value raises UserError (printed in the staff's language, no traceback), naming the option.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import click

from ivr import formats


def _option_name(param: click.Parameter | None) -> str:
    if param is None:
        return "value"
    opts = getattr(param, "opts", None) or [param.name or "value"]
    return max(opts, key=len)


class DateType(click.ParamType):
    """A day: 15/07/2021 or 2021-07-15."""

    name = "DD/MM/YYYY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        return formats.parse_date(str(value), _option_name(param))


class MonthType(click.ParamType):
    """A month: 07/2021 or 2021-07, as (year, month)."""

    name = "MM/YYYY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[int, int]:
        if isinstance(value, tuple):
            return value
        return formats.parse_month(str(value), _option_name(param))


class AreaType(click.ParamType):
    """A commune/ward or district by name ("Phường Điện Biên", "Phường 1, Quận 3"): see ivr/reports/units.py."""

    name = "XÃ/PHƯỜNG"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = " ".join(str(value).split())
        if not text.strip(", "):
            from ivr.errors import UserError
            from ivr.i18n import _

            raise UserError(_("{option}: empty; give a commune/ward or district, e.g. \"Phường Điện Biên\"").format(
                option=_option_name(param)))
        return text


DATE = DateType()
MONTH = MonthType()
AREA = AreaType()
