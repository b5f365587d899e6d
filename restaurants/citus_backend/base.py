import sqlparse
from django.db.backends import utils
from django.db.backends.postgresql import base as postgresql
from django_tenants.postgresql_backend import base as tenants

from restaurants.citus_backend.constraints import distributed_foreign_keys_check
from restaurants.citus_backend.schema import DatabaseSchemaEditor


class OneStatementAtATime:
    """Sends an SQL script (several statements, no parameters) one statement at a time.

    The coordinator accepts a script, but forwards the DDL in it to the worker holding the
    schema as the whole script in one prepared command, which PostgreSQL refuses ("cannot
    insert multiple commands into a prepared statement"). New restaurants' schemas are built by
    replaying their migrations' statements in such scripts (restaurants/schemas.py). The split
    is below Django's query log and execute wrappers: they see the one script, as on PostgreSQL.
    Only parameterless SQL with a semicolon is parsed: the ORM always passes parameters."""

    def _execute(self, sql, params, *ignored_wrapper_args):
        if params is None and isinstance(sql, str) and ";" in sql:
            # PostgreSQL's own prepare_sql_script() keeps a script whole; sqlparse, as
            # Django's other backends use it, knows quoted and dollar-quoted bodies.
            statements = [statement for statement in sqlparse.split(sql) if statement]
            if len(statements) > 1:
                self.db.validate_no_broken_transaction()
                with self.db.wrap_database_errors:
                    for statement in statements:
                        result = self.cursor.execute(statement)
                return result
        return super()._execute(sql, params, *ignored_wrapper_args)


class CursorWrapper(OneStatementAtATime, utils.CursorWrapper):
    pass


class CursorDebugWrapper(OneStatementAtATime, postgresql.CursorDebugWrapper):
    pass


class DatabaseWrapper(tenants.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor

    def make_cursor(self, cursor):
        return CursorWrapper(cursor, self)

    def make_debug_cursor(self, cursor):
        return CursorDebugWrapper(cursor, self)

    def check_constraints(self, table_names=None):
        """SET CONSTRAINTS ALL IMMEDIATE checks the coordinator's own tables (public); the
        distributed tables' foreign keys are checked by query (see constraints.py)."""
        super().check_constraints(table_names)
        distributed_foreign_keys_check(self, table_names)

    def schema_foreign_keys_check(self, schema_name: str) -> None:
        """The foreign keys of one restaurant's schema, checked now (``SET CONSTRAINTS …
        IMMEDIATE`` does not reach the workers)."""
        distributed_foreign_keys_check(self, schema_name=schema_name)
