"""Larder's one mechanism for the SQL the ORM cannot say, or says at a measured cost
(docs/adr/0003-plain-sql-only-where-measured.md).

Every statement here is built from the models: table and column names from `Model._meta`,
array types from each field's `db_type`, values adapted by each field's `get_db_prep_value`;
WHERE clauses and assignments the ORM can say are compiled by the ORM (`update_where`,
`delete_where`). No caller types a column list; a column renamed in a model is renamed here.

- `update_rows`: many rows, different values each, in one `UPDATE … FROM unnest(…)` joined on
  the primary key (Django's `bulk_update` builds a CASE per field with a branch per row, which
  PostgreSQL evaluates in rows × rows time: 80 ms for 200 items).
- `add_to_rows`: relative writes (`SET f = f + v.delta`) on shared counters, one statement.
- `insert_rows`: `INSERT … SELECT FROM unnest(…)`, optionally RETURNING the primary keys
  (`bulk_create` builds a model instance per row: ~0.1 ms a row); `insert_new`: the same for
  new rows given only the columns that differ from the fields' defaults; `insert_new_with`: one
  new row and rows referring to it (an order and its event), in one statement.
- `insert_one`: one new row inside a composed statement (some columns computed by SQL,
  written only WHERE a condition holds, RETURNING columns), with `with_ctes` (named CTEs, a
  later one reading an earlier one's RETURNING), `exists` and `subquery` (an ORM queryset as a
  condition or value).
- `update_where`, `delete_where`: an ORM queryset's UPDATE or DELETE as a `Statement`, so it
  can run with others (and return columns: RETURNING).
- `together` / `run`: several data-modifying statements in one round trip (data-modifying
  CTEs: they share one snapshot, so none may read what another writes); `run_joined`: the
  same, giving back the RETURNING row of several of them (a version and a new row's id).
- `select_dicts`: a hand-written read's rows as dicts keyed by its column labels; `select`
  and `instances`: an ORM queryset's SELECT as a Statement, and the instances it returns.
- `named`: a hand-written statement with named placeholders (`%(order)s`) as a `Statement`, so
  it composes with others; `rows_as_json` / `json_rows`: a read's rows as one JSON value, a
  sub-select another read carries in its own statement (one round trip), and back as dicts.
- `lock_with_shared`: an ORM queryset locked FOR UPDATE with some joined rows FOR SHARE;
  `lock_rows`: rows locked by primary key, in primary-key order.
- `with_lateral` / `outer`: a statement's rows (e.g. a lock) each with one row of an ORM-built
  read that refers to their columns (LEFT JOIN LATERAL), in one round trip; read them with
  `instances_and_values`.
- `once`: an ORM-built statement compiled once, its parameters substituted on later calls.
- `advisory_xact_lock`: a transaction-scoped advisory lock.
- `AnyOf`: an ORM filter `column = ANY(%s)` with the values as one array parameter, where
  `__in` would send one parameter per value.

Statements are `Statement(sql, params)`; nothing runs until `run` (or `run_rowcount`).
"""

from __future__ import annotations

import functools
import json
import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connection, models
from django.db.models import Field, Lookup, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql import DeleteQuery, UpdateQuery

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...] = ()


def _quote(name: str | None) -> str:
    if name is None:
        raise FieldDoesNotExist("a field without a column")
    return connection.ops.quote_name(name)


@functools.cache
def model_field(model: type[Model], name: str) -> Field:
    """One of the model's own columns, by field name, attname or "pk"."""
    if name == "pk":
        return model._meta.pk
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.concrete or field.column is None:
        raise FieldDoesNotExist(f"{model.__name__}.{name} is not a column of its table")
    return field


def column(model: type[Model], name: str) -> str:
    """The quoted column of a model's field (by name or attname)."""
    return _quote(model_field(model, name).column)


def _array_type(field: Field) -> str:
    return f"{field.db_type(connection)}[]"


def _adapt(field: Field, value: Any) -> Any:
    if value is None:
        return None
    if _sent_as_is(_as_is(field), value):
        return value
    return field.get_db_prep_value(value, connection, prepared=False)


# Django's own fields (the exact classes, not subclasses, which may prepare values their way)
# whose get_db_prep_value returns a value of this Python type unchanged on PostgreSQL: an int
# for the integer and auto fields (and a foreign key to one), a str for the text fields, a bool,
# a finite Decimal, an aware datetime. Adapting every value through the field cost more than
# building a 1,000-line partner order's statements (docs/performance.md, "Partner writes").
_AS_IS_TYPES: dict[type[Field], type] = {
    **dict.fromkeys(
        (
            models.AutoField,
            models.BigAutoField,
            models.SmallAutoField,
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveBigIntegerField,
            models.PositiveSmallIntegerField,
        ),
        int,
    ),
    **dict.fromkeys((models.CharField, models.TextField, models.SlugField), str),
    models.BooleanField: bool,
    models.DecimalField: Decimal,
    models.DateTimeField: datetime,
}


