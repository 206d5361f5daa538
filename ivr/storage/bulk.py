"""Bulk writes for imports: ids allocated up front, then one fast path per database.

A 100,000-row list must not take minutes. Going row by row through the ORM costs most of the time, so:
- ids are allocated before inserting (PostgreSQL: from the table's sequence; SQLite: after the current
  maximum, which is safe because the import holds SQLite's write lock), so no RETURNING is needed;
- PostgreSQL receives rows with COPY, and updates as COPY into a temporary table + one UPDATE ... FROM;
- SQLite receives plain executemany INSERT/UPDATE statements (the sqlite3 module loops in C).
Only ivr.storage.repo calls these, inside its own transaction.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.orm import Session


def allocate_ids(s: Session, table: Table, count: int) -> list[int]:
    """``count`` new primary keys for ``table``, reserved for this transaction."""
    if count <= 0:
        return []
    if s.get_bind().dialect.name == "postgresql":
        query = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")
        return [int(v) for v in s.scalars(query, {"table": table.name, "n": count})]
    start = int(s.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(start + 1, start + count + 1))


def insert_rows(s: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows (all with the same keys, ids included)."""
    if not rows:
        return
    connection = s.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), list(rows))
        return
    columns = list(rows[0])
    _copy(s, table.name, columns, rows)


def update_rows(s: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Update rows by id; every row gives the same columns."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != "id"]
    connection = s.connection()
    if connection.dialect.name != "postgresql":
        stmt = (update(table).where(table.c.id == bindparam("_id"))
                .values({c: bindparam(f"_{c}") for c in columns}))
        connection.execute(stmt, [{f"_{k}": v for k, v in row.items()} for row in rows])
        return
    quote = connection.dialect.identifier_preparer.quote
    staging = f"staging_{table.name}"
    names = ", ".join(quote(c) for c in ["id", *columns])
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
                               f"SELECT {names} FROM {table.name} WITH NO DATA")
    _copy(s, staging, ["id", *columns], rows)
    assignments = ", ".join(f"{quote(c)} = staged.{quote(c)}" for c in columns)
    connection.exec_driver_sql(f"UPDATE {table.name} SET {assignments} FROM {staging} AS staged "
                               f"WHERE {table.name}.id = staged.id")
    connection.exec_driver_sql(f"DROP TABLE {staging}")


def _copy(s: Session, table_name: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    connection = s.connection()
    quote = connection.dialect.identifier_preparer.quote
    raw = connection.connection.driver_connection  # psycopg 3, in the session's transaction
    assert raw is not None
    statement = f"COPY {table_name} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
