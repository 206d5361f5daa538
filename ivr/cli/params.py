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


DATE = DateType()
MONTH = MonthType()
