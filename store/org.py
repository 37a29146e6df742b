"""The police hierarchy: a city (or province) bureau, county bureaus under it, stations under the counties.

Stations are the `precincts` rows, so every existing query that scopes by precinct keeps working; the tree
above them is `units`. What an officer may see is "every station under my unit" (`stations_under`), and
store.scope turns that into a Scope. Edits come as CSV (`declgate org import`, the admin page): all rows
or none, every problem with its line number, like the landlords' import.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Precinct, Unit

LEVELS = ("city", "county", "station")
PARENT_LEVEL = {"city": None, "county": "city", "station": "county"}
COLUMNS = ("code", "name", "level", "parent")


@dataclass(frozen=True)
class Node:
    """One unit or station as the pages and the bulletin show it."""

    level: str
    id: int
    code: str
    name: str
    parent_id: int | None


class OrgError(ValueError):
    """An import that cannot be applied: `problems` holds every reason, each starting with its line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problems))


def units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.code)))


def unit_named(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code))


def _children(session: Session) -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        children[parent_id].append(unit_id)
    return children


def units_under(session: Session, unit_id: int) -> set[int]:
    """The unit and every unit below it (a tree of a few hundred rows: read whole, walked here)."""
    children, found, todo = _children(session), set(), [unit_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, ()))
    return found


def stations_under(session: Session, unit_id: int) -> frozenset[int] | None:
    """The precincts (stations) an officer placed at this unit sees; None when that is every precinct.

    A top-level unit also sees the stations not placed under any county yet (created by an enrolment
    before the tree named them): they are nobody else's, and would otherwise be nobody's at all.
    """
    unit = session.get(Unit, unit_id)
    if unit is None:
        return frozenset()
    roots = _children(session).get(None, [])
    if unit.parent_id is None and roots == [unit.id]:
        return None
    below = units_under(session, unit_id)
    query = select(Precinct.id).where(Precinct.unit_id.in_(below))
    if unit.parent_id is None:
        query = select(Precinct.id).where(Precinct.unit_id.in_(below) | Precinct.unit_id.is_(None))
    return frozenset(session.scalars(query))


def counties(session: Session, within: int | None = None) -> list[Unit]:
    """The county units (under `within`, a unit id, when given), by code: the lines of a county ranking."""
    query = select(Unit).where(Unit.level == "county").order_by(Unit.code)
    if within is not None:
        query = query.where(Unit.id.in_(units_under(session, within)))
    return list(session.scalars(query))


def stations_by_county(session: Session) -> dict[int | None, list[int]]:
    """Precinct ids per county unit id (None: not placed in the tree)."""
    out: dict[int | None, list[int]] = defaultdict(list)
    for precinct_id, unit_id in session.execute(select(Precinct.id, Precinct.unit_id)):
        out[unit_id].append(precinct_id)
    return dict(out)


def tree(session: Session) -> list[tuple[int, Node]]:
    """The whole tree, depth first, as (depth, node): the admin page's listing and `declgate org list`."""
    nodes = {u.id: Node(u.level, u.id, u.code, u.name, u.parent_id) for u in units(session)}
    stations: dict[int | None, list[Node]] = defaultdict(list)
    for p in session.scalars(select(Precinct).order_by(Precinct.code)):
        stations[p.unit_id].append(Node("station", p.id, p.code, p.name, p.unit_id))
    children: dict[int | None, list[Node]] = defaultdict(list)
    for node in nodes.values():
        children[node.parent_id if node.parent_id in nodes else None].append(node)
    out: list[tuple[int, Node]] = []

    def walk(node: Node, depth: int) -> None:
        out.append((depth, node))
        for child in children.get(node.id, []):
            walk(child, depth + 1)
        for station in stations.get(node.id, []):
            out.append((depth + 1, station))

    for root in children.get(None, []):
        walk(root, 0)
    out.extend((0, station) for station in stations.get(None, []))
    return out


def export_csv(session: Session) -> str:
    """The tree as the CSV `import_csv` reads, so an admin edits what is there rather than starting afresh."""
    codes = {u.id: u.code for u in units(session)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for _, node in tree(session):
        writer.writerow([node.code, node.name, node.level, codes.get(node.parent_id, "")])
    return out.getvalue()


def import_csv(session: Session, text: str) -> int:
    """Create or update units and stations from CSV (code,name,level,parent); all rows or none.

    Rows may come in any order (a parent may be named before its own row); codes are matched with the
    existing tree, so importing the same file twice changes nothing. Raises OrgError with every problem.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise OrgError([f"line 1: missing column(s) {', '.join(missing)}; the header must be {','.join(COLUMNS)}"])
    rows = [(line, {k: (row.get(k) or "").strip() for k in COLUMNS}) for line, row in enumerate(reader, start=2)]
    if not rows:
        raise OrgError(["line 1: the file has no rows"])
    levels = {u.code: u.level for u in units(session)}
    levels.update({code: "station" for code in session.scalars(select(Precinct.code))})
    seen: dict[str, int] = {}
    for line, row in rows:
        if row["code"] in seen:
            continue
        levels[row["code"]] = row["level"]
        seen[row["code"]] = line
    problems = []
    for line, row in rows:
        problems.extend(f"line {line}: {p}" for p in _row_problems(row, line, seen, levels))
    if problems:
        raise OrgError(problems)
    by_code = {u.code: u for u in units(session)}
    for _, row in rows:  # units first (parents before children: cities, then counties)
        if row["level"] in ("city", "county"):
            unit = by_code.get(row["code"]) or Unit(code=row["code"])
            unit.name, unit.level = row["name"], row["level"]
            session.add(unit)
            by_code[row["code"]] = unit
    session.flush()
    for _, row in rows:
        parent = by_code.get(row["parent"]) if row["parent"] else None
        if row["level"] in ("city", "county"):
            by_code[row["code"]].parent_id = parent.id if parent else None
        else:
            station = session.scalar(select(Precinct).where(Precinct.code == row["code"]))
            if station is None:
                station = Precinct(code=row["code"], name=row["name"])
                session.add(station)
            station.name, station.unit_id = row["name"], parent.id if parent else None
    session.flush()
    return len(rows)


def _row_problems(row: dict[str, str], line: int, seen: dict[str, int], levels: dict[str, str]) -> list[str]:
    problems = []
    if not row["code"] or len(row["code"]) > 32:
        problems.append("code must be 1 to 32 characters")
    elif seen[row["code"]] != line:
        problems.append(f"code {row['code']!r} is already on line {seen[row['code']]}")
    if not row["name"]:
        problems.append("name is empty")
    if row["level"] not in LEVELS:
        problems.append(f"level {row['level']!r} must be one of {', '.join(LEVELS)}")
        return problems
    wanted = PARENT_LEVEL[row["level"]]
    if row["parent"] and wanted is None:
        problems.append(f"a {row['level']} has no parent (leave parent empty)")
    elif wanted is not None and not row["parent"]:
        problems.append(f"a {row['level']} needs its {wanted} as parent")
    elif row["parent"] and levels.get(row["parent"]) != wanted:
        found = levels.get(row["parent"])
        problems.append(f"parent {row['parent']!r} " + (f"is a {found}, not a {wanted}" if found else
                                                          "is neither in the file nor in the tree"))
    return problems
