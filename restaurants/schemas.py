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
"""

import functools
import logging
import threading
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone, translation
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
    """What migrating an empty schema did: the schema editor's statements, the migrations."""

    statements: list[tuple[str, object]]
    migrations: list[tuple[str, str]]


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


def _migrate_recorded(schema_name: str, verbosity: int) -> Recording:
    schema_logger = logging.getLogger(SCHEMA_LOGGER)
    handler = _StatementsHandler()
    level, propagate = schema_logger.level, schema_logger.propagate
    schema_logger.addHandler(handler)
    schema_logger.setLevel(logging.DEBUG)
    schema_logger.propagate = False
    try:
        _migrate(schema_name, verbosity)
    finally:
        schema_logger.removeHandler(handler)
        schema_logger.setLevel(level)
        schema_logger.propagate = propagate
    connection.set_schema(schema_name, include_public=False)
    try:
        migrations = sorted(MigrationRecorder(connection).applied_migrations())
    finally:
        connection.set_schema_to_public()
    return Recording(handler.statements, migrations)


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
    # As django-tenants migrates: the new schema first in the search path, then public.
    connection.set_schema(schema_name)
    try:
        with connection.cursor() as cursor:
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
        # As ``migrate`` does: permission names in the models' own (untranslated) words.
        with translation.override(None):
            emit_post_migrate_signal(0, False, connection.alias)
    finally:
        connection.set_schema_to_public()
