"""One restaurant's data in and out: its schema, every table, and the public rows it needs.

An archive is a zip file: ``manifest.json`` (the format, the restaurant's public rows, the
migrations applied to its schema, each table's columns, row count and SHA-256, and each
sequence's position) and one member per table, ``tables/<table>.copy``, in PostgreSQL's
COPY text format. Tables are found in the catalog, not in the apps registry, so that every
table of the schema travels: the models' and their many-to-many tables, Django's and axes'
own, ``django_migrations`` and the tables migrations create with SQL. No ``pg_dump`` is
needed (the embedded PostgreSQL ships none, and a server's must match its version); COPY
is as exact, every type included (ranges, JSON, arrays), and as fast.

The export reads one snapshot: a REPEATABLE READ, READ ONLY transaction (a booking made
meanwhile is wholly in or wholly out). The import checks every table's SHA-256 first, then
runs in one transaction: the restaurant is
created as provisioning creates it (``Restaurant.save()`` creates and migrates the schema),
what migrations seeded is emptied, every table is copied in, the sequences are moved past
the copied ids, and the foreign keys are checked before it ends. A failed import leaves
no schema and no public row.

Logged-in sessions are not exported: they are bearer credentials, and an archive that
outlives them must not be a way in. Staff log in again after a restore or a move.
"""

import datetime as dt
import graphlib
import hashlib
import json
import logging
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from psycopg import sql

from restaurants.models import Domain, Restaurant
from restaurants.services import restaurant_domain_for, restaurant_slug_validate

logger = logging.getLogger(__name__)

FORMAT = "comensal-restaurant"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Not carried: sessions (logins are not moved), and the book's change rows, which only key the
# page cache: the copy's own triggers write its version as its rows arrive.
SKIPPED_TABLES = frozenset({"django_session", "reservations_bookchange"})
CHUNK = 1 << 16

# The text format of dates, intervals, floats and bytes depends on these settings: both ends
# pin them, so that a value is read back exactly as it was written.
COPY_SETTINGS = {
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "TimeZone": "UTC",
    "extra_float_digits": "3",
    "bytea_output": "hex",
    "client_encoding": "UTF8",
}


class _Encoder(DjangoJSONEncoder):
    """Times to the microsecond (Django's encoder keeps milliseconds, as ECMAScript does)."""

    def default(self, o):
        if isinstance(o, (dt.datetime, dt.time)):
            return o.isoformat()
        return super().default(o)


@dataclass
class ImportResult:
    restaurant: Restaurant
    rows: int
    tables: int
    # Public rows the archive held that already belong to another restaurant here (a copy
    # imported beside its original cannot receive the same custom host or phone number).
    skipped: list[str] = field(default_factory=list)


# --- Export -------------------------------------------------------------------------------


