"""Fast multi-row INSERT of plain tuples for the bulk loader.

`bulk_create` builds a model instance per row and compiles every value through the field
chain; in a million-customer load that was 60 % of the run time while SQLite itself took
6 %. Here each column's adapter is chosen once and the rows go to `executemany`. Columns
the loader does not name get the field's default, so a field added to a model later does
not break the seeder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from typing import Any

from django.db import connection, models


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite" and connection.timezone_name == "UTC":
            # The loader's datetimes are UTC already: skip make_naive's zone conversion per value.
            return lambda value: str(value.replace(tzinfo=None)) if value is not None and value.tzinfo is UTC \
                else ops.adapt_datetimefield_value(value)
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    if isinstance(field, models.CharField | models.TextField | models.IntegerField | models.BooleanField
                  | models.ForeignKey):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


class Table:
    """INSERT rows given as tuples in `columns` order (attnames: "owner_id", not "owner")."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        meta = model._meta
        fields = [meta.get_field(name) for name in columns]
        named = {field.attname for field in fields}
        defaults = [field for field in meta.concrete_fields if field.attname not in named and not field.primary_key]
        self.fill = tuple(field.get_db_prep_save(field.get_default(), connection) for field in defaults)
        quote = connection.ops.quote_name
        names = ", ".join(quote(field.column) for field in [*fields, *defaults])
        marks = ", ".join(["%s"] * (len(fields) + len(defaults)))
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({marks})"
        self.adapters = [(index, adapter) for index, field in enumerate(fields)
                         if (adapter := _adapter(field)) is not None]

    def insert(self, rows: Iterable[tuple]) -> None:
        adapters, fill = self.adapters, self.fill
        if adapters or fill:
            rows = [self._adapt(row, adapters, fill) for row in rows]
        else:
            rows = list(rows)
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, rows)

    @staticmethod
    def _adapt(row: tuple, adapters: list, fill: tuple) -> tuple:
        values = list(row)
        for index, adapter in adapters:
            values[index] = adapter(values[index])
        return (*values, *fill)
