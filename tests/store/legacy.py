"""A store as revision 0005 left it, with plaintext ID numbers everywhere they used to be, for the
migration and rotation tests: people, their declarations, the SMS that declared them, a voice call
for every tenth, and an officer's search for every hundredth, written in bulk."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import sqlalchemy as sa
from stdnum.cn import ric

from store.db import make_engine
from tests.constants import GATEWAY_NUMBER

BEFORE = "0005_stats_live_and_charts"
LANDLORDS = 100
_T = sa.table
_C = sa.column
PRECINCTS = _T("precincts", _C("id"), _C("code"), _C("name"))
LANDLORDS_T = _T("landlords", _C("id"), _C("phone"), _C("name"), _C("created_at", sa.DateTime))
PROPERTIES = _T("properties", _C("id"), _C("code"), _C("landlord_id"), _C("precinct_id"), _C("address"),
                _C("single_unit", sa.Boolean))
PEOPLE = _T("people", _C("id"), _C("document_type"), _C("document_number"), _C("name"),
            _C("created_at", sa.DateTime))
INBOUND = _T("inbound_messages", _C("id"), _C("provider_sid"), _C("channel"), _C("from_number"), _C("to_number"),
             _C("body"), _C("payload", sa.JSON), _C("parse", sa.JSON), _C("received_at", sa.DateTime),
             _C("status"), _C("attempts"), _C("precinct_id"), _C("landlord_id"))
DECLARATIONS = _T("declarations", _C("id"), _C("person_id"), _C("property_id"), _C("room"), _C("move_in", sa.Date),
                  _C("status"), _C("receipt"), _C("channel"), _C("late", sa.Boolean), _C("inbound_id"),
                  _C("declared_at", sa.DateTime))
AUDIT = _T("audit_log", _C("id"), _C("action"), _C("target"), _C("detail", sa.JSON), _C("at", sa.DateTime))
ID_SHAPE = re.compile(rb"[0-9]{17}[0-9X]")


def ric_number(i: int) -> str:
    """The i-th valid resident ID: 1,000 serials per birth date from 1970 on."""
    born = dt.date(1970, 1, 1) + dt.timedelta(days=i // 1000)
    body = f"110105{born:%Y%m%d}{i % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def landlord_phone(n: int) -> str:
    return f"+86138{n:08d}"


def room(i: int) -> str:
    return str(100 + i % 900)


@dataclass
class Legacy:
    people: int
    numbers: set[str]


def seed(url: str, people: int, chunk: int = 5000) -> Legacy:
    """Fill a database at revision 0005 with `people` people, declared by SMS, in bulk."""
    engine = make_engine(url)
    long_ago = dt.datetime(2026, 1, 5, 8, 0)
    with engine.begin() as conn:
        conn.execute(PRECINCTS.insert(), [{"id": 1, "code": "GL01", "name": "鼓楼"}])
        conn.execute(LANDLORDS_T.insert(), [{"id": n + 1, "phone": landlord_phone(n), "name": f"房东{n}",
                                             "created_at": long_ago} for n in range(LANDLORDS)])
        conn.execute(PROPERTIES.insert(), [{"id": n + 1, "code": f"{100001 + n}", "landlord_id": n + 1,
                                            "precinct_id": 1, "address": f"东街{n}号", "single_unit": False}
                                           for n in range(LANDLORDS)])
    stamp, day = f"{long_ago:%Y-%m-%d %H:%M:%S}.000000", long_ago.date().isoformat()  # as SQLAlchemy writes them
    numbers = set()
    for start in range(0, people, chunk):
        rows: dict[sa.TableClause, list[tuple]] = {PEOPLE: [], INBOUND: [], DECLARATIONS: [], AUDIT: []}
        for i in range(start, min(start + chunk, people)):
            number, landlord = ric_number(i), i % LANDLORDS
            numbers.add(number)
            voice = i % 10 == 0
            payload = {"kind": "move_in", "document_type": "ric", "document_number": number} if voice else None
            parse = {"command": "move_in",
                     "records": [{"name": f"租客{i}", "document": {"type": "ric", "number": number}}]}
            rows[PEOPLE].append((i + 1, "ric", number, f"租客{i}", stamp))
            rows[INBOUND].append((i + 1, f"SM{i:032d}", "voice" if voice else "sms", landlord_phone(landlord),
                                  GATEWAY_NUMBER, f"登记 租客{i} {number} {room(i)}",
                                  json.dumps(payload, ensure_ascii=False) if payload else None,
                                  json.dumps(parse, ensure_ascii=False), stamp, "processed", 1, 1, landlord + 1))
            rows[DECLARATIONS].append((i + 1, i + 1, landlord + 1, room(i), day, "active", f"{i:08d}",
                                       "voice" if voice else "sms", False, i + 1, stamp))
            if i % 100 == 0:
                rows[AUDIT].append((i // 100 + 1, "search", "people",
                                    json.dumps({"query": number, "results": 1}), stamp))
        _bulk(engine, rows)
    if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
        with engine.begin() as conn:
            for name in ("precincts", "landlords", "properties", "people", "inbound_messages", "declarations",
                         "audit_log"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                     f"(SELECT max(id) FROM {name}))"))
    engine.dispose()
    return Legacy(people=people, numbers=numbers)


def _bulk(engine, rows: dict[sa.TableClause, list[tuple]]) -> None:
    """Insert in the order of each table's columns, through the driver: COPY on PostgreSQL, executemany on
    SQLite (SQLAlchemy's per-row parameter handling would be most of the seeding time)."""
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        for table, values in rows.items():
            if not values:
                continue
            names = ", ".join(c.name for c in table.columns)
            if engine.dialect.name == "postgresql":
                with raw.cursor().copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(table.columns))
                raw.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", values)


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = {name: conn.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                 for name in ("people", "declarations", "inbound_messages", "audit_log", "landlords", "properties")}
    engine.dispose()
    return found


def plaintext_ids(blob: bytes, numbers: set[str]) -> set[str]:
    """The ID numbers of `numbers` that appear in `blob` in clear."""
    return {m.decode() for m in ID_SHAPE.findall(blob)} & numbers


def database_bytes(url: str) -> bytes:
    """Everything a thief gets from the database: the SQLite file and its WAL as they sit on disk, or every
    row of every PostgreSQL table as text (what pg_dump writes)."""
    if url.startswith("sqlite"):
        from pathlib import Path

        path = Path(url.split("///", 1)[1])
        return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    engine = make_engine(url)
    with engine.connect() as conn:
        tables = conn.scalars(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()
        chunks = [row.encode() for name in tables
                  for row in conn.scalars(sa.text(f'SELECT t::text FROM "{name}" t'))]
    engine.dispose()
    return b"\n".join(chunks)
