"""Every code the gateway or the store puts on a message is one officers get a description of.

The codes are read from the source that sets them, not from a list kept here, so a new code the
pipeline starts to emit fails this test until parsers.codes describes it.
"""
from __future__ import annotations

import ast

import pytest

from parsers.codes import ALL_CODES, REPLY_CODES, describe
from store import claims
from tests.constants import REPO

SOURCES = sorted(p for package in ("gateway", "store") for p in (REPO / package).rglob("*.py"))


def _strings(node: ast.AST) -> set[str]:
    """String constants a code expression can evaluate to; a stored `code:detail` counts as `code`."""
    if isinstance(node, ast.Constant):
        return {node.value.split(":", 1)[0]} if isinstance(node.value, str) else set()
    if isinstance(node, ast.JoinedStr):
        return _strings(node.values[0]) if node.values else set()
    if isinstance(node, ast.IfExp):  # the test picks between codes and is not one
        return _strings(node.body) | _strings(node.orelse)
    if isinstance(node, ast.BoolOp):
        return set().union(*(_strings(v) for v in node.values))
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return set().union(*(_strings(e) for e in node.elts))
    if isinstance(node, ast.BinOp):  # `(inbound.codes or []) + [...]`
        return _strings(node.left) | _strings(node.right)
    return set()


def _is_code_target(target: ast.AST) -> bool:
    return isinstance(target, ast.Attribute) and target.attr in ("codes", "review_reason")


def emitted_codes(tree: ast.AST) -> set[str]:
    """Codes appended to `.codes`, assigned to `.codes`/`.review_reason`, passed as `codes=`, to `_reject*` or to
    `Handled.reject`."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("append", "extend") and _is_code_target(func.value):
                for arg in node.args:
                    found |= _strings(arg)
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name.startswith("_reject") or name == "reject":
                for arg in node.args:
                    found |= _strings(arg)
            for kw in node.keywords:
                if kw.arg == "codes":
                    found |= _strings(kw.value)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs = zip(target.elts, node.value.elts)
                else:
                    pairs = [(target, node.value)]
                for t, value in pairs:
                    if _is_code_target(t):
                        found |= _strings(value)
    return found


def test_the_scan_finds_the_codes_the_pipeline_is_known_to_set():
    """The scan sees codes set in each way the gateway sets them, or an empty scan would pass vacuously."""
    found = set().union(*(emitted_codes(ast.parse(p.read_text())) for p in SOURCES))
    assert {"rate_limited", "job_failed", "no_document", "low_confidence", "unknown_sender",
            "disputed"} <= found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_code_the_gateway_sets_is_described(path):
    """A code an officer can meet in the queue has a description in parsers.codes."""
    missing = {c for c in emitted_codes(ast.parse(path.read_text())) if c and c not in ALL_CODES}
    assert not missing


def test_claims_reason_is_described():
    """The claim's review reason, set through a constant, is described too."""
    assert claims.AWAITING_LANDLORD in ALL_CODES


@pytest.mark.parametrize("code", sorted(ALL_CODES))
@pytest.mark.parametrize("language", ["en", "zh"])
def test_describe_never_falls_back_to_the_code(code, language):
    """Every code, with or without detail after a colon, reads as a sentence, not as itself."""
    assert describe(code, language) not in (code, "")
    assert describe(f"{code}:Detail", language) == describe(code, language)


def test_reply_codes_are_the_codes_a_reply_can_carry():
    """Review-only codes never reach a landlord's reply; reply codes are all officer-visible."""
    assert set(REPLY_CODES) < set(ALL_CODES)
