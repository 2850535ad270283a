"""The few JSON operations the set-based SQL needs, for SQLite and PostgreSQL.

A *patch* maps keys to SQL expressions; a NULL result removes the key. That single meaning
("absent is empty") is why SQLite uses json_patch (RFC 7396 drops nulls) and PostgreSQL
strips nulls after merging.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Text,
    cast,
    func,
    literal,
    literal_column,
)
from sqlalchemy.sql.elements import ColumnElement

from stagecoach.store.core.db import is_postgres

# Keys are inlined as SQL literals (drivers cannot type a bound key inside json builders);
# only property-name characters are allowed, so inlining is safe.
_KEY_RE = re.compile(r"^[a-z0-9_]{1,120}$")


def _key(key: str) -> ColumnElement[Any]:
    if not _KEY_RE.match(key):
        raise ValueError(f"not a property key: {key!r}")
    return literal_column(f"'{key}'")


class JsonSql:
    def __init__(self, conn: Connection):
        self.pg = is_postgres(conn)

    @classmethod
    def for_dialect(cls, pg: bool) -> JsonSql:
        made = cls.__new__(cls)
        made.pg = pg
        return made

    def num(self, col: ColumnElement[Any], key: str) -> ColumnElement[Any]:
        if self.pg:
            return cast(col.op("->>")(_key(key)), BigInteger)
        _key(key)
        return func.json_extract(col, f'$."{key}"')

    def text(self, col: ColumnElement[Any], key: str) -> ColumnElement[Any]:
        if self.pg:
            return col.op("->>")(_key(key))
        _key(key)
        return func.json_extract(col, f'$."{key}"')

    def patch(
        self, col: ColumnElement[Any], items: Sequence[tuple[str, ColumnElement[Any]]]
    ) -> ColumnElement[Any]:
        if not items:
            return col
        args: list[ColumnElement[Any]] = []
        for key, expr in items:
            args.append(_key(key))
            args.append(expr)
        if self.pg:
            return func.jsonb_strip_nulls(col.op("||")(func.jsonb_build_object(*args)))
        return func.json_patch(col, func.json_object(*args))

    def bigint(self, value: int | ColumnElement[Any]) -> ColumnElement[Any]:
        # Both drivers need to know that a bound parameter inside json builders is a number.
        if isinstance(value, int):
            return cast(literal(value), BigInteger)
        return cast(value, BigInteger)

    def string(self, value: str | None) -> ColumnElement[Any]:
        return cast(literal(value), Text)