def restaurant_export(*, slug: str, destination: str | Path | BinaryIO) -> dict:
    """Write the restaurant ``slug`` (schema and public rows) to a zip archive; returns its
    manifest. Outside a transaction the export reads one REPEATABLE READ snapshot; inside
    one (a test's), it reads what that transaction sees."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        _copy_settings_pin()
        with schema_context("public"):
            restaurant = Restaurant.objects.filter(slug=slug).first()
            if restaurant is None:
                raise ValidationError(
                    _("There is no restaurant with the slug '%(slug)s'.") % {"slug": slug}
                )
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "exported_at": timezone.now(),
                "server_version": connection.pg_version,
                "slug": restaurant.slug,
                "schema_name": restaurant.schema_name,
                "public": _public_rows(restaurant),
                "migrations": _migrations_applied(restaurant.schema_name),
                "sequences": _sequences_read(restaurant.schema_name),
                "skipped_tables": sorted(SKIPPED_TABLES),
                "tables": [],
            }
        if isinstance(destination, (str, Path)):
            partial = Path(f"{destination}.partial")
            try:
                with partial.open("wb") as file:
                    _archive_write(file, manifest, restaurant.schema_name)
                os.replace(partial, destination)
            finally:
                partial.unlink(missing_ok=True)
        else:
            _archive_write(destination, manifest, restaurant.schema_name)
    logger.info(
        "restaurant exported slug=%s tables=%d rows=%d",
        slug,
        len(manifest["tables"]),
        sum(table["rows"] for table in manifest["tables"]),
    )
    return manifest


def _copy_settings_pin() -> None:
    with connection.cursor() as cursor:
        for name, value in COPY_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def _archive_write(file: BinaryIO, manifest: dict, schema_name: str) -> None:
    with (
        zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as bundle,
        connection.cursor() as cursor,
    ):
        for table, columns in _tables(schema_name).items():
            if table in SKIPPED_TABLES:
                continue
            digest, rows = hashlib.sha256(), 0
            # A query rather than the table: a partitioned table is copied out whole too.
            statement = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(schema_name, table)
            )
            with (
                bundle.open(f"tables/{table}.copy", "w", force_zip64=True) as member,
                cursor.copy(statement) as copy,
            ):
                for block in copy:
                    data = bytes(block)
                    digest.update(data)
                    # One line per row: the text format escapes newlines inside values.
                    rows += data.count(b"\n")
                    member.write(data)
            manifest["tables"].append(
                {"name": table, "columns": columns, "rows": rows, "sha256": digest.hexdigest()}
            )
        bundle.writestr(MANIFEST, json.dumps(manifest, cls=_Encoder, indent=1))


def _related_public_models() -> list[tuple[type[models.Model], str]]:
    """The shared models that point at a restaurant (Domain, InboundNumber …) and the name of
    their foreign key."""
    tenant_only = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    return sorted(
        (
            (relation.related_model, relation.field.name)
            for relation in Restaurant._meta.related_objects
            if relation.one_to_many or relation.one_to_one
            if relation.related_model._meta.app_config.name not in tenant_only
        ),
        key=lambda pair: pair[0]._meta.label,
    )


def _values(instance: models.Model, *, without: set[str]) -> dict:
    return {
        model_field.attname: model_field.value_from_object(instance)
        for model_field in instance._meta.concrete_fields
        if not model_field.primary_key and model_field.name not in without
    }


def _public_rows(restaurant: Restaurant) -> dict:
    rows = {"restaurants.restaurant": [_values(restaurant, without=set())]}
    for model, foreign_key in _related_public_models():
        rows[model._meta.label_lower] = [
            _values(row, without={foreign_key})
            for row in model.objects.filter(**{foreign_key: restaurant}).order_by("pk")
        ]
    return rows


def _migrations_applied(schema_name: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT app, name FROM {} ORDER BY app, name").format(
                sql.Identifier(schema_name, "django_migrations")
            )
        )
        return [list(row) for row in cursor.fetchall()]


def _tables(schema_name: str) -> dict[str, list[str]]:
    """The schema's tables and their columns (generated ones cannot be copied in)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, a.attname
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND a.attgenerated = ''
            ORDER BY c.relname, a.attnum
            """,
            [schema_name],
        )
        tables: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            tables.setdefault(table, []).append(column)
    return tables


def _sequences_read(schema_name: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s"
            " ORDER BY sequencename",
            [schema_name],
        )
        return [{"name": name, "last_value": value} for name, value in cursor.fetchall()]


# --- Import -------------------------------------------------------------------------------


def restaurant_import(*, source: str | Path | BinaryIO, slug: str | None = None) -> ImportResult:
    """Create a restaurant from an archive of ``restaurant_export``, under its own slug or
    ``slug``: its schema holds every exported row, ids included.

    One transaction: a refused or failed import leaves no schema and no public row.
    """
    try:
        bundle = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile):
        raise ValidationError(_("This file is not a restaurant archive.")) from None
    with bundle:
        manifest = _manifest_read(bundle)
        _migrations_check(manifest["migrations"])
        _archive_verify(bundle, manifest)
        slug = slug or manifest["slug"]
        restaurant_slug_validate(slug)
        with transaction.atomic():
            restaurant, skipped = _public_rows_create(manifest, slug=slug)
            _copy_settings_pin()
            rows = _tables_fill(bundle, manifest, restaurant.schema_name)
            _sequences_move(manifest["sequences"], restaurant.schema_name)
            # The foreign keys are checked here, not at a commit that may be an outer
            # transaction's (on Citus by query: SET CONSTRAINTS does not reach the workers).
            _constraints_set(restaurant.schema_name, "IMMEDIATE")
            if schema_check := getattr(connection, "schema_foreign_keys_check", None):
                schema_check(restaurant.schema_name)
    logger.info("restaurant imported slug=%s from=%s rows=%d", slug, manifest["slug"], rows)
    return ImportResult(restaurant, rows, len(manifest["tables"]), skipped)


def _manifest_read(bundle: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(bundle.read(MANIFEST))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile):
        manifest = None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or manifest.get("version") != FORMAT_VERSION
    ):
        raise ValidationError(_("This file is not a restaurant archive."))
    return manifest


def _archive_verify(bundle: zipfile.ZipFile, manifest: dict) -> None:
    """Refuse, before anything is created, an archive whose tables are not the exported ones."""
    for table in manifest["tables"]:
        name = table["name"]
        digest, rows = hashlib.sha256(), 0
        try:
            with bundle.open(f"tables/{name}.copy") as member:
                while data := member.read(CHUNK):
                    digest.update(data)
                    rows += data.count(b"\n")
        except (KeyError, OSError, zipfile.BadZipFile, EOFError) as error:
            raise ValidationError(
                _("The archive is damaged: the table %(table)s cannot be read.") % {"table": name}
            ) from error
        if digest.hexdigest() != table["sha256"] or rows != table["rows"]:
            raise ValidationError(
                _("The archive is damaged: the table %(table)s is not the one exported.")
                % {"table": name}
            )


def migrations_expected() -> set[tuple[str, str]]:
    """The migrations a restaurant's schema has once migrated by this code: every one on
    disk (``migrate`` records a squashed migration and those it replaces alike)."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _migrations_check(archived: list[list[str]]) -> None:
    archived_set = {(app, name) for app, name in archived}
    expected = migrations_expected()
    if archived_set == expected:
        return
    ahead = sorted(f"{app}.{name}" for app, name in archived_set - expected)
    behind = sorted(f"{app}.{name}" for app, name in expected - archived_set)
    logger.info("archive refused: migrations only in it %s, only here %s", ahead, behind)
    raise ValidationError(
        _(
            "The archive comes from a database at another migration state (%(count)d "
            "migrations differ, e.g. %(example)s): migrate the source restaurant and export "
            "it again, or import it with the version of Comensal that exported it."
        )
        % {"count": len(ahead) + len(behind), "example": (ahead or behind)[0]}
    )


