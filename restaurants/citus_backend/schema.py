from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PostgreSQLSchemaEditor


class DatabaseSchemaEditor(PostgreSQLSchemaEditor):
    def add_field(self, model, field):
        """ADD COLUMN, then the column's CHECK as a constraint of its own: Citus refuses an
        inline one ("all constraints in Citus must have explicit names"). The name is the one
        Django gives a CHECK it adds when a field is altered, so later alterations find it."""
        check = field.db_parameters(connection=self.connection)["check"]
        if not check:
            return super().add_field(model, field)
        self.sql_check_constraint = ""  # the instance's, for this one ADD COLUMN
        try:
            super().add_field(model, field)
        finally:
            del self.sql_check_constraint
        name = self._create_index_name(model._meta.db_table, [field.column], suffix="_check")
        self.execute(self._create_check_sql(model, name, check))
