"""A new restaurant's schema: migrated once per process, then built from that migration's SQL.

Migrating a new schema costs about 2 s, and three quarters of it is Django rendering model
states for every migration of the project (the shared apps' ones too); the SQL itself is a
fraction. Every new schema starts empty and runs the same migrations, so it receives the same
statements: the first schema a process creates is migrated normally while the schema
editor's statements are recorded from its documented logger (``django.db.backends.schema``);
the next ones replay those statements in a few round trips, record the same migrations as
applied and send ``post_migrate`` (content types and permissions), as ``migrate`` does.

Data migrations (``RunPython``) are not SQL the schema editor logs: when a tenant app's
migration has one that is not known to be a no-op on an empty schema, nothing is recorded and
every schema is migrated normally.

The same holds for a new migration across a thousand restaurants: ``migrate_schemas`` runs
with ``MigrateEveryRestaurant`` (``GET_EXECUTOR_FUNCTION``), which reads each schema's applied
migrations (one query each) and leaves alone the schemas that have them all, migrates the
first schema of each group in the same state normally while recording it, and replays that
recording into the others, each in one transaction (one that fails is migrated normally).
A migration with a data migration (``RunPython``) is run for every schema by django-tenants'
multiprocessing executor, one process per core.
"""

import functools
import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone, translation
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations
from django_tenants.migration_executors.multiproc import MultiprocessingExecutor
from django_tenants.migration_executors.standard import StandardExecutor
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import quote_schema_name

logger = logging.getLogger(__name__)

SCHEMA_LOGGER = "django.db.backends.schema"
# Data migrations of the tenant apps (Django's, axes', ours) that find no rows on an empty
# schema.
EMPTY_SCHEMA_NOOPS = frozenset(
    {
        "django.contrib.contenttypes.migrations.0002_remove_content_type_name.add_legacy_name",
        "django.contrib.auth.migrations.0011_update_proxy_permissions."
        "update_proxy_model_permissions",
        "axes.migrations.0007_alter_accessattempt_unique_together.deduplicate_attempts",
        "notifications.migrations.0004_inbound_numbers_fill.inbound_numbers_fill",
    }
)


@dataclass(frozen=True)
class Recording:
    """What migrating a schema did: the schema editor's statements, the migrations it
    recorded as applied and those it recorded as unapplied."""

    statements: list[tuple[str, object]]
    migrations: list[tuple[str, str]]
    unapplied: tuple[tuple[str, str], ...] = ()


_recording: Recording | None = None
_lock = threading.Lock()


class _StatementsHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.thread = threading.get_ident()
        self.statements: list[tuple[str, object]] = []

    def emit(self, record):
        if record.thread == self.thread:
            self.statements.append((str(record.sql), record.params))


@functools.cache
def replayable() -> bool:
    """True when the tenant apps' migrations are all schema editor work (see the module)."""
    tenant_labels = {
        config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS
    }
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = [
        f"{app}.{name}"
        for (app, name), migration in loader.disk_migrations.items()
        if app in tenant_labels
        for operation in migration.operations
        if isinstance(operation, RunPython)
        and operation.code is not RunPython.noop
        and f"{operation.code.__module__}.{operation.code.__qualname__}" not in EMPTY_SCHEMA_NOOPS
    ]
    if unknown:
        logger.info("new schemas are migrated one by one: data migrations %s", unknown)
    return not unknown


def schema_create(schema_name: str, *, verbosity: int = 0) -> None:
    """Create and migrate the empty schema ``schema_name`` (the caller's transaction holds)."""
    global _recording
    _check_schema_name(schema_name)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quote_schema_name(schema_name)}")
    if _recording is None and replayable():
        with _lock:
            if _recording is None:
                _recording = _migrate_recorded(schema_name, verbosity)
                return
    if _recording is None:
        _migrate(schema_name, verbosity)
    else:
        _replay(schema_name, _recording)


@contextmanager
def _statements_recorded():
    """The schema editor's statements of this thread, while the block runs."""
    schema_logger = logging.getLogger(SCHEMA_LOGGER)
    handler = _StatementsHandler()
    level, propagate = schema_logger.level, schema_logger.propagate
    schema_logger.addHandler(handler)
    schema_logger.setLevel(logging.DEBUG)
    schema_logger.propagate = False
    try:
        yield handler.statements
    finally:
        schema_logger.removeHandler(handler)
        schema_logger.setLevel(level)
        schema_logger.propagate = propagate


def _migrate_recorded(schema_name: str, verbosity: int) -> Recording:
    with _statements_recorded() as statements:
        _migrate(schema_name, verbosity)
    return Recording(statements, sorted(_applied(schema_name)))


def _applied(schema_name: str) -> set[tuple[str, str]]:
    """The migrations recorded as applied in ``schema_name`` (none when it has no record)."""
    table = f"{quote_schema_name(schema_name)}.django_migrations"
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        if not cursor.fetchone()[0]:
            return set()
        cursor.execute(f"SELECT app, name FROM {table}")
        return set(cursor.fetchall())


