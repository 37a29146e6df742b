"""A store past its first months, written straight into PostgreSQL with COPY.

Landlords with one multi-room property each, and people who each have an active declaration at one
of them, the inbound SMS it came from and its reply. bench/dedupe.py grows such a store from a
thousand people to a million to see what dedupe costs as it grows; bench/e2e.py starts every round
from one, because a deployment's tables are that size and a young store's are not (its plans, and
how often autovacuum's rule re-analyzes it, are a young store's).

Numbers and bodies are sealed and hashed as the gateway would (store.keyring), since COPY bypasses
the sealed column types. Seeded people's ID numbers are 110101 and a birth date in 1960 and after;
bench/_common.ric_number's start in 1970, so the two never meet below 3.6 million seeded people.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import _common as c  # noqa: E402  (puts the repo root on sys.path)
import psycopg  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from parsers.receipts import receipt_from_serial  # noqa: E402
from store.keyring import Keyring  # noqa: E402
from tests.fault.stack import tenant_name  # noqa: E402

SEEDED_AT = dt.datetime(2025, 6, 1, 8, 0)  # long before any benchmark message: outside every hourly allowance
BIRTH_EPOCH = dt.date(1960, 1, 1)
TABLES = ("people", "inbound_messages", "declarations", "outbound_messages")


def id_number(serial: int) -> str:
    """A checksum-valid ID number, unique for every serial below 14 million."""
    born = BIRTH_EPOCH + dt.timedelta(days=serial // 1000)
    stem = f"110101{born:%Y%m%d}{serial % 1000:03d}"
    return stem + ric.calc_check_digit(stem + "0")


def room(serial: int) -> str:
    return str(100 + serial % 900)


def body(serial: int) -> str:
    return f"登记 {tenant_name(serial % 8000)} {id_number(serial)} {room(serial)}"


@dataclass(frozen=True)
class Layout:
    """Where seeded people live: `properties` landlords with one property each, in one precinct.

    Landlord i (0-based) has id `first_id + i`, and so has its property; its phone is `phone_prefix` and
    eight digits. Person `serial` lives at property `serial % properties`.
    """
    url: str
    properties: int
    precinct_id: int
    first_id: int = 1
    phone_prefix: str = "+86139"
    code_base: int = 300000
    keys: Keyring = field(default_factory=c.keyring)  # of the gateway that reads the rows (default: the benchmarks')

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))

    def phone(self, prop: int) -> str:
        return f"{self.phone_prefix}{prop:08d}"

    def property_of(self, serial: int) -> int:
        return serial % self.properties


def copy_rows(conn: psycopg.Connection, table: str, columns: str, rows) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed_properties(layout: Layout) -> None:
    """The layout's landlords and their properties; the id sequences move past them."""
    first, count = layout.first_id, layout.properties
    with layout.connect() as conn:
        copy_rows(conn, "landlords", "id, phone, name, created_at",
                  ((first + p, layout.phone(p), f"房东{p}", SEEDED_AT) for p in range(count)))
        copy_rows(conn, "properties", "id, code, landlord_id, precinct_id, address, single_unit",
                  ((first + p, f"{layout.code_base + p}", first + p, layout.precinct_id, f"东街{p}号", False)
                   for p in range(count)))
        conn.execute("SELECT setval('landlords_id_seq', %s), setval('properties_id_seq', %s)",
                     (first + count - 1, first + count - 1))


def grow(layout: Layout, start: int, stop: int, receipt: Callable[[int], str] = receipt_from_serial,
         past: int | None = None) -> None:
    """Add people start..stop-1 (ids serial + 1 in all four tables), each with an active declaration, its
    inbound SMS and its reply, printing progress; then move the four id sequences past `past` (default:
    `stop`), so the gateway's own rows never take a seeded id."""
    chunk = 100_000
    began = time.perf_counter()
    for lo in range(start, stop, chunk):
        hi = min(stop, lo + chunk)
        for attempt in range(5):
            try:
                _seed_chunk(layout, range(lo, hi), receipt)
                break
            except psycopg.OperationalError:
                # Other suites on this machine restart PostgreSQL; the chunk's transaction rolled back.
                if attempt == 4:
                    raise
                print("  PostgreSQL went away; retrying this chunk", flush=True)
                time.sleep(10)
        rate = (hi - start) / (time.perf_counter() - began)
        print(f"  seeded {hi:>9,} people ({rate:,.0f} rows/s per table)", flush=True)
    with layout.connect() as conn:
        conn.autocommit = True
        for table in TABLES:
            conn.execute(f"SELECT setval('{table}_id_seq', GREATEST(%s, (SELECT last_value FROM {table}_id_seq)))",
                         (past if past is not None else stop,))
        conn.execute("ANALYZE")


def _seed_chunk(layout: Layout, serials: range, receipt: Callable[[int], str]) -> None:
    """One chunk of people with their declaration, inbound SMS and reply, in one transaction."""
    keys, prop = layout.keys, layout.property_of
    with layout.connect() as conn:
        copy_rows(conn, "people", "id, document_type, document_number, document_hash, name, created_at, updated_at",
                  ((s + 1, "ric", keys.seal(id_number(s), "people.document_number"),
                    keys.document_hash("ric", id_number(s)), tenant_name(s % 8000), SEEDED_AT, SEEDED_AT)
                   for s in serials))
        copy_rows(conn, "inbound_messages",
                  "id, provider_sid, channel, from_number, to_number, body, received_at, processed_at, status,"
                  " attempts, precinct_id, landlord_id",
                  ((s + 1, f"SMseed{s}", "sms", layout.phone(prop(s)), c.GATEWAY_NUMBER,
                    keys.seal(body(s), "inbound_messages.body"), SEEDED_AT, SEEDED_AT, "processed", 1,
                    layout.precinct_id, layout.first_id + prop(s)) for s in serials))
        copy_rows(conn, "declarations",
                  "id, person_id, property_id, room, move_in, status, receipt, channel, late, inbound_id,"
                  " declared_at, updated_at, declarant_phone",
                  ((s + 1, s + 1, layout.first_id + prop(s), room(s), SEEDED_AT.date(), "active",
                    receipt(s), "sms", False, s + 1, SEEDED_AT, SEEDED_AT, layout.phone(prop(s))) for s in serials))
        copy_rows(conn, "outbound_messages",
                  "id, to_number, body, in_reply_to, purpose, status, provider_sid, created_at, sent_at",
                  ((s + 1, layout.phone(prop(s)), "已登记", s + 1, "reply", "outbox", f"LOCAL{s}",
                    SEEDED_AT, SEEDED_AT) for s in serials))
