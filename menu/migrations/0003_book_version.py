"""The menu's changes move the book's version too: the public booking page lists the
dishes (see reservations' migration 0007)."""

from django.db import migrations

MENU_TABLES = ["menu_category", "menu_dish"]


class Migration(migrations.Migration):
    dependencies = [
        ("menu", "0002_initial"),
        ("reservations", "0007_book_version"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                f"CREATE TRIGGER {table}_book_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION reservations_book_changed()"
                for table in MENU_TABLES
            ],
            reverse_sql=[f"DROP TRIGGER {table}_book_changed ON {table}" for table in MENU_TABLES],
        ),
    ]
