"""PostgreSQL only: a search of one or two characters is served by an index.

Trigram indexes (0002) need a term of at least three characters; shorter terms,
common for Chinese place names (石桥, 柳), fell back to reading every row. Each row
now carries `search_grams`, every distinct one- and two-character substring of
UPPER(name) and UPPER(short_name), with a GIN index, and the search asks for the rows
whose grams contain the grams of the term.

The column is computed by the database (a stored generated column), so every way a
row is written (the services, the import, a bulk UPDATE, COPY) keeps it right with no
application code. A gram is stored as a number, not as text: unicode code point `a`
for one character, `a * 0x110000 + b` for two; comparing numbers made a search that
matches most of a province's 300,000 rows 1.5 to 2 times faster than comparing text.
`ascii()` returns the code point only in a UTF8 database, which the operator guide
prescribes; the migration refuses any other encoding.

The search (`search_condition` in orgs/views.py) returns exactly the rows of the plain
`icontains` query; its docstring says why.
"""

from django.db import migrations

FORWARD = [
    # One row of grams for any number of texts: each text upper-cased, then every
    # character and every pair of adjacent characters as a number.
    "CREATE FUNCTION debrief_org_grams(VARIADIC texts text[]) RETURNS bigint[] "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
    "RETURN ARRAY("
    "SELECT DISTINCT CASE WHEN g.width = 1 THEN ascii(substr(t.s, i, 1))::bigint "
    "ELSE ascii(substr(t.s, i, 1))::bigint * 1114112 + ascii(substr(t.s, i + 1, 1)) END "
    "FROM (SELECT upper(x) FROM unnest(texts) AS x) AS t(s), "
    "generate_series(1, char_length(t.s)) AS i, "
    "(VALUES (1), (2)) AS g(width) "
    "WHERE i + g.width - 1 <= char_length(t.s))",
    "ALTER TABLE orgs_organization ADD COLUMN search_grams bigint[] "
    "GENERATED ALWAYS AS (debrief_org_grams(name, short_name)) STORED",
    "CREATE INDEX org_search_grams ON orgs_organization USING gin (search_grams)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS org_search_grams",
    "ALTER TABLE orgs_organization DROP COLUMN IF EXISTS search_grams",
    "DROP FUNCTION IF EXISTS debrief_org_grams(VARIADIC text[])",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        encoding = cursor.fetchone()[0]
    if encoding != "UTF8":
        raise RuntimeError(
            f"The database encoding is {encoding}; Debrief needs UTF8 "
            "(createdb --encoding=UTF8, see the operator guide)."
        )
    for statement in FORWARD:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_postgres_path_collation_and_search_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
