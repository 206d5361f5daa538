"""The audit log as a hash chain: each entry carries the hash of the one before it and its own hash over
that and its content, so that editing or deleting any entry breaks the chain from there on.

Writers append one at a time: SQLite's write transactions are BEGIN IMMEDIATE (one writer at a time), and on
PostgreSQL the appending transaction holds an advisory lock until it commits, so two processes never read
the same head and fork the chain. ``first_break`` walks the chain; ``robocall audit verify`` reports it.

What a chain cannot show on its own: someone who can write the database may delete the newest entries, or
rewrite every entry after an edit. ``audit verify`` therefore prints the head (id and hash) so that it can be
noted outside the database (a daily report, a printed log); a later head must continue that one.
Imports nothing of the domain.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Iterable

GENESIS = "0" * 64
AUDIT_LOCK = 0x7AD17  # pg_advisory_xact_lock key of the audit appenders


def _moment(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev: str, at: dt.datetime, operator: str, action: str, obj: str, rows: int) -> str:
    """The hash of one entry: SHA-256 over the previous entry's hash and this entry's fields (canonical JSON)."""
    content = json.dumps([prev, _moment(at), operator, action, obj, int(rows)], ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainedEntry:
    """An audit entry as stored, with its links."""

    id: int
    at: dt.datetime
    operator: str
    action: str
    object: str
    rows: int
    prev_hash: str | None
    entry_hash: str | None


@dataclass(frozen=True)
class ChainBreak:
    """The first entry where the chain does not hold, and why (``reason``: edited, unlinked, unchained)."""

    id: int
    reason: str


@dataclass(frozen=True)
class ChainCheck:
    """What walking the chain found: how many entries, the head, the first break (None: intact)."""

    entries: int
    head_id: int | None
    head_hash: str
    broken: ChainBreak | None


def first_break(entries: Iterable[ChainedEntry]) -> ChainCheck:
    """Walk the entries in id order; the first one whose content does not give its hash is ``edited``, the
    first whose link does not name the entry before it is ``unlinked`` (that one, or one between, was deleted
    or edited), one with no hash at all is ``unchained`` (written around the store)."""
    prev, count, head_id = GENESIS, 0, None
    for e in entries:
        count += 1
        if e.entry_hash is None or e.prev_hash is None:
            return ChainCheck(count, head_id, prev, ChainBreak(e.id, "unchained"))
        if e.prev_hash != prev:
            return ChainCheck(count, head_id, prev, ChainBreak(e.id, "unlinked"))
        if entry_hash(e.prev_hash, e.at, e.operator, e.action, e.object, e.rows) != e.entry_hash:
            return ChainCheck(count, head_id, prev, ChainBreak(e.id, "edited"))
        prev, head_id = e.entry_hash, e.id
    return ChainCheck(count, head_id, prev, None)


__all__ = ["AUDIT_LOCK", "GENESIS", "ChainBreak", "ChainCheck", "ChainedEntry", "entry_hash", "first_break"]
