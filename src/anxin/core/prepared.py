"""Statements the ORM builds once per process, run with new values each time.

Building a query's SQL costs the ORM far more than the database takes to run it: on a checkout,
each of its small look-ups and inserts cost 0.3–0.7 ms of Python and a few hundredths of a
millisecond of SQLite. A statement that a hot path runs on every request is therefore built
here once per process (per database and shape of its values) by the ORM itself — its SQL,
its column converters, how its rows become model instances — and afterwards only its values
are bound. The SQL is the ORM's, for whichever database is in use: nothing is hand-written.

``Prepared(build)``: ``build(**values)`` returns the QuerySet; calling the ``Prepared`` with
the same keyword values returns the QuerySet's rows as a list (model instances, tuples, flat
values or dicts, as the QuerySet would). The values are ints, strings, dates, aware datetimes
or lists of them; booleans and None are part of the statement's shape. The ORM builds the
statement with stand-in values, and each parameter of its SQL that is a stand-in is bound to
the caller's value, converted as the ORM converts it; a statement whose stand-ins the ORM
changed (``__contains``, ``__year``…) is refused when it is built, so a test finds it.

``insert(objs)``: the rows of one model written with one INSERT (its SQL kept per model and
number of rows), their ids read back; the fields' ``pre_save`` and database conversion are the
ORM's, as in ``bulk_create``, which it otherwise stands for.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import AutoField, DateField, DateTimeField, Field, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.transaction import TransactionManagementError

_SCALARS = (int, str, dt.datetime, dt.date)


def _kind(value) -> str:
    if isinstance(value, bool) or value is None:
        return "const"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise TypeError("a prepared statement takes aware datetimes")
        return "datetime"
    for kind in (int, str, dt.date):
        if isinstance(value, kind):
            return kind.__name__
    raise TypeError(f"a prepared statement cannot take a {type(value).__name__}")


def _stand_in(kind: str, k: int):
    if kind == "int":
        return 1_900_000_000 + k
    if kind == "str":
        return f"\x01stand-in {k}\x01"
    if kind == "date":
        return dt.date(1901, 1, 1) + dt.timedelta(days=k)
    return dt.datetime(1901, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=k, microseconds=k + 1)


def _shape(values: dict) -> tuple[tuple, list]:
    """The statement's shape (what changes its SQL) and the values to bind, in slot order."""
    shape, bound = [], []
    for name in sorted(values):
        value = values[name]
        if isinstance(value, list | tuple | set | frozenset):
            items = [v for v in dict.fromkeys(value) if v is not None]  # as ``__in`` does
            kinds = {_kind(v) for v in items}
            if "const" in kinds or len(kinds) > 1:
                raise TypeError(f"{name}: a list of one kind of value")
            shape.append((name, "list", kinds.pop() if kinds else "", len(items)))
            bound.extend(items)
        else:
            kind = _kind(value)
            shape.append((name, kind, value if kind == "const" else None))
            if kind != "const":
                bound.append(value)
    return tuple(shape), bound


def _adapt(how: str, value, ops):
    if how == "date":
        return ops.adapt_datefield_value(value)
    if how == "datetime":
        return ops.adapt_datetimefield_value(value)
    return value


class _Plan:
    """One statement: its SQL, which parameters take which value, how rows are read."""

    def __init__(self, build: Callable[..., QuerySet], shape: tuple, conn, using: str):
        stand_ins, arguments, k = {}, {}, 0
        for entry in shape:
            name, kind = entry[0], entry[1]
            if kind == "const":
                arguments[name] = entry[2]
            elif kind == "list":
                arguments[name] = []
                for _ in range(entry[3]):
                    stand_ins[k] = _stand_in(entry[2], k)
                    arguments[name].append(stand_ins[k])
                    k += 1
            else:
                stand_ins[k] = arguments[name] = _stand_in(kind, k)
                k += 1
        queryset = build(**arguments)
        self._reader(queryset)
        compiler = queryset.query.get_compiler(using=using)
        self.empty = False
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            self.empty = True
            return
        except FullResultSet:  # pragma: no cover - a select always has columns
            raise
        self.for_update = bool(queryset.query.select_for_update)
        ops = conn.ops
        wanted = {}
        for slot, value in stand_ins.items():
            wanted[(type(value), value)] = (slot, "same")
            if isinstance(value, dt.datetime):
                adapted = ops.adapt_datetimefield_value(value)
                wanted.setdefault((type(adapted), adapted), (slot, "datetime"))
            elif isinstance(value, dt.date):
                adapted = ops.adapt_datefield_value(value)
                wanted.setdefault((type(adapted), adapted), (slot, "date"))
        self.sql, self.params, self.slots, found = sql, list(params), [], set()
        for position, param in enumerate(self.params):
            hit = wanted.get((type(param), param)) if isinstance(param, _SCALARS) else None
            if hit is None:
                if isinstance(param, str) and "\x01stand-in" in param:
                    raise ValueError("the ORM changed a value of this statement: not preparable")
                continue
            self.slots.append((position, *hit))
            found.add(hit[0])
        if found != set(stand_ins):
            raise ValueError("a value of this statement is not a parameter of its SQL")
        self.columns = [s[0] for s in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(self.columns).items())
        if self.model_reader:
            info = compiler.klass_info
            fields = info["select_fields"]
            self.start, self.end = fields[0], fields[-1] + 1
            self.init_list = [s[0].target.attname for s in compiler.select[self.start : self.end]]
            self.model = info["model"]
            self.related = get_related_populators(info, compiler.select, using)
            self.annotations = list((compiler.annotation_col_map or {}).items())
        self.using = using

    def _reader(self, queryset: QuerySet) -> None:
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("a prepared statement reads its own rows only (no prefetch)")
        iterable = queryset._iterable_class
        self.model_reader = iterable is ModelIterable
        self.flat = iterable is FlatValuesListIterable
        self.names = None
        query = queryset.query
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        if iterable is ValuesIterable:
            self.names = names
        elif iterable is ValuesListIterable and queryset._fields:
            if list(queryset._fields) != names:
                raise ValueError("list the values in the order the ORM selects them")
        elif iterable not in (ModelIterable, FlatValuesListIterable, ValuesListIterable):
            raise ValueError(f"a prepared statement cannot read {iterable.__name__}")

    def run(self, conn, bound: list) -> list:
        if self.empty:
            return []
        if self.for_update and conn.get_autocommit() and conn.features.supports_transactions:
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(self.params)
        ops = conn.ops
        for position, slot, how in self.slots:
            params[position] = _adapt(how, bound[slot], ops)
        with conn.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            converted = []
            for row in rows:
                row = list(row)
                for pos, (convs, expression) in self.converters:
                    value = row[pos]
                    for converter in convs:
                        value = converter(value, expression, conn)
                    row[pos] = value
                converted.append(row)
            rows = converted
        if self.model_reader:
            out = []
            for row in rows:
                obj = self.model.from_db(self.using, self.init_list, row[self.start : self.end])
                for populator in self.related:
                    populator.populate(row, obj)
                for name, pos in self.annotations:
                    setattr(obj, name, row[pos])
                out.append(obj)
            return out
        if self.flat:
            return [row[0] for row in rows]
        if self.names is not None:
            return [dict(zip(self.names, row, strict=True)) for row in rows]
        return [tuple(row) for row in rows]


