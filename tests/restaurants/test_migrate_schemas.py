"""migrate_schemas over many restaurants: the schemas that lack nothing are left alone, the
first of a group is migrated and the others receive the same statements, and each ends
exactly as a schema migrated one by one would."""

import psycopg
import pytest

from tests.conftest import manage

SLUGS = ["uno", "dos", "tres"]


def triggers_and_record(database_url: str, schema: str) -> tuple[set[str], bool, int]:
    """(events of the dish table's book trigger, menu 0004 recorded?, permission rows)."""
    with psycopg.connect(database_url) as server:
        (tgtype,) = server.execute(
            "SELECT tgtype FROM pg_trigger WHERE tgname = 'menu_dish_book_changed'"
            " AND tgrelid = to_regclass(%s)",
            [f"{schema}.menu_dish"],
        ).fetchone()
        recorded = server.execute(
            f"SELECT count(*) FROM {schema}.django_migrations"
            " WHERE app = 'menu' AND name = '0004_book_changes'"
        ).fetchone()[0]
        permissions = server.execute(f"SELECT count(*) FROM {schema}.auth_permission").fetchone()[0]
    events = {
        name
        for bit, name in ((4, "insert"), (8, "delete"), (16, "update"), (32, "truncate"))
        if tgtype & bit
    }
    return events, bool(recorded), permissions


@pytest.fixture
def three_restaurants(second_database):
    for slug in SLUGS:
        manage(
            second_database, "provision", "--name", slug.title(), "--slug", slug,
            "--manager-email", f"gerente@{slug}.test", "--manager-password", "Clave-Segura-2030",
        )  # fmt: skip
    return second_database


def test_a_migration_undone_and_done_again_reaches_every_restaurant_and_only_those_behind(
    three_restaurants,
):
    url = three_restaurants
    before = {slug: triggers_and_record(url, slug) for slug in SLUGS}
    assert all(
        state == ({"insert", "update", "delete"}, True, before["uno"][2])
        for state in before.values()
    )

    undone = manage(url, "migrate_schemas", "--tenant", "--noinput", "menu", "0003")
    assert "0 schemas up to date, 3 to migrate" in undone
    assert "3 schemas migrated (2 replayed)" in undone
    for slug in SLUGS:
        events, recorded, _permissions = triggers_and_record(url, slug)
        assert events == {"insert", "update", "delete", "truncate"} and not recorded, slug

    done = manage(url, "migrate_schemas", "--noinput")
    assert "3 schemas migrated (2 replayed)" in done
    assert {slug: triggers_and_record(url, slug) for slug in SLUGS} == before

    again = manage(url, "migrate_schemas", "--noinput")
    assert "3 schemas up to date, 0 to migrate" in again
    assert "Starting migration" not in again.replace("[standard:public] === Starting", "")

    # One restaurant left behind (restored from an old backup, say) is brought level alone.
    manage(url, "migrate_schemas", "--schema", "dos", "--noinput", "menu", "0003")
    level = manage(url, "migrate_schemas", "--noinput")
    assert "2 schemas up to date, 1 to migrate" in level
    assert triggers_and_record(url, "dos") == before["dos"]