def _migrate(schema_name: str, verbosity: int) -> None:
    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name=schema_name,
        interactive=False,
        verbosity=verbosity,
    )
    connection.set_schema_to_public()


def _replay(schema_name: str, recording: Recording) -> None:
    # As django-tenants migrates: the schema first in the search path, then public.
    connection.set_schema(schema_name)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            batch: list[str] = []
            for sql, params in recording.statements:
                if params is None:
                    batch.append(sql)
                    continue
                if batch:
                    cursor.execute(";\n".join(batch))
                    batch = []
                cursor.execute(sql, params)
            if batch:
                cursor.execute(";\n".join(batch))
            applied = timezone.now()
            Migration = MigrationRecorder(connection).Migration
            Migration.objects.bulk_create(
                Migration(app=app, name=name, applied=applied) for app, name in recording.migrations
            )
            for app, name in recording.unapplied:
                Migration.objects.filter(app=app, name=name).delete()
            # As ``migrate`` does: permission names in the models' own (untranslated) words.
            with translation.override(None):
                emit_post_migrate_signal(0, False, connection.alias)
    finally:
        connection.set_schema_to_public()


# --- migrate_schemas over every restaurant -------------------------------------------------


class ParallelExecutor(MultiprocessingExecutor):
    """django-tenants' multiprocessing executor (``TENANT_MULTIPROCESSING_MAX_PROCESSES``,
    one per core) whose forked processes each open their own connections: the parent's psycopg
    pool is closed before the fork, or the processes would share its sockets."""

    def run_migrations(self, tenants=None):
        _pool_close(self.TENANT_DB_ALIAS)
        super().run_migrations(tenants)


def _pool_close(alias: str) -> None:
    if getattr(connections[alias], "pool", None) is not None:
        connections[alias].close_pool()


class MigrateEveryRestaurant(MigrationExecutor):
    """Migrates only the restaurants' schemas that lack a migration, and each group of schemas
    in the same state by replaying what migrating its first one did (see the module)."""

    codename = "comensal"
    # Options under which each schema must go through ``migrate`` itself.
    ONE_BY_ONE_OPTIONS = ("fake", "fake_initial", "plan", "prune", "check_unapplied")

    def _fallback(self) -> MigrationExecutor:
        executor = ParallelExecutor if self.options.get("executor") != "standard" else None
        return (executor or StandardExecutor)(self.args, self.options)

    def say(self, message: str) -> None:
        if int(self.options.get("verbosity", 1)) >= 1:
            print(f"[{self.codename}] {message}", flush=True)

    def run_migrations(self, tenants=None):
        tenants = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in tenants:
            tenants.remove(self.PUBLIC_SCHEMA_NAME)
            run_migrations(self.args, self.options, "standard", self.PUBLIC_SCHEMA_NAME)
        if not tenants:
            return
        if any(self.options.get(option) for option in self.ONE_BY_ONE_OPTIONS):
            return self._fallback().run_migrations(tenants)
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        every_migration = set(loader.graph.nodes)
        targeted = bool(self.options.get("app_label"))
        groups: dict[frozenset, list[str]] = {}
        for schema_name in tenants:
            applied = _applied(schema_name)
            if targeted or not every_migration <= applied:
                groups.setdefault(frozenset(applied), []).append(schema_name)
        pending = sum(len(schemas) for schemas in groups.values())
        self.say(f"{len(tenants) - pending} schemas up to date, {pending} to migrate")
        for applied, schemas in groups.items():
            self._migrate_group(loader, applied, schemas)

    def _migrate_group(self, loader, applied: frozenset, schemas: list[str]) -> None:
        first, rest = schemas[0], schemas[1:]
        with _statements_recorded() as statements:
            run_migrations(self.args, self.options, self.codename, first)
        after = _applied(first)
        recording = Recording(statements, sorted(after - applied), tuple(sorted(applied - after)))
        if not rest or not (recording.migrations or recording.unapplied):
            return
        if _has_data_migration(loader, [*recording.migrations, *recording.unapplied]):
            self.say(f"data migrations: {len(rest)} schemas migrated one by one")
            return self._fallback().run_migrations(rest)
        for schema_name in rest:
            try:
                _replay(schema_name, recording)
            except DatabaseError:
                logger.exception("replay failed schema=%s: migrated normally", schema_name)
                run_migrations(self.args, self.options, self.codename, schema_name)
        self.say(f"{len(schemas)} schemas migrated ({len(rest)} replayed)")


def _has_data_migration(loader, migrations: list[tuple[str, str]]) -> bool:
    return any(
        isinstance(operation, RunPython)
        and not (
            operation.code is RunPython.noop and operation.reverse_code in (None, RunPython.noop)
        )
        for key in migrations
        for operation in loader.disk_migrations[key].operations
    )


def get_executor(codename=None) -> type[MigrationExecutor]:
    """``GET_EXECUTOR_FUNCTION``: every ``migrate_schemas`` goes through the one above;
    ``--executor standard`` makes its fallback sequential."""
    return MigrateEveryRestaurant