@functools.cache
def _as_is(field: Field) -> type | None:
    """The Python type whose values `field` sends to PostgreSQL unchanged, if any."""
    if type(field) in (models.ForeignKey, models.OneToOneField):
        return _as_is(cast(models.ForeignKey, field).target_field)
    return _AS_IS_TYPES.get(type(field))


def _sent_as_is(kind: type | None, value: Any) -> bool:
    """Whether a field that sends values of `kind` as they are (_as_is) sends this one so:
    any str (a TextChoices member too, which the text fields keep), else exactly the type, a
    Decimal finite, a datetime aware."""
    if kind is str:
        return isinstance(value, str)
    if type(value) is not kind:
        return False
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, datetime):
        return value.utcoffset() is not None
    return True


def _is_constant(field: Field, values: list) -> bool:
    """Whether every one of several rows gives the field the same value, of a type the field
    sends as it is: the statement then carries it once, not once per row (a 1,000-line order's
    items share their order, session, sub-order, status…: quoting the same value 1,000 times
    for each of them was most of the time psycopg spent building its statements)."""
    if len(values) < 2:
        return False
    first = values[0]
    if first is None:
        return all(value is None for value in values)
    return _sent_as_is(_as_is(field), first) and all(
        type(value) is type(first) and value == first for value in values
    )


