"""Who is acting, for the audit log: the OS user (else "unknown"); ``--operator`` adds a name to it and
never replaces it ("hanh (chị Hà)"), so nobody can act under another's name.

Imports nothing of ivr: the CLI and the composition root call it once and pass the name down.
"""
from __future__ import annotations

import getpass


def operator_name(given: str | None = None) -> str:
    """The login name of the OS user ("unknown" where there is none, e.g. a container running under a uid
    with no passwd entry), with ``given`` after it in brackets when set."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    given = " ".join((given or "").split())[:60]
    return f"{user} ({given})" if given and given != user else user


__all__ = ["operator_name"]
