"""The book's version: a number PostgreSQL moves on every change of what the public booking
pages show (bookings, tables, the policy, its hours, closed dates and price brackets; the
menu's own migration adds its tables). The pages are cached under it, so that no write,
from whatever code path, leaves a stale page behind."""

from django.db import migrations

BOOK_TABLES = [
    "reservations_reservation",
    "reservations_table",
    "reservations_bookingpolicy",
    "reservations_openingperiod",
    "reservations_closeddate",
    "reservations_tablepricebracket",
]

FUNCTION = """
CREATE FUNCTION reservations_book_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval(quote_ident(TG_TABLE_SCHEMA) || '.reservations_book_version');
    RETURN NULL;
END
$$
"""


def trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_book_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION reservations_book_changed()"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0006_customer_language"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "CREATE SEQUENCE reservations_book_version",
                # Called once, so that every later change shows in last_value.
                "SELECT setval('reservations_book_version', 1)",
                FUNCTION,
                *(trigger(table) for table in BOOK_TABLES),
            ],
            reverse_sql=[
                *(f"DROP TRIGGER {table}_book_changed ON {table}" for table in BOOK_TABLES),
                "DROP FUNCTION reservations_book_changed()",
                "DROP SEQUENCE reservations_book_version",
            ],
        ),
    ]
