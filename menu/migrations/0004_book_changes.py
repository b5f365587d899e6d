"""The menu's triggers follow the book's (reservations' migration 0012): on insert, update
and delete, no longer on TRUNCATE, which a Citus worker's shards cannot carry."""

from django.db import migrations

MENU_TABLES = ["menu_category", "menu_dish"]


def triggers(events: str) -> list[str]:
    statements = []
    for table in MENU_TABLES:
        statements += [
            f"DROP TRIGGER {table}_book_changed ON {table}",
            f"CREATE TRIGGER {table}_book_changed AFTER {events} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION reservations_book_changed()",
        ]
    return statements


class Migration(migrations.Migration):
    dependencies = [
        ("menu", "0003_book_version"),
        ("reservations", "0012_book_changes"),
    ]

    operations = [
        migrations.RunSQL(
            sql=triggers("INSERT OR UPDATE OR DELETE"),
            reverse_sql=triggers("INSERT OR UPDATE OR DELETE OR TRUNCATE"),
        ),
    ]
