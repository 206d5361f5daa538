"""Storage stores; the domain decides. SQLAlchemy 2 models, Alembic migrations and narrow stores, each a
module with a Protocol naming what the domain may ask of it (see ivr.storage.repo for the list:
contact_store, campaign_store, ledger, audit_store, hotline, written_files; a new store such as worker
leases is one more module like them). Every public method is one transaction and returns frozen records
(records.py, hotline_records.py), never ORM objects. resilience.py retries a call across a database outage.

Imported by every domain package; imports none of them (no calls/, hotline/, contacts/, reports/, scripts/,
the services or the CLI: tests/unit/test_architecture.py fails on such an import). A rule the domain
owns (the retry policy, the merge of a person's values, the choice of a call-back) reaches storage as an
argument typed by a Protocol, or is applied by the domain to the rows storage returns.
"""
