"""Bulk inserts for the import and the demo seeder: many rows in the session's transaction for
a fraction of SQLAlchemy's per-row cost.

PostgreSQL (psycopg) gets COPY; other databases the driver's executemany with the statement
compiled once and each value converted by its column type's bind processor. ORM events do not
run: callers compute derived columns themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, text
from sqlalchemy.exc import IntegrityError

from unionadmin.core.db import session


def bulk_insert(table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys, as SQLAlchemy would store them (a JSON column's
    None is a JSON null; leave the key out for SQL NULL). A constraint violation raises
    SQLAlchemy's IntegrityError."""
    if not rows:
        return
    conn = session().connection()
    if any(c.default is not None and c.key not in rows[0] for c in table.columns):
        conn.execute(table.insert(), rows)  # Python-side defaults: only SQLAlchemy applies them
        return
    try:
        _driver_insert(conn, table, rows)
    except conn.dialect.loaded_dbapi.IntegrityError as exc:  # what SQLAlchemy would have raised
        raise IntegrityError(f"INSERT INTO {table.name}", None, exc) from exc


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int] | None:
    """On PostgreSQL, `count` ids from the table's sequence, so that the rows are inserted with
    them (COPY returns nothing); None elsewhere."""
    if conn.dialect.name != "postgresql":
        return None
    return conn.execute(text("SELECT array_agg(nextval(pg_get_serial_sequence(:table, 'id'))) "
                             "FROM generate_series(1, :n)"), {"table": table.name, "n": count}).scalar()


def _driver_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    keys = list(rows[0])
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        _copy(conn, dbapi, table, rows, keys)
        return
    dialect = conn.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup) if compiled.positional else keys
    values = _columns(rows, order)
    for i, key in enumerate(order):
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            values[i] = _mapped(process, values[i])
    params: list[Any] = list(zip(*values, strict=True))
    if not compiled.positional:
        params = [dict(zip(order, p, strict=True)) for p in params]
    cursor = dbapi.cursor()
    try:
        cursor.executemany(str(compiled), params)
    finally:
        cursor.close()


def _copy(conn: Connection, dbapi: Any, table: Table, rows: list[dict[str, Any]], keys: list[str]) -> None:
    values = _columns(rows, keys)
    for i, key in enumerate(keys):
        if isinstance(table.c[key].type, JSON):  # None too: SQLAlchemy stores it as JSON null
            values[i] = _mapped(json.dumps, values[i])
    names = ", ".join(conn.dialect.identifier_preparer.quote(k) for k in keys)
    target = conn.dialect.identifier_preparer.format_table(table)
    with dbapi.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        write = copy.write_row
        for row in zip(*values, strict=True):
            write(row)


def _columns(rows: list[dict[str, Any]], keys: list[str]) -> list[tuple[Any, ...]]:
    """The rows' values column by column."""
    if len(keys) == 1:
        return [tuple(r[keys[0]] for r in rows)]
    return list(zip(*map(itemgetter(*keys), rows), strict=True))


def _mapped(convert: Callable[[Any], Any], column: tuple[Any, ...]) -> list[Any]:
    """`convert` applied to a column's values: once for a value every row shares (a timestamp,
    the status), once per distinct value otherwise (dates repeat a lot)."""
    count = len(column)
    if column.count(column[0]) == count:
        return [convert(column[0])] * count
    try:
        converted = {value: convert(value) for value in set(column)}
    except TypeError:  # unhashable values (plugin fields' mappings)
        return list(map(convert, column))
    return list(map(converted.__getitem__, column))
