"""Alembic environment, run by ivr.storage.db.migrate with a live connection (no alembic.ini needed).

For development (a new revision), the URL can also come from ``-x url=...`` or ``sqlalchemy.url``.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from ivr.storage import accounts as _accounts  # noqa: F401  (registers the console account tables)
from ivr.storage import cases as _cases  # noqa: F401  (registers the case tables)
from ivr.storage import hotline as _hotline  # noqa: F401  (registers the hotline tables on Base)
from ivr.storage import stops as _stops  # noqa: F401  (registers contact_stops)
from ivr.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    from ivr.storage.db import make_engine

    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("alembic: give the database with -x url=... (or use ivr.storage.db.migrate)")
    engine = make_engine(url)
    with engine.begin() as conn:
        _configure(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
