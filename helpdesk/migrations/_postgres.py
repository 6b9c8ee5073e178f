"""Index operations for large tables, shared by migrations (a module whose name starts with
an underscore is not a migration): CONCURRENTLY on PostgreSQL, so tickets are still read and
written while an index is built or dropped; the plain operation elsewhere (SQLite has no
such thing)."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex


def _concurrently_on_postgres(concurrently: type, plain: type) -> type:
    class Operation(concurrently):
        def database_forwards(self, app_label, schema_editor, from_state, to_state):
            chosen = concurrently if schema_editor.connection.vendor == "postgresql" else plain
            chosen.database_forwards(self, app_label, schema_editor, from_state, to_state)

        def database_backwards(self, app_label, schema_editor, from_state, to_state):
            chosen = concurrently if schema_editor.connection.vendor == "postgresql" else plain
            chosen.database_backwards(self, app_label, schema_editor, from_state, to_state)

    Operation.__name__ = f"{concurrently.__name__}OnPostgres"
    return Operation


AddIndexConcurrentlyOnPostgres = _concurrently_on_postgres(AddIndexConcurrently, AddIndex)
RemoveIndexConcurrentlyOnPostgres = _concurrently_on_postgres(RemoveIndexConcurrently, RemoveIndex)
