"""Database-level guards that hold whatever code runs: triggers on SQLite and PostgreSQL."""

import re
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, migrations
from django.db.models import FloatField, Func

_MESSAGE = "anxin: {what} of {table} cannot be changed"


def _sqlite_protect(table: str, columns: list[str]) -> tuple[list[str], list[str]]:
    name = f"{table}_protect_{'_'.join(columns)}"
    cond = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    msg = _MESSAGE.format(what=", ".join(columns), table=table)
    forward = [
        f"CREATE TRIGGER {name} BEFORE UPDATE OF {', '.join(columns)} ON {table} "
        f"FOR EACH ROW WHEN {cond} BEGIN SELECT RAISE(ABORT, '{msg}'); END;"
    ]
    return forward, [f"DROP TRIGGER IF EXISTS {name};"]


def _postgres_protect(table: str, columns: list[str]) -> tuple[list[str], list[str]]:
    name = f"{table}_protect_{'_'.join(columns)}"
    cond = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
    msg = _MESSAGE.format(what=", ".join(columns), table=table)
    forward = [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
        f"IF {cond} THEN RAISE EXCEPTION '{msg}'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql;",
        f"CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();",
    ]
    return forward, [
        f"DROP TRIGGER IF EXISTS {name} ON {table};",
        f"DROP FUNCTION IF EXISTS {name}();",
    ]


_SWITCH_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def _switch(name: str) -> str:
    if not _SWITCH_NAME.match(name):
        raise ValueError(f"switch names are lower-case identifiers, not {name!r}")
    return name


def _sqlite_append_only(table: str, switch: str = "") -> tuple[list[str], list[str]]:
    msg = f"anxin: {table} is append-only"
    # With a switch, DELETE passes only while ``deletes_allowed(switch)`` is on for this
    # connection; a connection without the function (the sqlite3 shell) cannot delete at all.
    when = f" WHEN NOT anxin_switch('{_switch(switch)}')" if switch else ""
    forward = [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{msg}'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}{when} "
        f"BEGIN SELECT RAISE(ABORT, '{msg}'); END;",
    ]
    reverse = [
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
    ]
    return forward, reverse


def _postgres_append_only(table: str, switch: str = "") -> tuple[list[str], list[str]]:
    fn = f"{table}_append_only"
    msg = f"anxin: {table} is append-only"
    allow = (
        f"IF TG_OP <> 'UPDATE' AND current_setting('anxin.{_switch(switch)}', true) = 'on' THEN "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NULL; END IF; "
        if switch
        else ""
    )
    forward = [
        f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$ BEGIN "
        f"{allow}RAISE EXCEPTION '{msg}'; END; $$ LANGUAGE plpgsql;",
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {fn}();",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}();",
    ]
    reverse = [
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        f"DROP FUNCTION IF EXISTS {fn}();",
    ]
    return forward, reverse


class _VendorSQL(migrations.RunPython):
    """Runs vendor-specific SQL; keeps migrations portable between SQLite and PostgreSQL."""

    builders: dict = {}

    def __init__(self, *args):
        self.args = args
        super().__init__(self._forward, self._reverse, hints={"anxin_sql": True})

    def _sql(self, schema_editor, index: int) -> list[str]:
        vendor = schema_editor.connection.vendor
        builder = self.builders.get(vendor)
        return builder(*self.args)[index] if builder else []

    def _forward(self, apps, schema_editor):
        for statement in self._sql(schema_editor, 0):
            schema_editor.execute(statement, params=None)

    def _reverse(self, apps, schema_editor):
        for statement in self._sql(schema_editor, 1):
            schema_editor.execute(statement, params=None)

    def deconstruct(self):
        return (self.__class__.__qualname__, list(self.args), {})


class ProtectColumns(_VendorSQL):
    """``ProtectColumns("clients_client", ["code"])``: the database refuses changes to them."""

    builders = {"sqlite": _sqlite_protect, "postgresql": _postgres_protect}


class AppendOnly(_VendorSQL):
    """``AppendOnly("audit_operationlog")``: UPDATE and DELETE are refused by the database.

    ``AppendOnly("audit_uselog", "audit_purge")`` names a switch: DELETE (and TRUNCATE) then
    pass only inside ``deletes_allowed("audit_purge")`` — the one privileged path, used by the
    retention purge. UPDATE is refused always. SQLite drops a table's triggers when a later
    migration rebuilds the table: such a migration must apply ``AppendOnly`` again.
    """

    builders = {"sqlite": _sqlite_append_only, "postgresql": _postgres_append_only}


def install_sqlite_switches(sender=None, connection=None, **kwargs):
    """``connection_created`` receiver: gives SQLite the ``anxin_switch()`` the triggers call."""
    if connection is not None and connection.vendor == "sqlite":
        wrapper = connection
        connection.connection.create_function(
            "anxin_switch", 1, lambda name: int(name in getattr(wrapper, "_anxin_switches", ()))
        )


@contextmanager
def deletes_allowed(switch: str, using: str = DEFAULT_DB_ALIAS):
    """Let this connection (only) delete from the tables guarded by ``AppendOnly(table, switch)``.

    On PostgreSQL the switch is a custom setting (transaction-local inside ``atomic``, else for
    the session until exit); on SQLite a flag read by a function registered on the connection.
    """
    conn = connections[using]
    name = _switch(switch)
    if conn.vendor == "postgresql":
        local = conn.in_atomic_block
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', %s)", [f"anxin.{name}", local])
        try:
            yield
        finally:
            if not conn.needs_rollback:
                with conn.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'off', %s)", [f"anxin.{name}", local])
    elif conn.vendor == "sqlite":
        conn.ensure_connection()
        install_sqlite_switches(connection=conn)
        switches = conn.__dict__.setdefault("_anxin_switches", set())
        switches.add(name)
        try:
            yield
        finally:
            switches.discard(name)
    else:
        yield


class SecondsBetween(Func):
    """``later - earlier`` in seconds, computed by the database itself (for sums of durations).

    Django's own datetime subtraction runs a Python function per row on SQLite; this is
    ``julianday`` arithmetic there (exact to well under a millisecond) and ``EXTRACT(EPOCH …)``
    on PostgreSQL.
    """

    arg_joiner = " - "
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    output_field = FloatField()

    def __init__(self, later, earlier, **extra):
        super().__init__(later, earlier, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        (later, later_params), (earlier, earlier_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        sql = f"((julianday({later}) - julianday({earlier})) * 86400.0)"
        return sql, (*later_params, *earlier_params)


# -- planner statistics ----------------------------------------------------------------------

# Rows SQLite reads per index for the hourly statistics (PRAGMA analysis_limit): approximate
# figures in milliseconds rather than a read of every table; the planner needs proportions.
ANALYSIS_LIMIT = 1000


def update_statistics(*, full: bool = True, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give the query planner current statistics (row counts, index selectivity).

    Without them SQLite guesses, and at a store's scale it guesses wrong: a per-client
    subquery instead of an index, minutes instead of milliseconds. ``full``: after a bulk
    change (demo data, an import, a restore) every row is read (SQLite ``ANALYZE``); otherwise
    (the hourly task) a bounded sample per index and ``PRAGMA optimize``. PostgreSQL:
    ``ANALYZE`` (autovacuum also does it, but late after a bulk load or a restore)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={0 if full else ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
