"""Storage settings for tables the RADIUS AAA rewrites on every packet (PostgreSQL only; SQLite has no such knob).

With free room on each page, PostgreSQL updates a row in place of its page (a HOT update) and leaves the row's
indexes alone; a full page forces a new index entry in every index of the table (connectivity_sim has eighteen).
The setting applies to pages written from now on; `VACUUM FULL <table>` applies it to existing ones.
"""

from __future__ import annotations

from django.db import migrations


def fill_factor(tables: dict[str, int]) -> migrations.RunPython:
    """A migration operation setting each table's fillfactor (percent of a page filled by inserts)."""

    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table, percent in tables.items():
                schema_editor.execute(
                    f"ALTER TABLE {schema_editor.quote_name(table)} SET (fillfactor = {int(percent)})"
                )

    def revert(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in tables:
                schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} RESET (fillfactor)")

    return migrations.RunPython(apply, revert)
