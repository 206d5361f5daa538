"""Errors a user can cause (bad input, bad config, unreachable PBX): the CLI prints them, no traceback."""
from __future__ import annotations


class UserError(Exception):
    """A problem with what the user gave us. The message names what and where (file, row, column, step)."""

    exit_code = 2


class PbxUnavailable(UserError):
    """The PBX (or its ARI) could not be reached or refused us."""

    exit_code = 3
