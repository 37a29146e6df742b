"""Staff and tenants' declarations share one receipt space: neither hands out a receipt the other holds."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from store import declarations as decls
from store import lookups
from store.models import Employer
from store.staff import declare
from tests.constants import ID_A


def test_a_receipt_a_staff_declaration_holds_is_never_drawn_again(employer, monkeypatch):
    with employer.sessions.begin() as session:
        found = session.scalar(select(Employer))
        _, decl = declare(session, employer=found, site=found.sites[0], document_type="ric", document_number=ID_A,
                          name="张三", phone=None, room=None, lodger=False, start=dt.date(2026, 12, 1),
                          channel="sms", inbound_id=None, declarant_phone="+8613600000000")
        held = decl.receipt
    drawn = iter([held, held, "00000000"])
    monkeypatch.setattr(decls, "receipt_from_serial", lambda _serial: next(drawn))
    with employer.sessions() as session:
        assert decls.new_receipt(session) == "00000000"  # the staff receipt was skipped
    monkeypatch.setattr(lookups, "receipt_from_serial", lambda _serial: held)
    with employer.sessions() as session:
        assert lookups._free_receipts(session, 1) == []  # a batch's preloaded receipts skip it too
