"""PostgreSQL only: the path column sorts and matches byte-wise (collation "C"), so a
subtree's first page is one index range scan; and trigram indexes serve name search.

A database created with a locale such as C.UTF-8 or en_US.UTF-8 otherwise orders
`path` by that locale, and `ORDER BY path LIMIT 50` under a prefix walks the whole
index from the first row (measured: 41.5 ms → 0.17 ms for a county of 300,000-row
province). SQLite compares bytes already.
"""

from django.db import migrations

FORWARD = [
    'ALTER TABLE orgs_organization ALTER COLUMN path TYPE varchar(48) COLLATE "C"',
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS org_name_upper_trgm ON orgs_organization "
    "USING gin (UPPER(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS org_short_name_upper_trgm ON orgs_organization "
    "USING gin (UPPER(short_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS org_code_upper ON orgs_organization (UPPER(code))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS org_code_upper",
    "DROP INDEX IF EXISTS org_short_name_upper_trgm",
    "DROP INDEX IF EXISTS org_name_upper_trgm",
    'ALTER TABLE orgs_organization ALTER COLUMN path TYPE varchar(48) COLLATE "default"',
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