class Prepared:
    """A QuerySet built once per process and shape of its values (see the module's text)."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._plans: dict[tuple, _Plan] = {}
        self._lock = threading.Lock()

    def __call__(self, *, using: str = "default", **values) -> list:
        conn = connections[using]
        shape, bound = _shape(values)
        key = (using, conn.vendor, shape)
        plan = self._plans.get(key)
        if plan is None:
            plan = _Plan(self.build, shape, conn, using)
            with self._lock:
                self._plans[key] = plan
        return plan.run(conn, bound)


# -- inserts ---------------------------------------------------------------------------------

_inserts: dict[tuple, tuple[str, list, list]] = {}


def _insert_statement(model, count: int, with_pk: bool, conn, using: str):
    key = (using, conn.vendor, model, count, with_pk)
    statement = _inserts.get(key)
    if statement is not None:
        return statement
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.generated]
    if not with_pk:
        fields = [f for f in fields if not isinstance(f, AutoField)]
    if any(hasattr(f, "get_placeholder") for f in fields):
        raise ValueError(f"{opts.label}: a field needs its own placeholder; use bulk_create")
    ops = conn.ops
    returning = list(opts.db_returning_fields)
    returning_sql, _ = ops.return_insert_columns(returning)
    rows = [["%s"] * len(fields) for _ in range(count)]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {ops.quote_name(opts.db_table)} ({columns}) "
        f"{ops.bulk_insert_sql(fields, rows)} {returning_sql}"
    ).strip()
    # Per field: its ``pre_save`` only where the field has its own (auto_now, a copy of
    # another value, an encrypted field's blind index), else the attribute; and, for a foreign
    # key, the related object to take the id from when it was saved after being assigned.
    plain = {Field.pre_save, DateField.pre_save, DateTimeField.pre_save}
    readers = [
        (
            f,
            f.attname,
            None
            if type(f).pre_save in plain
            and not getattr(f, "auto_now_add", False)
            and not getattr(f, "auto_now", False)
            else f.pre_save,
            f.is_relation and f.many_to_one,
        )
        for f in fields
    ]
    statement = (sql, readers, returning)
    _inserts[key] = statement
    return statement


def insert(objs: Iterable, *, using: str = "default") -> list:
    """Write new rows of one model in one INSERT and read their ids back (``bulk_create``
    without its per-call building). No signals are sent, as with ``bulk_create``."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    conn = connections[using]
    with_pk = objs[0].pk is not None
    if (
        not conn.features.can_return_rows_from_bulk_insert
        or any(type(obj) is not model or (obj.pk is not None) != with_pk for obj in objs)
        or model._meta.parents
    ):
        return model._default_manager.using(using).bulk_create(objs)
    sql, readers, returning = _insert_statement(model, len(objs), with_pk, conn, using)
    params = []
    for obj in objs:
        for field, attname, pre_save, relation in readers:
            value = pre_save(obj, True) if pre_save is not None else getattr(obj, attname)
            if value is None and relation and field.is_cached(obj):
                related = field.get_cached_value(obj)
                if related is not None:  # assigned before it was saved: as ``save`` checks
                    if related.pk is None:
                        raise ValueError(f"{field.name}: the related object is not saved")
                    value = related.pk
                    setattr(obj, attname, value)
            if hasattr(value, "resolve_expression"):
                raise ValueError(f"{field.name}: an expression; use bulk_create")
            params.append(field.get_db_prep_save(value, connection=conn))
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall() if returning else []
    for index, obj in enumerate(objs):
        if rows:
            for field, value in zip(returning, rows[index], strict=True):
                setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using
    return objs
