"""`column IN (values)` whose statement text does not change with the number of values.

SQLAlchemy renders `in_()` with one placeholder per value, so a batch's look-ups are new statements
every time their count changes: the driver scans each new text and PostgreSQL parses and plans it
again, and neither can keep it prepared. `= ANY(array)` is the same test with one parameter.
SQLite has no arrays; there the expanding `IN` stays (it has no planner cost to save).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def one_of(session: Session, column: ColumnElement, values: Iterable) -> ColumnElement[bool]:
    """`column` is one of `values`, in the form that suits the session's database.

    The array is cast without the column's length: PostgreSQL's explicit cast to `varchar(n)[]` cuts each
    value to n characters, and a value too long for the column would then match the row holding its first n.
    """
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        item = String() if isinstance(column.type, String) else column.type
        return column == any_(bindparam(None, values, type_=ARRAY(item)))
    return column.in_(values)
