"""The audit log store: who did what to which data, and to how many rows.

Other stores write their own entries inside their transactions (StoreBase._audit); this store is for
actions recorded on their own and for reading the log. May be imported by any module; imports none of the domain.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy import select

from ivr.storage import models as m
from ivr.storage.audit_chain import ChainCheck, ChainedEntry, first_break
from ivr.storage.base import StoreBase


class Audit(Protocol):
    """What the domain may ask of the audit store (AuditStore implements it)."""

    def audit(self, operator: str, action: str, object: str, rows: int, at: dt.datetime) -> None: ...
    def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]: ...
    def verify_audit_chain(self) -> ChainCheck: ...


class AuditStore(StoreBase):
    """The audit log. Every method is one transaction."""

    def audit(self, operator: str, action: str, object: str, rows: int, at: dt.datetime) -> None:
        """Record who did what to which data (``object`` such as "campaign:3"), and to how many rows."""
        with self._write() as s:
            self._audit(s, operator, action, object, rows, at)

    def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest audit entries, newest first."""
        with self._read() as s:
            rows = s.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id.desc()).limit(limit))
            return [{"at": e.at, "operator": e.operator, "action": e.action, "object": e.object, "rows": e.rows}
                    for e in rows]

    def verify_audit_chain(self) -> ChainCheck:
        """Walk the whole audit chain in id order (streamed) and say where it first breaks, if anywhere."""
        with self._read() as s:
            rows = s.execute(select(m.AuditEntry.id, m.AuditEntry.at, m.AuditEntry.operator, m.AuditEntry.action,
                                    m.AuditEntry.object, m.AuditEntry.rows, m.AuditEntry.prev_hash,
                                    m.AuditEntry.entry_hash).order_by(m.AuditEntry.id)
                             .execution_options(yield_per=1000))
            return first_break(ChainedEntry(*row) for row in rows)
