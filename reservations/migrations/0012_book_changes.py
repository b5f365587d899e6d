"""The book's version, kept where every database can keep it: a row per change.

Migration 0007 moved a sequence from statement triggers. On a Citus cluster each restaurant's
tables live on a worker, where the triggers run, while a sequence stays on the coordinator
(and Citus creates no TRUNCATE trigger on a worker's shards). Here the triggers insert the
change's time, in microseconds, into a table of the restaurant's own schema, placed beside its
other tables; the version is the newest row (selectors.book_version). A row is written only by
a transaction that changes the book and is seen when it commits; no row is updated, so
concurrent bookings never wait on one another. The cleanup job keeps only the newest row
(services.book_changes_prune). TRUNCATE moves the version no more: nothing truncates the book
but the tests' flush, which leaves the cache behind it empty.
"""

from django.db import migrations

BOOK_TABLES = [
    "reservations_reservation",
    "reservations_table",
    "reservations_bookingpolicy",
    "reservations_openingperiod",
    "reservations_closeddate",
    "reservations_tablepricebracket",
]
NOW_MICROSECONDS = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"

FUNCTION = f"""
CREATE OR REPLACE FUNCTION reservations_book_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO %I.reservations_bookchange (changed) VALUES ($1)', TG_TABLE_SCHEMA)
    USING {NOW_MICROSECONDS};
    RETURN NULL;
END
$$
"""

OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION reservations_book_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval(quote_ident(TG_TABLE_SCHEMA) || '.reservations_book_version');
    RETURN NULL;
END
$$
"""


def triggers(tables: list[str], events: str) -> list[str]:
    """Drop and create again each table's trigger, on ``events``."""
    statements = []
    for table in tables:
        statements += [
            f"DROP TRIGGER {table}_book_changed ON {table}",
            f"CREATE TRIGGER {table}_book_changed AFTER {events} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reservations_book_changed()",
        ]
    return statements


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0011_policy_prediction_anomaly"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "CREATE TABLE reservations_bookchange (changed bigint NOT NULL)",
                "CREATE INDEX reservations_bookchange_changed ON reservations_bookchange (changed)",
                # No key of its own: logical replication (a Citus schema moved to another
                # worker while it takes bookings) then identifies a deleted row by its value.
                "ALTER TABLE reservations_bookchange REPLICA IDENTITY FULL",
                f"INSERT INTO reservations_bookchange (changed) VALUES ({NOW_MICROSECONDS})",
                FUNCTION,
                *triggers(BOOK_TABLES, "INSERT OR UPDATE OR DELETE"),
                "DROP SEQUENCE reservations_book_version",
            ],
            reverse_sql=[
                "CREATE SEQUENCE reservations_book_version",
                "SELECT setval('reservations_book_version', 1)",
                OLD_FUNCTION,
                *triggers(BOOK_TABLES, "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
                "DROP TABLE reservations_bookchange",
            ],
        ),
    ]
