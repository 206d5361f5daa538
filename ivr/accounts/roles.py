"""Roles of console users and what each may do: one table, read by the web console and nowhere else.

- viewer: figures and charts only (no phone numbers, no names, no workbooks);
- staff: lists, campaigns, cases, workbooks (optionally limited to some communes or wards);
- admin: all of that, plus users, scripts and purge.
"""
from __future__ import annotations

from enum import StrEnum

from ivr.i18n import N_


class Role(StrEnum):
    VIEWER = "viewer"
    STAFF = "staff"
    ADMIN = "admin"


class Permission(StrEnum):
    VIEW_FIGURES = "view_figures"
    VIEW_PERSONAL = "view_personal"  # names, phones, answers
    MANAGE_LISTS = "manage_lists"
    MANAGE_CAMPAIGNS = "manage_campaigns"
    ACT_ON_CASES = "act_on_cases"
    DOWNLOAD_WORKBOOKS = "download_workbooks"
    MANAGE_SCRIPTS = "manage_scripts"
    VIEW_AUDIT = "view_audit"


_STAFF = frozenset({Permission.VIEW_FIGURES, Permission.VIEW_PERSONAL, Permission.MANAGE_LISTS,
                    Permission.MANAGE_CAMPAIGNS, Permission.ACT_ON_CASES, Permission.DOWNLOAD_WORKBOOKS})
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW_FIGURES}),
    Role.STAFF: _STAFF,
    Role.ADMIN: _STAFF | {Permission.MANAGE_SCRIPTS, Permission.VIEW_AUDIT},
}
ROLE_LABELS = {Role.VIEWER: N_("figures only"), Role.STAFF: N_("staff"), Role.ADMIN: N_("admin")}


def may(role: str, permission: Permission) -> bool:
    try:
        return permission in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def in_areas(areas: tuple[str, ...], *places: str | None) -> bool:
    """Whether a person living in ``places`` (commune/ward, district) is within a user's areas (none: all)."""
    if not areas:
        return True
    wanted = {a.casefold().strip() for a in areas}
    return any(p is not None and p.casefold().strip() in wanted for p in places)
