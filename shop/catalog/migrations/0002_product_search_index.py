"""A trigram index for the catalog search (PostgreSQL only).

Django's ``icontains`` compiles to ``UPPER(col::text) LIKE UPPER('%term%')``, which no
B-tree index can serve; a GIN trigram index over the same expressions can. pg_trgm is a
trusted extension since PostgreSQL 13, so the database owner may create it. The SQLite
fallback of `make run` scans, which is fine for its demo catalog.
"""

from django.db import migrations

INDEX = "catalog_product_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_product USING gin "
        "(UPPER(name::text) gin_trgm_ops, UPPER(description::text) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
