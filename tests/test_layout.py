"""The package map holds: packages import each other in one direction, the pure cores stay pure.

Function-level imports count too: one used to dodge a circle is still a circle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gateway", "store", "parsers", "ivr_flows")
PURE = {"parsers", "ivr_flows"}
IO_LIBRARIES = {"flask", "sqlalchemy", "redis", "rq", "werkzeug", "gateway", "store"}  # TwiML building is pure


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every module of the project this one imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # `from package import module` depends on that module; `from package import name`, on the package
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {target for target in targets if target in MODULES and target != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _unit(module: str) -> str:
    """The room a module lives in: gateway's sub-packages, or a whole top-level package."""
    parts = module.split(".")
    if parts[0] == "gateway" and len(parts) > 1 and (ROOT / "gateway" / parts[1]).is_dir():
        return ".".join(parts[:2])
    return module if parts[0] == "gateway" else parts[0]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def test_no_module_imports_itself_back():
    assert _cycles(GRAPH) == []


def test_packages_import_each_other_in_one_direction():
    rooms: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        rooms.setdefault(_unit(module), set()).update(_unit(t) for t in targets if _unit(t) != _unit(module))
    assert _cycles(rooms) == []


def test_the_core_does_not_import_the_gateway():
    for module, targets in GRAPH.items():
        if module.split(".")[0] in ("store", "parsers", "ivr_flows"):
            assert not {t for t in targets if t.startswith("gateway")}, module


@pytest.mark.parametrize("package", sorted(PURE))
def test_pure_packages_do_no_io(package):
    for name, path in MODULES.items():
        if name.split(".")[0] != package:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                roots = {a.name.split(".")[0] for a in node.names} if isinstance(node, ast.Import) \
                    else {(node.module or "").split(".")[0]}
                assert not roots & IO_LIBRARIES, f"{name} imports {roots & IO_LIBRARIES}"


# A catalogue of UI strings is one entry a line: it grows with the pages, not with what a module does.
LONGER: dict[str, int] = {"gateway.i18n.zh": 440, "gateway.i18n.en": 440}


def test_no_module_over_400_lines_in_gateway_or_store():
    long = {name: n for name, path in MODULES.items() if name.split(".")[0] in ("gateway", "store")
            and (n := len(path.read_text().splitlines())) > LONGER.get(name, 420)}
    assert long == {}


def test_gateway_keeps_few_top_level_modules():
    top = sorted(p.stem for p in (ROOT / "gateway").glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert len(top) <= 8, top
