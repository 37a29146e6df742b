"""`declgate purge`: raw messages and recordings past a date are emptied; declarations, receipts and the
month's bulletin are not touched."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from store.models import AuditEntry, Declaration, InboundMessage


@pytest.fixture
def declgate(run):
    """`run`, for commands that must succeed: their output."""
    def ok(*args):
        result = run(*args)
        assert result.exit_code == 0, result.output
        return result.output
    return ok


def bulletin(declgate, out) -> str:
    """March 2026's bulletin counted afresh (the snapshot refreshed), as CSV."""
    declgate("stats", "snapshot", "--month", "2026-03", "--refresh")
    declgate("report", "monthly", "--month", "2026-03", "--out", str(out))
    return (out / "bulletin-2026-03.csv").read_text(encoding="utf-8-sig")


def stored(rt):
    with rt.sessions() as session:
        messages = {m.id: (m.body, m.parse, m.payload, m.purged_at, m.status, tuple(m.codes or ()), m.received_at)
                    for m in session.scalars(select(InboundMessage))}
        declarations = [(d.receipt, d.status, d.person_id, d.property_id, d.move_in, d.move_out, d.channel,
                         d.name_recording_url) for d in session.scalars(select(Declaration).order_by(Declaration.id))]
    return messages, declarations


class TestPurge:
    def test_a_purged_month_has_the_same_bulletin_and_declarations(self, rt, campaign, declgate, tmp_path):
        """Purging everything received before April empties March's messages and recordings, audited; the
        declarations, their receipts and March's bulletin are exactly as before."""
        with rt.sessions.begin() as session:
            session.execute(update(Declaration).values(name_recording_url="https://api.twilio.com/rec/RE1"))
            session.execute(update(InboundMessage).values(body="登记 张三 350102199001011238 301")
                            .execution_options(synchronize_session=False))
        before_csv = bulletin(declgate, tmp_path / "before")
        messages, declarations = stored(rt)

        dry = declgate("purge", "--before", "2026-04-01", "--dry-run")
        assert stored(rt) == (messages, declarations)
        out = declgate("purge", "--before", "2026-04-01")
        assert dry.split(";")[0].replace("would empty", "emptied") == out.split(";")[0]

        after_messages, after_declarations = stored(rt)
        march = [i for i, m in messages.items() if m[6].month < 4 or m[6].year < 2026]
        april = [i for i in messages if i not in march]
        assert march, "the campaign has March messages: the check below would prove nothing"
        for inbound_id in march:
            body, parse, payload, purged_at, *kept = after_messages[inbound_id]
            assert (body, parse, payload) == ("", None, None) and purged_at is not None
            assert kept == list(messages[inbound_id][4:])
        for inbound_id in april:
            assert after_messages[inbound_id] == messages[inbound_id]
        assert [d[:-1] for d in after_declarations] == [d[:-1] for d in declarations]
        assert bulletin(declgate, tmp_path / "after") == before_csv
        with rt.sessions() as session:
            [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "purge"))
        assert entry.target == "before:2026-04-01" and entry.detail["messages"] == len(march)
        assert "emptied 0 message(s)" in declgate("purge", "--before", "2026-04-01")  # nothing left to do

    def test_open_items_and_waiting_recordings_are_kept(self, rt, campaign, declgate):
        """An item still open for officers, and the recording of a declaration still pending, stay whole."""
        with rt.sessions.begin() as session:
            item = session.scalars(select(InboundMessage).order_by(InboundMessage.id)).first()
            item.review_state, item.review_reason, item.body = "open", "parse_error", "keep me"
            pending = session.scalars(select(Declaration).order_by(Declaration.id)).first()
            pending.status, pending.name_recording_url = "pending_review", "https://api.twilio.com/rec/RE2"
        out = declgate("purge", "--before", "2027-01-01")
        assert "1 item(s) still open" in out
        with rt.sessions() as session:
            assert session.get(InboundMessage, item.id).body == "keep me"
            assert session.get(Declaration, pending.id).name_recording_url == "https://api.twilio.com/rec/RE2"
