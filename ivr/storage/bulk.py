"""Bulk writes for imports: ids allocated up front, then one fast path per database.

A 100,000-row list must not take minutes. Going row by row through the ORM costs most of the time, so:
- ids are allocated before inserting (PostgreSQL: from the table's sequence; SQLite: after the current
  maximum, which is safe because the import holds SQLite's write lock), so no RETURNING is needed;
- PostgreSQL receives rows with COPY, and updates as COPY into a temporary table + one UPDATE ... FROM;
- SQLite receives plain executemany INSERT/UPDATE statements (the sqlite3 module loops in C).
Only ivr.storage.repo calls these, inside its own transaction.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any, Mapping, Sequence

from sqlalchemy import Table, func, select, text
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
    columns = list(rows[0])
    if connection.dialect.name != "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
               f"VALUES ({', '.join('?' for _ in columns)})")
        connection.exec_driver_sql(sql, _driver_rows(connection, table, columns, rows))
        return
    _copy(s, table.name, columns, rows)


def update_rows(s: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Update rows by id; every row gives the same columns."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != "id"]
    connection = s.connection()
    if connection.dialect.name != "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        sql = (f"UPDATE {quote(table.name)} SET {', '.join(f'{quote(c)} = ?' for c in columns)} "
               f"WHERE {quote('id')} = ?")
        connection.exec_driver_sql(sql, _driver_rows(connection, table, [*columns, "id"], rows))
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


def _driver_rows(connection: Any, table: Table, order: Sequence[str],
                 rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """The rows as the sqlite3 driver takes them: each value through its column type's bind processor (as
    SQLAlchemy would, e.g. datetimes to its text format), without SQLAlchemy's per-statement machinery,
    which cost more than the inserts themselves on a 100,000-row list (bench/README.md, issue 18)."""
    dialect = connection.dialect
    processors = [table.c[c].type._cached_bind_processor(dialect) for c in order]
    get = itemgetter(*order)
    if len(order) == 1:
        return [(get(row),) for row in rows] if not processors[0] else [(_memo(processors[0])(get(row)),)
                                                                        for row in rows]
    converted = [(i, _memo(p)) for i, p in enumerate(processors) if p is not None]
    if not converted:
        return [get(row) for row in rows]
    out = []
    for row in rows:  # the values fetched in C, only the columns with a processor converted
        values = list(get(row))
        for i, process in converted:
            values[i] = process(values[i])
        out.append(tuple(values))
    return out


def _memo(process: Any, size: int = 4096) -> Any:
    """A bind processor that remembers its last values: a list's rows share their timestamps (the import's
    moment), dates and categories, and formatting a datetime is the costliest part of a SQLite insert."""
    seen: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        key = (type(value), value)  # 1, 1.0 and True are equal keys, but not the same value to store
        try:
            return seen[key]
        except KeyError:
            result = process(value)
            if len(seen) < size:
                seen[key] = result
            return result
        except TypeError:  # unhashable (a JSON value): processed every time
            return process(value)

    return run


def _copy(s: Session, table_name: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    connection = s.connection()
    quote = connection.dialect.identifier_preparer.quote
    raw = connection.connection.driver_connection  # psycopg 3, in the session's transaction
    assert raw is not None
    statement = f"COPY {table_name} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