def _field_values(model: type[models.Model], values: dict) -> dict:
    attnames = {model_field.attname: model_field for model_field in model._meta.concrete_fields}
    return {name: attnames[name].to_python(value) for name, value in values.items()}


def _public_rows_create(manifest: dict, *, slug: str) -> tuple[Restaurant, list[str]]:
    public = manifest["public"]
    old_slug = manifest["slug"]
    skipped: list[str] = []
    with schema_context("public"):
        values = _field_values(Restaurant, public["restaurants.restaurant"][0])
        created_at = values.pop("created_at", None)
        values.update(slug=slug, schema_name=Restaurant.schema_name_for(slug))
        restaurant = Restaurant(**values)
        restaurant.save(verbosity=0)  # creates and migrates the schema
        if created_at is not None:
            Restaurant.objects.filter(pk=restaurant.pk).update(created_at=created_at)
            restaurant.created_at = created_at
        for model, foreign_key in _related_public_models():
            for row in public.get(model._meta.label_lower, []):
                values = _field_values(model, row)
                if model is Domain and values["domain"].startswith(f"{old_slug}."):
                    # The platform's host follows the slug and this server's base domain.
                    values["domain"] = restaurant_domain_for(slug)
                try:
                    with transaction.atomic():
                        model.objects.create(**{foreign_key: restaurant}, **values)
                except IntegrityError:
                    skipped.append(f"{model._meta.label_lower}: {_describe(values)}")
    return restaurant, skipped


def _describe(values: dict) -> str:
    return ", ".join(str(value) for name, value in values.items() if isinstance(value, str))


def _tables_fill(bundle: zipfile.ZipFile, manifest: dict, schema_name: str) -> int:
    present = _tables(schema_name)
    archived = {table["name"]: table for table in manifest["tables"]}
    if set(archived) != set(present) - SKIPPED_TABLES:
        raise ValidationError(_("The archive's tables are not this version's tables."))
    total = 0
    with connection.cursor() as cursor:
        # What migrations and provisioning seeded (content types, permissions, the policy
        # row: a few hundred rows) gives way to the archive's rows, ids included. DELETE, not
        # TRUNCATE: provisioning's deferred checks are still pending in this transaction, and
        # on Citus SET CONSTRAINTS does not reach the workers to fire them first. Every check
        # is deferred to the end.
        _constraints_set(schema_name, "DEFERRED")
        for table in present:
            cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(schema_name, table)))
        for name in _dependency_order(schema_name, list(archived)):
            table = archived[name]
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(schema_name, name),
                sql.SQL(", ").join(map(sql.Identifier, table["columns"])),
            )
            with bundle.open(f"tables/{name}.copy") as member, cursor.copy(statement) as copy:
                while data := member.read(CHUNK):
                    copy.write(data)
            total += table["rows"]
    return total


