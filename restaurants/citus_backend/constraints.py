"""Deferred foreign keys checked inside the transaction, on the workers too.

Django's foreign keys are DEFERRABLE INITIALLY DEFERRED. ``check_constraints()`` (what a
test runs before rolling back, and ``loaddata`` after loading) issues ``SET CONSTRAINTS ALL
IMMEDIATE``, which Citus does not send to the workers: a violation in a restaurant's tables
would go unseen by a test that rolls back. Here the foreign keys of the distributed tables are
checked by query instead, one query per schema: all of a schema's tables are colocated on one
worker, so Citus sends that query whole to it, in the transaction's own connection, and it sees
the transaction's uncommitted rows.
"""

from collections import defaultdict

from django.db import IntegrityError

# Single-column foreign keys of distributed tables (multi-column ones Django does not create).
FOREIGN_KEYS = """
SELECT namespace.nspname, constraint_.conname,
       referring.relname, referring_column.attname,
       referred.relname, referred_column.attname
FROM pg_constraint constraint_
JOIN pg_namespace namespace ON namespace.oid = constraint_.connamespace
JOIN pg_class referring ON referring.oid = constraint_.conrelid
JOIN pg_class referred ON referred.oid = constraint_.confrelid
JOIN pg_attribute referring_column
  ON referring_column.attrelid = constraint_.conrelid
 AND referring_column.attnum = constraint_.conkey[1]
JOIN pg_attribute referred_column
  ON referred_column.attrelid = constraint_.confrelid
 AND referred_column.attnum = constraint_.confkey[1]
WHERE constraint_.contype = 'f'
  AND cardinality(constraint_.conkey) = 1
  AND constraint_.conrelid IN (SELECT logicalrelid FROM pg_dist_partition)
ORDER BY 1, 2
"""


def distributed_foreign_keys_check(connection, table_names=None, *, schema_name=None) -> None:
    """Raise IntegrityError for the first row of a distributed table whose foreign key points
    at no row; ``table_names`` limits it to those tables (unqualified, as Django passes them),
    ``schema_name`` to one restaurant's schema."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # a database without Citus (its tables are plain: SET CONSTRAINTS did it)
    by_schema: dict[str, list[str]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(FOREIGN_KEYS)
        for schema, name, table, column, referred_table, referred_column in cursor.fetchall():
            if table_names is not None and table not in table_names:
                continue
            if schema_name is not None and schema != schema_name:
                continue
            referring = f"{quote(schema)}.{quote(table)}"
            referred = f"{quote(schema)}.{quote(referred_table)}"
            literal = "'{}'".format(name.replace("'", "''"))
            by_schema[schema].append(
                f"(SELECT {literal}, {quote(column)}::text FROM {referring} AS referring"
                f" WHERE {quote(column)} IS NOT NULL AND NOT EXISTS (SELECT FROM {referred}"
                f" AS referred WHERE referred.{quote(referred_column)} = referring.{quote(column)})"
                " LIMIT 1)"
            )
        for schema, checks in by_schema.items():
            cursor.execute(" UNION ALL ".join(checks) + " LIMIT 1")
            violation = cursor.fetchone()
            if violation:
                name, value = violation
                raise IntegrityError(
                    f"Foreign key {schema}.{name} is violated: no row referred to by {value!r}."
                )
