"""Many rows in one statement, for hot paths (RADIUS accounting) where a statement per row would be the bottleneck.

Django's `bulk_update` builds a CASE chain per field, which costs more than the write itself; these helpers send one
`UPDATE … FROM` or one `INSERT … ON CONFLICT DO UPDATE` over the rows: from `unnest` of one array per column on
PostgreSQL, from a VALUES list on SQLite (≥ 3.33).
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from django.db import connection, models

# Fields whose Python values the database drivers take as they are; the others go through get_db_prep_save.
_PLAIN = (
    models.IntegerField,
    models.CharField,
    models.BooleanField,
    models.DateTimeField,
    models.DateField,
    models.GenericIPAddressField,
    models.ForeignKey,
)


def _preparer(field: models.Field):
    """Django's per-value preparation costs more than the write on this path; skip it where it changes nothing."""
    if isinstance(field, _PLAIN) and (connection.vendor == "postgresql" or not isinstance(field, models.DateField)):
        return None  # (SQLite stores dates and times as Django formats them)
    return lambda value: field.get_db_prep_save(value, connection)


def _values(fields: Sequence[models.Field], rows: Sequence[Sequence]) -> tuple[str, list]:
    """SQLite: a VALUES list (its columns are named column1, column2, …)."""
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    preparers = [_preparer(f) for f in fields]
    params = [
        value if prepare is None else prepare(value)
        for row in rows
        for prepare, value in zip(preparers, row, strict=True)
    ]
    return ", ".join([placeholders] * len(rows)), params


def _arrays(fields: Sequence[models.Field], rows: Sequence[Sequence]) -> tuple[str, list]:
    """PostgreSQL: one array parameter per column (`unnest`), so binding costs the same for 10 rows or 1,000."""
    arrays = "unnest(" + ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields) + ")"
    params = []
    for i, field in enumerate(fields):
        prepare = _preparer(field)
        column = [row[i] for row in rows]
        params.append(column if prepare is None else [prepare(value) for value in column])
    return arrays, params


def _execute(sql: str, params: list) -> None:
    if connection.vendor == "postgresql":
        fetch(sql, params, rows=False)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def fetch(sql: str, params: list, *, rows: bool = True) -> list[tuple]:
    """PostgreSQL: run a statement on a plain psycopg cursor with server-side binding (whatever the settings, and
    without Django's cursor wrapper) and return its rows."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if rows else []


def update_rows(model: type[models.Model], field_names: Sequence[str], objects: Sequence[models.Model]) -> None:
    """Write the named fields of the given instances (matched by primary key) in one statement."""
    if not objects:
        return
    meta = model._meta
    fields = [meta.pk, *(meta.get_field(name) for name in field_names)]
    rows = [[getattr(o, f.attname) for f in fields] for o in objects]
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    if connection.vendor == "postgresql":
        columns = [f"c{i}" for i in range(len(fields))]
        arrays, params = _arrays(fields, rows)
        source = f"{arrays} AS v({', '.join(columns)})"
    else:
        columns = [f"column{i + 1}" for i in range(len(fields))]
        values, params = _values(fields, rows)
        source = f"(VALUES {values}) AS v"
    assignments = ", ".join(f"{qn(f.column)} = v.{c}" for f, c in zip(fields[1:], columns[1:], strict=True))
    # Only quoted model identifiers are formatted in; every value is a bound parameter.
    sql = f"UPDATE {table} SET {assignments} FROM {source} WHERE {table}.{qn(meta.pk.column)} = v.{columns[0]}"  # noqa: S608
    _execute(sql, params)


def insert_or_add(
    model: type[models.Model],
    key_names: Sequence[str],
    add_names: Sequence[str],
    rows: Sequence[Sequence],
    *,
    insert_names: Sequence[str] = (),
) -> None:
    """Insert rows (key columns, columns only set on insert, then the counters) or add the counters to existing ones.

    `rows` must not repeat a key: PostgreSQL refuses to touch one row twice in a statement.
    """
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in (*key_names, *insert_names, *add_names)]
    if connection.vendor == "postgresql":
        arrays, params = _arrays(fields, rows)
        source = f"SELECT * FROM {arrays}"  # noqa: S608  (placeholders only)
    else:
        values, params = _values(fields, rows)
        source = f"VALUES {values}"
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    column_list = ", ".join(qn(f.column) for f in fields)
    keys = ", ".join(qn(meta.get_field(n).column) for n in key_names)
    additions = ", ".join(
        f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in (meta.get_field(n).column for n in add_names)
    )
    sql = f"INSERT INTO {table} ({column_list}) {source} ON CONFLICT ({keys}) DO UPDATE SET {additions}"
    _execute(sql, params)
