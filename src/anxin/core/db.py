"""Database-level guards that hold whatever code runs: triggers on SQLite and PostgreSQL."""

from django.db import migrations

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


def _sqlite_append_only(table: str) -> tuple[list[str], list[str]]:
    msg = f"anxin: {table} is append-only"
    forward = [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{msg}'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{msg}'); END;",
    ]
    reverse = [
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
    ]
    return forward, reverse


def _postgres_append_only(table: str) -> tuple[list[str], list[str]]:
    fn = f"{table}_append_only"
    msg = f"anxin: {table} is append-only"
    forward = [
        f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger AS $$ BEGIN "
        f"RAISE EXCEPTION '{msg}'; END; $$ LANGUAGE plpgsql;",
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
    """``AppendOnly("audit_operationlog")``: UPDATE and DELETE are refused by the database."""

    builders = {"sqlite": _sqlite_append_only, "postgresql": _postgres_append_only}
