"""The campaign side's stores, together on one engine: contacts, campaigns, the ledger and the audit log.

Each store is its own module with a Protocol naming what the domain may ask of it:
- ivr.storage.contact_store   ContactStore / Contacts     imports and contacts (merge rule passed in)
- ivr.storage.campaign_store  CampaignStore / Campaigns   campaigns and their status life cycle (the one place)
- ivr.storage.ledger          Ledger / Attempts           call attempts and answers (retry rule passed in)
- ivr.storage.audit_store     AuditStore / Audit          the audit log
- ivr.storage.hotline         HotlineStore                inbound calls, call-back tasks, agents
- ivr.storage.written_files   FileRegister                the register of files written with personal data
A domain module types what it receives with the narrowest Protocol it needs (a test fake implements
that Protocol). ``Repository`` is the four campaign stores on one engine, for wiring in one object
(ivr.app) and for tests; a new store (e.g. worker leases) is a new module like these, not a new method here.
"""
from __future__ import annotations

from sqlalchemy import func, select

from ivr.storage import models as m
from ivr.storage.audit_store import AuditStore
from ivr.storage.campaign_store import CampaignStore
from ivr.storage.contact_store import ContactStore
from ivr.storage.ledger import Ledger


class Repository(ContactStore, CampaignStore, Ledger, AuditStore):
    """Contacts, campaigns, ledger and audit on one engine. Every method is one transaction."""

    def count(self, table: str) -> int:
        """Rows in one table (for tests, benchmarks and the status display)."""
        model = {t.__tablename__: t for t in m.Base.__subclasses__()}.get(table)
        if model is None:
            raise ValueError(f"unknown table {table!r}")
        with self._read() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)