def _arrays(model: type[Model], rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> list:
    """One array parameter per column, each value adapted by its field."""
    return [_column_values(model_field(model, name), [row[name] for row in rows]) for name in names]


def _column_values(field: Field, values: list) -> list | str:
    """A column's values as one array parameter: in the array's text form when every value is
    of the type the field sends as it is (_array_text), else as a list of adapted values."""
    kind = _as_is(field)
    if kind is not None and all(value is None or _sent_as_is(kind, value) for value in values):
        return _array_text(kind, values)
    return [_adapt(field, value) for value in values]


def _array_text(kind: type, values: list) -> str:
    """An array's text form (`{1,NULL,"a \\"b\\""}`) of values of `kind` (int, str, bool,
    finite Decimal, aware datetime) or None, for a placeholder cast to the column's array type
    (`%s::integer[]`): PostgreSQL reads it with the array type's input function, as it reads
    psycopg's own dump of a list. psycopg dumps a list element by element in Python (finding
    the elements' type first); the hot writes send dozens of arrays, and that dumping was most
    of the time psycopg spent on a checkout's statements (docs/performance.md, "Storefront
    checkout")."""
    if kind is str:
        parts = [
            "NULL" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        ]
    elif kind is bool:
        parts = ["NULL" if value is None else ("t" if value else "f") for value in values]
    elif kind is datetime:
        parts = ["NULL" if value is None else f'"{value.isoformat()}"' for value in values]
    else:  # int, Decimal: their str() is PostgreSQL's input form
        parts = ["NULL" if value is None else str(value) for value in values]
    return "{" + ",".join(parts) + "}"


def _split_constant(
    model: type[Model], rows: Sequence[Mapping[str, Any]], names: Sequence[str]
) -> tuple[list[str], dict[str, Any]]:
    """`names` split into those whose values vary between the rows, and those every row gives
    the same value (with that value)."""
    varying, constant = [], {}
    for name in names:
        values = [row[name] for row in rows]
        if _is_constant(model_field(model, name), values):
            constant[name] = values[0]
        else:
            varying.append(name)
    return varying, constant


@functools.cache
def _update_rows_sql(
    model: type[Model],
    names: tuple[str, ...],
    also: tuple[str, ...],
    add: tuple[str, ...],
    returning: tuple[str, ...],
) -> str:
    pk = model._meta.pk
    assert pk is not None
    fields = [model_field(model, name) for name in names]
    columns = [_quote(field.column) for field in fields]
    arrays = ", ".join(f"%s::{_array_type(field)}" for field in (pk, *fields))
    sets = [f"{c} = v.{c}" for c in columns] + [f"{column(model, name)} = %s" for name in also]
    sets += [f"{column(model, name)} = t.{column(model, name)} + %s" for name in add]
    return (
        f"UPDATE {_quote(model._meta.db_table)} AS t SET {', '.join(sets)} "
        f"FROM unnest({arrays}) AS v({', '.join([_quote(pk.column), *columns])}) "
        f"WHERE t.{_quote(pk.column)} = v.{_quote(pk.column)}" + _returning(model, returning, "t")
    )


def _returning(model: type[Model], names: Sequence[str], alias: str = "") -> str:
    if not names:
        return ""
    prefix = f"{alias}." if alias else ""
    return " RETURNING " + ", ".join(prefix + column(model, name) for name in names)


def update_rows(
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    *,
    also: Mapping[str, Any] | None = None,
    add: Mapping[str, Any] | None = None,
    returning: Sequence[str] = (),
) -> Statement:
    """Give each row (a mapping with the primary key under `pk`'s attname, e.g. "id") the
    values of `names` it carries, every row the values of `also`, and add `add`'s amounts to
    those fields (e.g. {"version": 1}): one UPDATE joined on the primary key, whatever the
    number of rows. A value every row shares is sent once (as `also`), not in an array."""
    pk = model._meta.pk
    assert pk is not None
    names, same = _split_constant(model, rows, names)
    also, add = {**(also or {}), **same}, dict(add or {})
    sql = _update_rows_sql(model, tuple(names), tuple(also), tuple(add), tuple(returning))
    params = [  # the SET clause's values come first in the text, then unnest's arrays
        *(_adapt(model_field(model, name), value) for name, value in also.items()),
        *(_adapt(model_field(model, name), value) for name, value in add.items()),
        _column_values(pk, [row[pk.attname] for row in rows]),
        *_arrays(model, rows, names),
    ]
    return Statement(sql, tuple(params))


@functools.cache
def _add_to_rows_sql(model: type[Model], names: tuple[str, ...], also: tuple[str, ...]) -> str:
    pk = model._meta.pk
    assert pk is not None
    delta_type = _array_type(model_field(model, names[0]))
    sets = [f"{column(model, name)} = t.{column(model, name)} + v.delta" for name in names]
    sets += [f"{column(model, name)} = %s" for name in also]
    return (
        f"UPDATE {_quote(model._meta.db_table)} AS t SET {', '.join(sets)} "
        f"FROM unnest(%s::{_array_type(pk)}, %s::{delta_type}) AS v(pk, delta) "
        f"WHERE t.{_quote(pk.column)} = v.pk"
    )


def add_to_rows(
    model: type[Model],
    deltas: Mapping[Any, Any],
    names: Sequence[str],
    *,
    also: Mapping[str, Any] | None = None,
) -> Statement | None:
    """Relative writes on counters: each row (by primary key) gets its signed delta added to
    every field of `names`, and the values of `also`; one statement. None when every delta
    is zero (nothing to write)."""
    deltas = {pk: delta for pk, delta in deltas.items() if delta}
    if not deltas:
        return None
    pk = model._meta.pk
    assert pk is not None
    also = dict(also or {})
    field = model_field(model, names[0])
    params = [  # the SET clause's values come first in the text, then unnest's arrays
        *(_adapt(model_field(model, name), value) for name, value in also.items()),
        _column_values(pk, list(deltas)),
        _column_values(field, list(deltas.values())),
    ]
    return Statement(_add_to_rows_sql(model, tuple(names), tuple(also)), tuple(params))


@functools.cache
def _insert_rows_sql(
    model: type[Model],
    names: tuple[str, ...],
    constant: tuple[str, ...],
    returning: tuple[str, ...],
    parent: tuple[str, str, str] | None = None,
) -> str:
    fields = [model_field(model, name) for name in names]
    varying = [field for name, field in zip(names, fields, strict=True) if name not in constant]
    values = [
        f"%s::{field.db_type(connection)}" if name in constant else f"v.{_quote(field.column)}"
        for name, field in zip(names, fields, strict=True)
    ]
    columns = [_quote(field.column) for field in fields]
    source = ""
    if parent is not None:  # (key, the parent's CTE, its primary key's column): insert_new_with
        key, table, pk_column = parent
        columns.append(column(model, key))
        values.append(f"{_quote(table)}.{_quote(pk_column)}")
        source = f" CROSS JOIN {_quote(table)}"
    return (
        f"INSERT INTO {_quote(model._meta.db_table)} "
        f"({', '.join(columns)}) "
        f"SELECT {', '.join(values)} "
        f"FROM unnest({', '.join(f'%s::{_array_type(field)}' for field in varying)}) "
        f"AS v({', '.join(_quote(field.column) for field in varying)})"
        + source
        + _returning(model, returning)
    )


def insert_rows(
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    *,
    returning_pk: bool = False,
) -> Statement:
    """Insert `rows` (mappings carrying every field of `names`, by name or attname): one
    INSERT … SELECT FROM unnest(one array per column; a value every row shares is sent once).
    With `returning_pk`, run() returns the new primary keys in the rows' order (PostgreSQL
    inserts unnest's rows in order)."""
    return _insert_statement(model, rows, names, ("pk",) if returning_pk else ())


def _insert_statement(
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    returning: tuple[str, ...],
    parent: tuple[str, str, str] | None = None,
) -> Statement:
    varying, constant = _split_constant(model, rows, names)
    if not varying:  # unnest needs an array to give the rows
        varying = [names[0]]
        del constant[names[0]]
    sql = _insert_rows_sql(model, tuple(names), tuple(constant), returning, parent)
    params = [_adapt(model_field(model, name), value) for name, value in constant.items()]
    return Statement(sql, (*params, *_arrays(model, rows, varying)))


@functools.cache
def _new_row_defaults(
    model: type[Model],
) -> tuple[tuple[str, ...], dict[str, Any], tuple[Field, ...], tuple[str, ...], frozenset[str]]:
    """A model's insertable columns (attnames: not the primary key, not generated), the
    constant defaults of those that have one, the fields whose default is made per row (a
    callable, e.g. dict), its auto_now / auto_now_add columns, and those the database gives
    a default (db_default, e.g. an order's number from its sequence)."""
    names, defaults, made, stamped, database = [], {}, [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated:
            continue
        names.append(field.attname)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            stamped.append(field.attname)
        elif field.has_default() and callable(field.default):
            made.append(field)
        elif field.has_default() or field.null or field.empty_strings_allowed:
            defaults[field.attname] = field.get_default()
        elif field.has_db_default():
            database.append(field.attname)
    return tuple(names), defaults, tuple(made), tuple(stamped), frozenset(database)


def _new_rows(
    model: type[Model], rows: Sequence[Mapping[str, Any]], now: datetime, leave_out: str = ""
) -> tuple[list[str], list[dict[str, Any]]]:
    """insert_new's columns and full rows: each row's values, else the fields' defaults, the
    auto_now columns `now`; a column the database defaults (db_default) is left out when no
    row gives it (all or none must), and so is `leave_out`."""
    names, defaults, made, stamped, database = _new_row_defaults(model)
    stamps = dict.fromkeys(stamped, now)
    full = []
    for row in rows:
        values = {**defaults, **stamps, **row}
        for field in made:
            if field.attname not in values:
                values[field.attname] = field.get_default()
        full.append(values)
    omitted = {leave_out} if leave_out else set()
    for name in database:
        given = sum(name in row for row in full)
        if given == 0:
            omitted.add(name)
        elif given != len(full):
            raise ValueError(f"{model.__name__}.{name}: given for some rows, not all")
    return [name for name in names if name not in omitted], full


def insert_new(
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    returning_pk: bool = False,
) -> Statement:
    """Insert new rows as `Model(**row).save()` would write them, without a model instance per
    row: every column, from the row (by attname: `order_id`) or else the field's default (a
    callable one, e.g. `dict`, called for each row), the auto_now and auto_now_add columns set
    to `now`; a column with a database default (db_default) not given takes it. A column with
    none of these (a required value missing) raises KeyError. One INSERT (`insert_rows`),
    RETURNING the primary keys in the rows' order with `returning_pk`."""
    names, full = _new_rows(model, rows, now)
    return insert_rows(model, full, names, returning_pk=returning_pk)


@dataclass(frozen=True)
class Referring:
    """New rows of `model` referring to the row insert_new_with inserts: each gets its primary
    key in `key` (the foreign key's attname, e.g. "order_id"), the rest as insert_new's rows."""

    model: type[Model]
    rows: Sequence[Mapping[str, Any]]
    key: str


_NEW_ROW = "new_row"


def insert_new_with(
    model: type[Model],
    row: Mapping[str, Any],
    *,
    now: datetime,
    returning: Sequence[str],
    referring: Sequence[Referring] = (),
) -> Statement:
    """Insert one new row (as insert_new) and new rows of other models referring to it (as
    insert_new, their `key` the new row's primary key), in one statement:
    `WITH new_row AS (INSERT … RETURNING …), r0 AS (INSERT … SELECT …, new_row.id FROM
    unnest(…) CROSS JOIN new_row) SELECT <returning> FROM new_row`. run() returns the new
    row's `returning` columns (e.g. its primary key and the columns the database gave it:
    new_instance_saved). One statement is atomic on its own, so a write that is only this
    needs no transaction; the foreign keys (Django's are deferred) are checked when the new
    row is there."""
    pk = model._meta.pk
    assert pk is not None
    names, full = _new_rows(model, [row], now)
    kept = tuple(dict.fromkeys(("pk", *returning)))
    ctes = [(_NEW_ROW, _insert_statement(model, full, names, kept))]
    for n, children in enumerate(referring):
        if children.rows:
            child_names, child_rows = _new_rows(children.model, children.rows, now, children.key)
            parent = (children.key, _NEW_ROW, cast(str, pk.column))
            ctes.append(
                (f"r{n}", _insert_statement(children.model, child_rows, child_names, (), parent))
            )
    selected = ", ".join(column(model, name) for name in returning)
    return Statement(
        "WITH "
        + ", ".join(f"{_quote(name)} AS ({statement.sql})" for name, statement in ctes)
        + f" SELECT {selected} FROM {_quote(_NEW_ROW)}",
        tuple(param for _, statement in ctes for param in statement.params),
    )


def new_instance_row(instance: Model) -> dict[str, Any]:
    """The columns `instance.save()` would insert for a new instance (by attname): not its
    primary key, nor its generated columns, nor those left to their database default
    (db_default); for insert_new or insert_new_with."""
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not (field.primary_key or field.generated or field.has_db_default())
    }


def new_instance_saved(instance: Model, returned: Mapping[str, Any]) -> None:
    """A new instance as save() leaves it, once a statement inserted its row: the columns the
    database gave (its primary key, db_default and generated columns, by attname) set, and
    no longer `adding`."""
    for name, value in returned.items():
        setattr(instance, model_field(type(instance), name).attname, value)
    instance._state.adding = False
    instance._state.db = connection.alias


def insert_one(
    model: type[Model],
    row: Mapping[str, Any],
    *,
    now: datetime,
    computed: Mapping[str, Statement] | None = None,
    where: Statement | None = None,
    returning: Sequence[str] = (),
) -> Statement:
    """One new row as insert_new writes it, for a data-modifying CTE (`with_ctes`): the
    columns of `computed` take the value of an SQL expression (e.g. a sub-select of another
    CTE's RETURNING), and the row is written only when `where` holds (an SQL condition, e.g.
    `exists(…)` negated): `INSERT … SELECT <values> [WHERE <where>] [RETURNING …]`.
    `returning`: field names, or "*" for every column of the table."""
    computed = dict(computed or {})
    names, (values,) = _new_rows(model, [{**dict.fromkeys(computed), **row}], now)
    parts: list[str] = []
    params: list[Any] = []
    for name in names:
        field = model_field(model, name)
        if name in computed:
            parts.append(computed[name].sql)
            params += computed[name].params
            continue
        parts.append(_placeholder(field))
        params.append(_adapt(field, values[name]))  # KeyError: a required value missing
    text = f"{_insert_into(model, tuple(names))} SELECT {', '.join(parts)}"
    if where is not None:
        text += f" WHERE {where.sql}"
        params += where.params
    if returning:
        text += _returning_list(model, tuple(returning))
    return Statement(text, tuple(params))


@functools.cache
def _placeholder(field: Field) -> str:
    """A value's placeholder cast to the field's column type (db_type costs ~10 µs a call)."""
    return f"%s::{field.db_type(connection)}"


@functools.cache
def _returning_list(model: type[Model], names: tuple[str, ...]) -> str:
    return " RETURNING " + ", ".join("*" if name == "*" else column(model, name) for name in names)


@functools.cache
def _insert_into(model: type[Model], names: tuple[str, ...]) -> str:
    return (
        f"INSERT INTO {_quote(model._meta.db_table)} "
        f"({', '.join(column(model, name) for name in names)})"
    )


def exists(queryset: QuerySet[Any], *, negated: bool = False) -> Statement:
    """`EXISTS (<the queryset's SELECT>)` (NOT EXISTS when `negated`), as an SQL condition
    for a hand-composed statement (e.g. `insert_one`'s `where`)."""
    statement = select(queryset.order_by())
    if statement is None:  # matches nothing by construction
        return Statement("true" if negated else "false")
    return Statement(f"{'NOT ' if negated else ''}EXISTS ({statement.sql})", statement.params)


def subquery(queryset: QuerySet[Any]) -> Statement:
    """`(<the queryset's SELECT>)`: an SQL value, for a queryset of one column and at most
    one row (e.g. `.values("pk")[:1]`); NULL when it matches nothing by construction."""
    statement = select(queryset)
    if statement is None:
        return Statement("NULL")
    return Statement(f"({statement.sql})", statement.params)


def with_ctes(ctes: Mapping[str, Statement], last: Statement) -> Statement:
    """`WITH name AS (…), … <last>`: named CTEs, where a later one (and `last`) may read an
    earlier one by its name, e.g. the RETURNING of an `insert_one`. As with `together`, the
    data-modifying ones share the statement's snapshot: no part sees another's writes in the
    tables, only in their RETURNING, read through the CTE's name."""
    if not ctes:
        return last
    text = ", ".join(f"{name} AS ({statement.sql})" for name, statement in ctes.items())
    params = tuple(param for statement in ctes.values() for param in statement.params)
    return Statement(f"WITH {text} {last.sql}", params + tuple(last.params))


def update_where(
    queryset: QuerySet[Any], values: Mapping[str, Any], *, returning: Sequence[str] = ()
) -> Statement | None:
    """The UPDATE that `queryset.update(**values)` would send (F() expressions included), as
    a Statement, optionally RETURNING columns of the updated rows. None when the queryset
    matches nothing by construction (e.g. `pk__in=[]`)."""
    query = cast(UpdateQuery, queryset.query.chain(UpdateQuery))
    query.add_update_values(dict(values))
    compiler = query.get_compiler(queryset.db)
    compiler.pre_sql_setup()
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    return Statement(sql + _returning(queryset.model, returning), tuple(params))


def delete_where(queryset: QuerySet[Any]) -> Statement | None:
    """The rows of `queryset` deleted by one DELETE, without the collector's cascade or
    signals: for rows nothing refers to (or whose referrers the same run deletes or
    detaches). None when the queryset matches nothing by construction."""
    query = queryset.query.clone()
    query.__class__ = DeleteQuery
    try:
        sql, params = query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return None
    return Statement(sql, tuple(params))


def together(*statements: Statement | None) -> Statement | None:
    """Several statements as one (one round trip): `WITH w0 AS (…), w1 AS (…) <last>`. They
    share one snapshot, so none may depend on what another writes: each should write its own
    rows from values computed beforehand. The last one's RETURNING is what run() returns."""
    parts = [statement for statement in statements if statement is not None]
    if not parts:
        return None
    *first, last = parts
    if not first:
        return last
    ctes = ", ".join(f"w{n} AS ({part.sql})" for n, part in enumerate(first))
    params = tuple(param for part in first for param in part.params) + tuple(last.params)
    return Statement(f"WITH {ctes} {last.sql}", params)


def run(*statements: Statement | None) -> list[tuple]:
    """Run the statements in one round trip (`together`); the last one's rows (RETURNING or
    a SELECT), or [] when it returns none."""
    statement = together(*statements)
    if statement is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        return cursor.fetchall() if cursor.description else []


def run_joined(*statements: Statement | None, returning: Sequence[Statement]) -> tuple:
    """Run `statements` and `returning` in one round trip, as `together` does (data-modifying
    CTEs: one snapshot, none may read what another writes), and give the RETURNING row of
    each `returning` statement side by side, in one tuple: for writes whose callers need
    more than one statement's RETURNING (a bumped version and a new row's id). Each of them
    must return exactly one row (ValueError otherwise, which rolls back the caller's
    transaction): `SELECT r0.*, r1.* FROM r0, r1` multiplies their rows."""
    parts = [statement for statement in statements if statement is not None]
    if not returning:
        raise ValueError("run_joined needs a statement to return a row")
    ctes = [f"w{n} AS ({part.sql})" for n, part in enumerate(parts)]
    ctes += [f"r{n} AS ({part.sql})" for n, part in enumerate(returning)]
    names = [f"r{n}" for n in range(len(returning))]
    params = tuple(param for part in (*parts, *returning) for param in part.params)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {', '.join(ctes)} "
            f"SELECT {', '.join(f'{name}.*' for name in names)} FROM {', '.join(names)}",
            params,
        )
        rows = cursor.fetchall()
    if len(rows) != 1:
        raise ValueError(f"run_joined: {len(rows)} rows, not one from each statement")
    return rows[0]


