"""The console's pure rules as tables: the sign-in lock, roles, areas, live figures."""
from __future__ import annotations

import datetime as dt

import pytest

from ivr.accounts.lockout import LockRule, locked_until
from ivr.accounts.roles import Permission, in_areas, may
from ivr.storage.records import CampaignProgress, CampaignStatus
from ivr.web.live import live_figures

T0 = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.timezone.utc)
MIN = dt.timedelta(minutes=1)


@pytest.mark.parametrize("failures, now, expected", [
    ([], T0, None),
    ([T0 + i * MIN for i in range(9)], T0 + 9 * MIN, None),                           # 9: still open
    ([T0 + i * MIN for i in range(10)], T0 + 10 * MIN, T0 + 9 * MIN + 15 * MIN),      # 10th: locked
    ([T0 + i * MIN for i in range(10)], T0 + 24 * MIN, None),                         # 15 min after the last
    ([T0] * 5 + [T0 + 20 * MIN] * 5, T0 + 21 * MIN, None),                            # spread out: never 10 in 15
    ([T0 + i * MIN for i in range(12)], T0 + 12 * MIN, T0 + 11 * MIN + 15 * MIN),     # more: from the last one
])
def test_sign_in_lock(failures: list[dt.datetime], now: dt.datetime, expected: dt.datetime | None) -> None:
    assert locked_until(failures, now, LockRule()) == expected


@pytest.mark.parametrize("role, permission, allowed", [
    ("viewer", Permission.VIEW_FIGURES, True),
    ("viewer", Permission.VIEW_PERSONAL, False),
    ("viewer", Permission.MANAGE_CAMPAIGNS, False),
    ("viewer", Permission.DOWNLOAD_WORKBOOKS, False),
    ("staff", Permission.MANAGE_CAMPAIGNS, True),
    ("staff", Permission.ACT_ON_CASES, True),
    ("staff", Permission.DOWNLOAD_WORKBOOKS, True),
    ("staff", Permission.MANAGE_SCRIPTS, False),
    ("staff", Permission.VIEW_AUDIT, False),
    ("admin", Permission.MANAGE_SCRIPTS, True),
    ("admin", Permission.VIEW_AUDIT, True),
    ("root", Permission.VIEW_FIGURES, False),
])
def test_roles(role: str, permission: Permission, allowed: bool) -> None:
    assert may(role, permission) is allowed


@pytest.mark.parametrize("areas, ward, district, inside", [
    ((), None, None, True),
    (("Đông Vệ",), "Đông Vệ", "TP Thanh Hóa", True),
    (("đông vệ ",), "Đông Vệ", None, True),
    (("Hoằng Hóa",), "Hoằng Quang", "Hoằng Hóa", True),
    (("Đông Vệ",), "Lam Sơn", "TP Thanh Hóa", False),
    (("Đông Vệ",), None, None, False),
])
def test_areas(areas: tuple[str, ...], ward: str | None, district: str | None, inside: bool) -> None:
    assert in_areas(areas, ward, district) is inside


def test_live_figures() -> None:
    progress = CampaignProgress(1, CampaignStatus.RUNNING, households=6,
                                by_status={"pending": 2, "claimed": 1, "dialing": 2, "done": 5},
                                by_outcome={"completed": 2, "symptomatic": 1, "busy": 1, "no_input": 1},
                                answered=4, answers=20)
    f = live_figures(progress)
    assert (f.in_progress, f.answered, f.symptomatic, f.unreached, f.pending, f.done) == (3, 4, 1, 2, 2, 5)
    assert f.percent_done == 50
