"""A new restaurant's schema built from the recorded migration SQL is the migrated one."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from restaurants import roles, schemas
from restaurants.services import restaurant_create

CATALOG = {
    "columns": """
        SELECT table_name, column_name, data_type, is_nullable, column_default,
               character_maximum_length, numeric_precision, numeric_scale,
               is_identity, identity_generation, ordinal_position
        FROM information_schema.columns WHERE table_schema = %(schema)s""",
    "constraints": """
        SELECT cls.relname, con.conname, con.contype, pg_get_constraintdef(con.oid),
               con.condeferrable, con.condeferred
        FROM pg_constraint con JOIN pg_class cls ON cls.oid = con.conrelid
        WHERE con.connamespace = %(schema)s::regnamespace""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %(schema)s""",
    "sequences": """
        SELECT sequence_name, data_type, start_value, minimum_value, maximum_value, increment
        FROM information_schema.sequences WHERE sequence_schema = %(schema)s""",
    "migrations": "SELECT app, name FROM {schema}.django_migrations",
    "content types": "SELECT app_label, model FROM {schema}.django_content_type",
    "permissions": """
        SELECT ct.app_label, ct.model, p.codename, p.name
        FROM {schema}.auth_permission p JOIN {schema}.django_content_type ct
          ON ct.id = p.content_type_id""",
}


def catalog(schema_name: str) -> dict[str, list[tuple]]:
    """Everything that makes a schema's shape, with the schema's own name taken out."""
    connection.set_schema_to_public()
    shape = {}
    with connection.cursor() as cursor:
        for part, query in CATALOG.items():
            cursor.execute(query.format(schema=f'"{schema_name}"'), {"schema": schema_name})
            shape[part] = sorted(
                tuple(
                    value.replace(f"{schema_name}.", "") if isinstance(value, str) else value
                    for value in row
                )
                for row in cursor.fetchall()
            )
    return shape


@pytest.fixture
def fresh_recording(monkeypatch):
    """As in a process that has not created a schema yet."""
    monkeypatch.setattr(schemas, "_recording", None)
    schemas.replayable.cache_clear()
    yield
    schemas.replayable.cache_clear()


def test_a_replayed_schema_is_the_migrated_one(db, fresh_recording):
    with CaptureQueriesContext(connection) as migrating:
        schemas.schema_create("shape_migrated")
    assert schemas._recording is not None
    with CaptureQueriesContext(connection) as replaying:
        schemas.schema_create("shape_replayed")
    # The second schema was built from the recording, not by the migrations.
    assert len(replaying) < len(migrating) / 2

    migrated, replayed = catalog("shape_migrated"), catalog("shape_replayed")
    for part in CATALOG:
        assert replayed[part] == migrated[part], part
    assert len(migrated["columns"]) > 200
    assert ("reservations", "reservation") in migrated["content types"]
    assert any(name == "reservation_no_overlap" for _, name, *_ in migrated["constraints"])
    assert connection.schema_name == "public"


def test_a_restaurant_on_a_replayed_schema_works_like_any_other(db, fresh_recording):
    for slug in ("shape-first", "shape-second"):
        restaurant = restaurant_create(
            name=slug,
            slug=slug,
            manager_email=f"manager@{slug}.test",
            manager_password="Tabla-de-quesos-42",
        )
    connection.set_tenant(restaurant)
    manager = get_user_model().objects.get(username="manager@shape-second.test")
    assert manager.check_password("Tabla-de-quesos-42")
    assert manager.has_perm("reservations.change_reservation")
    assert Group.objects.filter(name=roles.CASHIER).exists()
    connection.set_schema_to_public()


def test_an_unknown_data_migration_means_every_schema_is_migrated(db, fresh_recording, monkeypatch):
    monkeypatch.setattr(schemas, "EMPTY_SCHEMA_NOOPS", frozenset())
    schemas.schema_create("shape_one")
    schemas.schema_create("shape_two")
    assert schemas._recording is None
    assert catalog("shape_two") == catalog("shape_one")