def run_rowcount(statement: Statement | None) -> int:
    """Run one statement; how many rows it changed."""
    if statement is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        return cursor.rowcount


def select_dicts(sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> list[dict]:
    """A hand-written read's rows as dicts keyed by its column labels (`AS "offer__price"`):
    no positional list of its columns kept anywhere else."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


_NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@functools.cache
def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    return _NAMED_PLACEHOLDER.sub("%s", sql), tuple(_NAMED_PLACEHOLDER.findall(sql))


def named(sql: str, params: Mapping[str, Any]) -> Statement:
    """A hand-written statement written with named placeholders (`%(order)s`, a name used as
    often as needed) as a Statement with positional ones: the value of each placeholder in
    the order of the text. Statements compose only positionally (psycopg does not mix the
    two styles in one text): `together`, or a sub-select in another read."""
    text, names = _positional(sql)
    return Statement(text, tuple(params[name] for name in names))


def rows_as_json(read: Statement, *, order_by: str) -> Statement:
    """The rows of `read` (a hand-written SELECT) as one value: a sub-select giving them as a
    JSON array of objects keyed by the read's column labels, in `order_by`'s order (the read's
    columns, as `r.name`), `[]` when there are none; as text, for `json_rows`. For a read
    whose rows another read carries in its own statement, computed once (an uncorrelated
    sub-select) wherever the outer read puts it: one round trip instead of two (the pricing
    rules with an order's item rows, orders.services.totals.order_item_rows_priced)."""
    return Statement(
        f"(SELECT coalesce(json_agg(r ORDER BY {order_by}), '[]')::text FROM ({read.sql}) r)",
        read.params,
    )


def json_rows(text: str) -> list[dict]:
    """rows_as_json's rows as dicts with the values select_dicts would give for the same
    columns: a numeric as a Decimal of its column's scale (PostgreSQL writes `10.00`), an
    integer as an int, arrays as lists, booleans, strings, None. Only for columns of those
    types: a numeric column without decimal places would come back as an int, a float as a
    Decimal, a timestamp as a string."""
    return json.loads(text, parse_float=Decimal)


def select(queryset: QuerySet[Any]) -> Statement | None:
    """The SELECT the ORM sends for `queryset`, as a Statement (None: it matches nothing)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    return Statement(sql, tuple(params))


def instances(model: type[M], statement: Statement | None) -> list[M]:
    """The model instances a SELECT of the model's columns returns (Django's raw(): columns
    by name, the others, e.g. annotations, as attributes)."""
    if statement is None:
        return []
    return list(model._default_manager.raw(statement.sql, statement.params))


def partial_instance(model: type[M], values: Mapping[str, Any]) -> M:
    """An instance of `model` as a read of some of its columns makes it (`values` by attname):
    the others are deferred, loaded on access as with `.only()`. For a hot read that fetched
    plain values and hands a service the instances it expects."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def lock_with_shared(queryset: QuerySet[Any], *, shared: Iterable[type[Model]]) -> Statement:
    """The SELECT of `queryset` locking its rows FOR UPDATE and the rows it joins of the
    `shared` models' tables FOR SHARE, in one statement (the ORM says FOR UPDATE only); read
    it with `instances` (annotations, e.g. the shared rows' columns, come back as
    attributes). Each shared table must be inner-joined (e.g. by a filter on it) under its
    own name."""
    sql, params = queryset.select_for_update(of=("self",)).query.sql_with_params()
    tables = [_quote(model._meta.db_table) for model in shared]
    for table in tables:
        if f"INNER JOIN {table} ON" not in sql:
            raise ValueError(f"{table} is not inner-joined by the queryset: {sql}")
    return Statement(sql + "".join(f" FOR SHARE OF {table}" for table in tables), tuple(params))


# The alias of the row a lateral read is joined to (with_lateral); the ORM never makes it.
_OUTER = "lateral_outer"


def outer(name: str) -> RawSQL:
    """A column of the row `with_lateral` joins its lateral read to, as an expression for the
    ORM query that builds that read (e.g. `filter(session_id=sql.outer("sales_session_id"))`)."""
    return RawSQL(f"{_OUTER}.{_quote(name)}", ())


def with_lateral(statement: Statement, lateral: Statement) -> Statement:
    """Each row of `statement`, with the columns of `lateral` (a SELECT of at most one row,
    which may read the first one's columns with `outer`; all NULL when it finds none), in one
    statement: `SELECT o.*, l.* FROM (statement) o LEFT JOIN LATERAL (lateral) l ON true`
    (PostgreSQL keeps a sub-select's locking clause). The two must name their columns apart.
    A lock taken by `statement` (FOR UPDATE) stays taken, and the lateral read runs on the
    locked row as it is after any wait; its other reads see the statement's start snapshot,
    so it must not read what the lock protects (an order's children: read them in a later
    statement). Read it with `instances_and_values`."""
    return Statement(
        f"SELECT {_OUTER}.*, lateral_read.* FROM ({statement.sql}) {_OUTER} "
        f"LEFT JOIN LATERAL ({lateral.sql}) lateral_read ON true",
        (*statement.params, *lateral.params),
    )


def instances_and_values(model: type[M], statement: Statement) -> list[tuple[M, dict]]:
    """`instances`, each with the row's columns that are not the model's own (annotations, a
    `with_lateral` read's) as a dict keyed by their labels."""
    raw = model._default_manager.raw(statement.sql, statement.params)
    found = list(raw)  # raw.columns then reads the executed cursor's columns, no second query
    own = {field.column for field in model._meta.concrete_fields}
    names = [name for name in raw.columns if name not in own]
    return [(instance, {name: getattr(instance, name) for name in names}) for instance in found]


@functools.cache
def _lock_rows_sql(model: type[Model], names: tuple[str, ...]) -> str:
    pk = model._meta.pk
    assert pk is not None
    columns = ", ".join(column(model, name) for name in ("pk", *names))
    return (
        f"SELECT {columns} FROM {_quote(model._meta.db_table)} "
        f"WHERE {_quote(pk.column)} = ANY(%s::{_array_type(pk)}) "
        f"ORDER BY {_quote(pk.column)} FOR UPDATE"
    )


def lock_rows(model: type[Model], pks: Iterable[Any], names: Sequence[str]) -> list[tuple]:
    """Lock the rows of `pks` FOR UPDATE in primary-key order (the house lock order, no
    deadlock between two such locks); (pk, *names) of each. The same lock as
    `select_for_update().filter(pk__in=…).order_by("pk").values_list(…)` without building
    that query on every call, which doubled the lock's time on every reservation (5.3 ms
    against 2.3 ms, docs/performance.md "One SQL mechanism"); tests/config/test_sql.py
    compares their rows."""
    pk = model._meta.pk
    assert pk is not None
    keys = sorted({_adapt(pk, key) for key in pks})
    with connection.cursor() as cursor:
        cursor.execute(_lock_rows_sql(model, tuple(names)), [keys])
        return cursor.fetchall()


_SENTINEL_INT = -(2**62)
_SENTINEL_TIME = datetime(1901, 1, 1, tzinfo=UTC)


def _sentinel(value: Any, n: int) -> Any:
    if isinstance(value, bool) or value is None:
        raise TypeError("no sentinel for a bool or None")
    if isinstance(value, int):
        return _SENTINEL_INT - n
    if isinstance(value, str):
        return f"\x1fconfig.sql.once {n}"
    if isinstance(value, datetime):
        return _SENTINEL_TIME + timedelta(microseconds=n)
    raise TypeError(f"no sentinel for {type(value).__name__}")


def once(build: Callable[..., Statement | None]) -> Callable[..., Statement | None]:
    """Compile an ORM-built statement once and reuse its text: `build(*args)` returns a
    Statement (e.g. `update_where` or `select` of a queryset); the first call builds it with
    stand-in arguments and records where each lands in the parameters, later calls only
    substitute theirs. For hot paths where building the query costs more than running it
    (docs/performance.md, "One SQL mechanism"). Arguments must be ints, strings or
    datetimes; a call with another kind (None included) builds afresh."""
    compiled: dict[tuple[type, ...], tuple[str, list[int | None], tuple[Any, ...]]] = {}

    @functools.wraps(build)
    def statement(*args: Any) -> Statement | None:
        try:
            kinds = tuple(type(arg) for arg in args)
            if kinds not in compiled:
                sentinels = [_sentinel(arg, n) for n, arg in enumerate(args)]
                built = build(*sentinels)
                if built is None:
                    return None
                slots = [_slot(param, sentinels) for param in built.params]
                if set(range(len(args))) - set(slots):  # an argument the ORM transformed
                    raise TypeError("an argument does not reach the parameters as given")
                compiled[kinds] = (built.sql, slots, built.params)
        except TypeError:
            return build(*args)
        sql, slots, params = compiled[kinds]
        return Statement(
            sql,
            tuple(
                param if slot is None else args[slot]
                for slot, param in zip(slots, params, strict=True)
            ),
        )

    return statement


def _slot(param: Any, sentinels: list[Any]) -> int | None:
    for n, sentinel in enumerate(sentinels):
        if type(param) is type(sentinel) and param == sentinel:
            return n
    return None


def advisory_xact_lock(namespace: str, key: int) -> Statement:
    """A transaction-scoped advisory lock on (namespace, key): waits for another transaction
    holding it, released at commit or rollback. The namespace is hashed to the first key."""
    return Statement(
        "SELECT pg_advisory_xact_lock(%s, %s)",
        (zlib.crc32(namespace.encode()) - 2**31, key),
    )


class AnyOf(Lookup):
    """`.filter(AnyOf(F("pk"), ids))`: `column = ANY(%s::type[])`, the values as one array
    parameter. `pk__in=ids` sends one parameter per value, and psycopg's client-side binding
    parses the statement's text on every call (never cached past its length): with 1,000
    product ids the session close's product read took ~11 ms of Python and 4.5 ms of
    PostgreSQL, against ~2 ms in all with one array (docs/performance.md, "Session close")."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection) for value in self.rhs]
        return f"{lhs} = ANY(%s::{_array_type(field)})", (*lhs_params, values)