def _dependency_order(schema_name: str, tables: list[str]) -> list[str]:
    """Referenced tables first. Django's foreign keys are deferred to the end of the import,
    so the order matters only for keys created otherwise; a cycle keeps the names' order."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT source.relname, target.relname
            FROM pg_constraint constraint_
            JOIN pg_class source ON source.oid = constraint_.conrelid
            JOIN pg_class target ON target.oid = constraint_.confrelid
            JOIN pg_namespace n ON n.oid = source.relnamespace
            WHERE constraint_.contype = 'f' AND n.nspname = %s
              AND target.relnamespace = source.relnamespace
            """,
            [schema_name],
        )
        references = cursor.fetchall()
    graph = {table: set() for table in sorted(tables)}
    for source, target in references:
        if source != target and source in graph and target in graph:
            graph[source].add(target)
    try:
        return list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        return sorted(tables)


def _constraints_set(schema_name: str, mode: str) -> None:
    """``SET CONSTRAINTS … IMMEDIATE|DEFERRED`` for the schema's deferrable constraints
    (Django's foreign keys) only: an outer transaction's other schemas keep their mode.
    Made immediate, the checks pending so far run at once."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT constraint_.conname
            FROM pg_constraint constraint_
            JOIN pg_namespace n ON n.oid = constraint_.connamespace
            WHERE n.nspname = %s AND constraint_.condeferrable
            ORDER BY constraint_.conname
            """,
            [schema_name],
        )
        names = [name for (name,) in cursor.fetchall()]
        if names:
            cursor.execute(
                sql.SQL("SET CONSTRAINTS {} {}").format(
                    sql.SQL(", ").join(sql.Identifier(schema_name, name) for name in names),
                    sql.SQL({"IMMEDIATE": "IMMEDIATE", "DEFERRED": "DEFERRED"}[mode]),
                )
            )


def _sequences_move(sequences: list[dict], schema_name: str) -> None:
    """Each sequence where the source's was, or past the largest id copied in: a new row
    never takes an id the source gave, even one whose row was deleted since."""
    owners = _sequence_owners(schema_name)
    with connection.cursor() as cursor:
        for sequence in sequences:
            name = sequence["name"]
            candidates = [sequence["last_value"]]
            if name in owners:
                table, column = owners[name]
                cursor.execute(
                    sql.SQL("SELECT max({}) FROM {}").format(
                        sql.Identifier(column), sql.Identifier(schema_name, table)
                    )
                )
                candidates.append(cursor.fetchone()[0])
            cursor.execute(
                "SELECT last_value FROM pg_sequences WHERE schemaname = %s AND sequencename = %s",
                [schema_name, name],
            )
            current = cursor.fetchone()
            if current is None:
                raise ValidationError(_("The archive's tables are not this version's tables."))
            candidates.append(current[0])
            position = max((value for value in candidates if value is not None), default=None)
            if position is not None:
                cursor.execute(
                    "SELECT setval(format('%%I.%%I', %s, %s)::regclass, %s, true)",
                    [schema_name, name, position],
                )


def _sequence_owners(schema_name: str) -> dict[str, tuple[str, str]]:
    """Each sequence owned by a column (serial or identity): its table and column."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT sequence_.relname, table_.relname, a.attname
            FROM pg_depend d
            JOIN pg_class sequence_ ON sequence_.oid = d.objid AND sequence_.relkind = 'S'
            JOIN pg_class table_ ON table_.oid = d.refobjid
            JOIN pg_attribute a ON a.attrelid = table_.oid AND a.attnum = d.refobjsubid
            JOIN pg_namespace n ON n.oid = sequence_.relnamespace
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.deptype IN ('a', 'i') AND n.nspname = %s
            """,
            [schema_name],
        )
        return {sequence: (table, column) for sequence, table, column in cursor.fetchall()}


def archive_name(slug: str) -> str:
    """A file name for a new archive of ``slug``: ``<slug>-<UTC date and time>.zip``."""
    return f"{slug}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.zip"
