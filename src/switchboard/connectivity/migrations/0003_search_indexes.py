"""A PostgreSQL index for the label search of My SIMs and both APIs (selectors._search); SQLite runs without it.

`label__icontains` is `UPPER(label::text) LIKE UPPER('%text%')`, so a trigram GIN index on exactly that expression
serves substring search (pg_trgm is a trusted extension: the database owner may create it). Prefix search on ICCID,
IMSI and MSISDN needs nothing here: Django gives every unique CharField on PostgreSQL a `varchar_pattern_ops` index
(`..._like`), which serves `LIKE 'digits%'` whatever the collation; EXPLAIN on a million SIMs shows the planner
using those, and the organisation's own indexes when its SIMs are few (bench/connectivity/README.md).
Built CONCURRENTLY (hence a non-atomic migration), so a large installation keeps serving while it migrates.
"""

from django.db import migrations

INDEXES = {"sim_label_trgm": "USING gin (UPPER(label::text) gin_trgm_ops)"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON connectivity_sim {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("connectivity", "0002_plans_and_limit_steps")]
    operations = [migrations.RunPython(create, drop)]
