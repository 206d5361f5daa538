"""Engines and schema migrations: SQLite (the embedded default) or PostgreSQL (production, several workers).

SQLite gets WAL, a busy timeout, enforced foreign keys and ``BEGIN IMMEDIATE`` for every write
transaction: a writer takes the write lock when it starts, so read-then-write sequences (claiming
attempts) are atomic and never fail halfway on a lock upgrade. Read-only work uses an engine with the
``READ_ONLY`` option, which begins a deferred transaction instead and does not block writers for long.
Migrations are Alembic revisions shipped inside the package; no alembic.ini is needed.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.engine import make_url

from ivr.config import Settings
from ivr.errors import UserError
from ivr.i18n import _

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
READ_ONLY = "robocall_read_only"  # execution option: begin a deferred (read) transaction on SQLite
_MIGRATION_LOCK = 7_404_262_001  # pg_advisory_xact_lock key: one migrating process at a time


def database_url(settings: Settings) -> str:
    """The configured URL, with a relative SQLite path resolved against the project root (folder created)
    and ``postgresql://`` given the psycopg 3 driver we ship."""
    configured = settings.database.url
    try:
        url = make_url(configured)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises ArgumentError/ValueError for bad URLs
        raise UserError(_("database url: cannot parse {configured!r} ({exc})").format(configured=configured, exc=exc)) from None
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return configured
        path = settings.path(url.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        query = configured.partition("?")[2]
        return f"{url.drivername}:///{path}" + (f"?{query}" if query else "")
    if url.drivername == "postgresql":
        return configured.replace("postgresql://", "postgresql+psycopg://", 1)
    return configured


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``, with the SQLite transaction behaviour described above."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises ArgumentError/ValueError for bad URLs
        raise UserError(_("database url: cannot parse {url!r} ({exc})").format(url=url, exc=exc)) from None
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, **kwargs)
    in_memory = parsed.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver must not issue its own BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")

    return engine


def migrate(target: str | Engine) -> None:
    """Bring the schema at ``target`` (a URL or an engine) to the newest revision."""
    from alembic import command
    from alembic.config import Config

    engine = make_engine(target) if isinstance(target, str) else target
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        if isinstance(target, str):
            engine.dispose()


_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(?:'([^']*)'|\"([^\"]*)\"|None)", re.MULTILINE)


def schema_head() -> str | None:
    """The newest revision shipped, read from the revisions' files without loading Alembic (a third of a
    second of every command, issue 18); None if they do not make one line of revisions (Alembic decides)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("[!_]*.py"):
        found = {kind: a or b for kind, a, b in _REVISION.findall(path.read_text(encoding="utf-8"))}
        if "revision" not in found:
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def at_head(engine: Engine) -> bool:
    """The database is at the newest revision already (then there is nothing to migrate: Alembic is not
    loaded). Anything else (no schema yet, an older or unknown revision, no access) is left to ``migrate``."""
    head = schema_head()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            connection.execution_options(**{READ_ONLY: True})
            versions = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError:
        return False
    return versions == [head]


def open_database(settings: Settings) -> Engine:
    """The engine for the configured database, migrated to the newest schema."""
    url = database_url(settings)
    engine = make_engine(url)
    try:
        if not at_head(engine):
            migrate(engine)
    except UserError:
        raise
    except Exception as exc:
        safe = make_url(url).render_as_string(hide_password=True)
        raise UserError(_("database {safe}: cannot open or migrate ({kind}: {exc})").format(safe=safe, kind=type(exc).__name__, exc=exc)) from None
    return engine
