"""Who is acting, for the audit log: the ``--operator`` given, else the OS user, else "unknown".

Imports nothing of ivr: the CLI and the composition root call it once and pass the name down.
"""
from __future__ import annotations

import getpass


def operator_name(given: str | None = None) -> str:
    """``given`` if set, else the login name of the OS user ("unknown" where there is none, e.g. a
    container running under a uid with no passwd entry)."""
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


__all__ = ["operator_name"]
