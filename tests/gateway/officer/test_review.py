"""The review queue, the item page, precinct scoping and every officer action."""
from __future__ import annotations

from sqlalchemy import func, select

from store.models import Declaration, InboundMessage, OutboundMessage, Property
from tests.constants import ID_A, ID_B, ID_BAD_CHECK, LANDLORD, OTHER_LANDLORD, STRANGER
from tests.support import audit_actions, drain, login, pending_declaration, row, stored, texted



class TestQueue:
    def test_lists_open_items_with_counts_and_descriptions(self, ui, people):
        """The queue shows each open item and a count per reason with its description."""
        texted(ui, people, f"登记 李四 {ID_BAD_CHECK} 301 @100001", LANDLORD)
        texted(ui, people, f"登记 王五 {ID_A} 302", STRANGER)
        login(ui, "a")
        page = ui.get("/review").get_data(as_text=True)
        assert 'data-reason="id_checksum"' in page and "身份证号校验位不符" in page
        assert 'data-reason="unknown_sender"' in page and "发送号码未登记为房东" in page
        assert page.count('name="ids"') == 2

    def test_filters_by_reason_and_channel(self, ui, people):
        """A reason filter leaves only items with that reason; an unused channel leaves none."""
        texted(ui, people, f"登记 李四 {ID_BAD_CHECK} 301 @100001", LANDLORD)
        unknown = texted(ui, people, f"登记 王五 {ID_A} 302", STRANGER)
        login(ui, "a")
        page = ui.get("/review?reason=unknown_sender").get_data(as_text=True)
        assert page.count('name="ids"') == 1 and f'value="{unknown}"' in page
        assert ui.get("/review?channel=voice").get_data(as_text=True).count('name="ids"') == 0

    def test_filters_by_date_range(self, ui, people):
        """Items outside the date range are left out."""
        texted(ui, people, "hello", LANDLORD)
        login(ui, "a")
        assert ui.get("/review?from=2000-01-01&to=2000-01-02").get_data(as_text=True).count('name="ids"') == 0
        assert ui.get("/review?from=2000-01-01").get_data(as_text=True).count('name="ids"') == 1

    def test_paginates_newest_first(self, ui, people):
        """Twenty-six items make two pages; the newest is first on page one."""
        ids = [stored(people, f"hello {i}", LANDLORD, f"SMPAGE{i:04d}") for i in range(26)]
        drain(people)
        login(ui, "chief")
        first = ui.get("/review").get_data(as_text=True)
        assert first.count('name="ids"') == 25 and "第 1 / 2 页，共 26 条" in first
        assert first.index(f'value="{ids[-1]}"') < first.index(f'value="{ids[-2]}"')
        second = ui.get("/review?page=2").get_data(as_text=True)
        assert second.count('name="ids"') == 1 and f'value="{ids[0]}"' in second

    def test_supervisor_filters_by_precinct(self, ui, people):
        """A supervisor sees every precinct and can narrow to one."""
        texted(ui, people, "hello", LANDLORD)
        b_item = texted(ui, people, "hello", OTHER_LANDLORD)
        login(ui, "chief")
        assert ui.get("/review").get_data(as_text=True).count('name="ids"') == 2
        with people.sessions() as session:
            gl02 = session.scalar(select(Property.precinct_id).where(Property.code == "200001"))
        page = ui.get(f"/review?precinct={gl02}").get_data(as_text=True)
        assert page.count('name="ids"') == 1 and f'value="{b_item}"' in page


class TestScope:
    def test_other_precincts_item_is_404(self, ui, people):
        """An officer of GL02 gets 404 for a GL01 landlord's item, and it is not in their queue."""
        item = texted(ui, people, "hello", LANDLORD)
        login(ui, "b")
        assert ui.get(f"/review/{item}").status_code == 404
        assert ui.post(f"/review/{item}/spam").status_code == 404
        assert f'value="{item}"' not in ui.get("/review").get_data(as_text=True)
        assert row(people, InboundMessage, item).review_state == "open"

    def test_unknown_sender_is_visible_to_every_officer(self, ui, people):
        """An item from an unknown number has no precinct, so officers of both precincts see it."""
        item = texted(ui, people, "hello", STRANGER)
        for user in ("a", "b"):
            login(ui, user)
            assert ui.get(f"/review/{item}").status_code == 200
            ui.post("/logout")

    def test_supervisor_sees_every_precinct(self, ui, people):
        """A supervisor opens items of any precinct."""
        item = texted(ui, people, "hello", OTHER_LANDLORD)
        login(ui, "chief")
        assert ui.get(f"/review/{item}").status_code == 200


class TestItemPage:
    def test_error_span_is_highlighted(self, ui, people):
        """The mistyped ID is wrapped in a mark naming its code, masked until the officer asks for the full text."""
        item = texted(ui, people, f"登记 李四 {ID_BAD_CHECK} 301 @100001", LANDLORD)
        login(ui, "a")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert '<mark class="" data-codes="id_checksum" title="身份证校验位错误">3501**********1239</mark>' in page
        full = ui.post(f"/review/{item}/full-text").get_data(as_text=True)
        assert f'<mark class="" data-codes="id_checksum" title="身份证校验位错误">{ID_BAD_CHECK}</mark>' in full

    def test_an_item_stopped_before_its_parse_still_shows_its_spans(self, ui, people):
        """The worker keeps the parse of what it reads; a message it stops before reading (over the hourly
        allowance) gets the same parse made when the page is shown, spans and all."""
        app_rt = ui.application.extensions["declgate"]
        app_rt.settings = app_rt.settings.with_(rate_limit_per_hour=1)
        texted(ui, people, "查询", LANDLORD)
        item = texted(ui, people, f"登记 李四 {ID_BAD_CHECK} 301 @100001", LANDLORD)
        stopped = row(people, InboundMessage, item)
        assert stopped.review_reason == "rate_limited" and stopped.parse is None
        login(ui, "a")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert '<mark class="" data-codes="id_checksum" title="身份证校验位错误">3501**********1239</mark>' in page

    def test_queue_masks_id_numbers_in_previews(self, ui, people):
        """The queue lists message previews with ID numbers masked (only the audited item page shows them)."""
        login(ui, "a")
        texted(ui, people, f"登记 张三 {ID_BAD_CHECK} 301", LANDLORD)
        page = ui.get("/review").get_data(as_text=True)
        assert ID_BAD_CHECK not in page and "3501**********1239" in page

    def test_viewing_a_raw_id_number_is_audited(self, ui, people):
        """Asking for the full text of an item holding an ID number writes a view_full_id audit entry; opening
        it does not (the page is masked), and a text with no number to hide has no full view to record."""
        login(ui, "a")
        with_id = texted(ui, people, f"登记 张三 {ID_BAD_CHECK} 301", LANDLORD)
        without_id = texted(ui, people, "hello", LANDLORD)
        assert ui.get(f"/review/{with_id}").status_code == 200
        assert ui.post(f"/review/{without_id}/full-text").status_code == 302
        assert audit_actions(people, "view_full_id") == []
        page = ui.post(f"/review/{with_id}/full-text").get_data(as_text=True)
        assert ID_BAD_CHECK in page
        [entry] = audit_actions(people, "view_full_id")
        assert entry.target == f"inbound:{with_id}" and entry.officer.username == "a"

    def test_markup_in_the_message_is_escaped(self, ui, people):
        """HTML in an SMS body is shown as text, never as markup."""
        body = '登记 <script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1"> 301'
        item = texted(ui, people, body, LANDLORD)
        login(ui, "a")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert "<script>window" not in page and "<img src=x" not in page
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
        assert "&lt;img" in page

    def test_shows_sender_landlord_and_reply(self, ui, people):
        """The page names the landlord, lists their properties and the reply that was sent."""
        item = texted(ui, people, f"登记 李四 {ID_BAD_CHECK} 301 @100001", LANDLORD)
        login(ui, "a")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert "陈房东" in page and "鼓楼区西巷3号" in page
        with people.sessions() as session:
            reply = session.scalar(select(OutboundMessage.body).where(OutboundMessage.in_reply_to == item))
        assert reply and reply.splitlines()[0] in page

    def test_recordings_have_an_audio_player(self, ui, people):
        """A voice declaration's recordings are playable on the item page."""
        item, _ = pending_declaration(people)
        login(ui, "a")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert '<audio controls preload="none" src="https://api.twilio.com/rec/name.mp3">' in page


class TestEditAndReprocess:
    def test_edit_is_processed_and_answered(self, ui, people):
        """The corrected text becomes a new message that stores the declaration and gets a reply; the original stays."""
        body = f"登记 李四 {ID_BAD_CHECK} 301 @100001"
        item = texted(ui, people, body, LANDLORD)
        login(ui, "a")
        response = ui.post(f"/review/{item}/edit", data={"body": f"登记 李四 {ID_A} 301 @100001"})
        assert response.status_code == 302
        drain(people)
        with people.sessions() as session:
            copy = session.scalar(select(InboundMessage).where(InboundMessage.edited_from_id == item))
            decl = session.scalar(select(Declaration).where(Declaration.inbound_id == copy.id))
            reply = session.scalar(select(OutboundMessage).where(OutboundMessage.in_reply_to == copy.id))
        assert response.location == f"/review/{copy.id}"
        assert copy.provider_sid == f"EDIT-{item}-1" and copy.from_number == LANDLORD and copy.channel == "sms"
        assert copy.status == "processed" and decl.status == "active" and decl.room == "301"
        assert reply.to_number == LANDLORD and reply.status == "outbox" and decl.receipt in reply.body
        original = row(people, InboundMessage, item)
        assert original.body == body and original.review_state == "resolved"
        [entry] = audit_actions(people, "edit")
        assert entry.officer.username == "a" and entry.target == f"inbound:{item}" and entry.detail["copy"] == copy.id

    def test_closed_item_cannot_be_edited(self, ui, people):
        """A second edit of the same item is refused with a message and creates nothing."""
        item = texted(ui, people, "hello", LANDLORD)
        login(ui, "a")
        ui.post(f"/review/{item}/edit", data={"body": "帮助"})
        ui.post(f"/review/{item}/edit", data={"body": "帮助"})
        with people.sessions() as session:
            copies = session.scalars(select(InboundMessage).where(InboundMessage.edited_from_id == item)).all()
        assert len(copies) == 1


class TestLink:
    def test_enrols_the_sender_and_reprocesses(self, ui, people):
        """Linking an unknown number enrols it with a property and the message then stores a declaration."""
        item = texted(ui, people, f"登记 王五 {ID_A} 302", STRANGER)
        login(ui, "a")
        response = ui.post(f"/review/{item}/link", data={"name": "王房东", "property_code": "300001",
                                                         "address": "鼓楼区南路1号"})
        assert response.status_code == 302
        drain(people)
        with people.sessions() as session:
            decl = session.scalar(select(Declaration).join(Property).where(Property.code == "300001"))
            assert decl.status == "active" and decl.property.precinct.code == "GL01"
        assert [e.action for e in audit_actions(people)] == ["enrol", "link"]

    def test_bad_enrolment_is_explained(self, ui, people):
        """An invalid property code is reported and the item stays open."""
        item = texted(ui, people, "hello", STRANGER)
        login(ui, "a")
        response = ui.post(f"/review/{item}/link", data={"name": "王", "property_code": "12", "address": "x"},
                           follow_redirects=True)
        assert "must be 4 to 12 digits" in response.get_data(as_text=True)
        assert row(people, InboundMessage, item).review_state == "open"


class TestAccept:
    def test_pending_declaration_becomes_active(self, ui, people):
        """Typing the name from the recording makes the declaration active and closes the item."""
        item, decl_id = pending_declaration(people)
        login(ui, "a")
        response = ui.post(f"/review/declaration/{decl_id}/accept", data={"name": "赵六", "inbound_id": item},
                           follow_redirects=True)
        decl = row(people, Declaration, decl_id)
        assert decl.status == "active" and decl.receipt in response.get_data(as_text=True)
        with people.sessions() as session:
            assert session.get(Declaration, decl_id).person.name == "赵六"
        assert row(people, InboundMessage, item).review_state == "resolved"
        assert [e.action for e in audit_actions(people)] == ["accept", "resolve"]

    def test_person_already_active_there_is_not_doubled(self, ui, people):
        """Accepting a second pending declaration of a person active at the same property cancels it instead."""
        item, decl_id = pending_declaration(people)
        with people.sessions.begin() as session:
            pending = session.get(Declaration, decl_id)
            session.add(Declaration(person_id=pending.person_id, property_id=pending.property_id, room="301",
                                    move_in=pending.move_in, status="active", receipt="00000000", channel="officer"))
        login(ui, "a")
        page = ui.post(f"/review/declaration/{decl_id}/accept", data={"name": "赵六", "inbound_id": item},
                       follow_redirects=True).get_data(as_text=True)
        assert row(people, Declaration, decl_id).status == "cancelled"
        assert "00000000" in page

    def test_other_precinct_cannot_accept(self, ui, people):
        """An officer of GL02 gets 404 for a GL01 declaration."""
        item, decl_id = pending_declaration(people)
        login(ui, "b")
        assert ui.post(f"/review/declaration/{decl_id}/accept", data={"name": "x"}).status_code == 404
        assert row(people, Declaration, decl_id).status == "pending_review"


class TestReject:
    def test_reject_with_a_templated_reply(self, ui, people):
        """Rejecting with a template closes the item and sends the landlord that text in their language."""
        item = texted(ui, people, f"登记 李四 {ID_BAD_CHECK} 301 @100001", LANDLORD)
        login(ui, "a")
        ui.post(f"/review/{item}/reject", data={"reason": "证件号错误", "template": "resend"})
        assert row(people, InboundMessage, item).review_state == "rejected"
        with people.sessions() as session:
            reply = session.scalar(select(OutboundMessage).where(OutboundMessage.in_reply_to == item,
                                                                 OutboundMessage.purpose == "officer_reply"))
        assert reply.status == "outbox" and reply.to_number == LANDLORD and "重新发送" in reply.body
        entries = audit_actions(people)
        assert [e.action for e in entries] == ["reject", "reply"] and entries[0].detail["note"] == "证件号错误"

    def test_english_message_gets_the_english_reply(self, ui, people):
        """A landlord who wrote in English gets the template in English."""
        item = texted(ui, people, "hello", LANDLORD)
        login(ui, "a")
        ui.post(f"/review/{item}/reject", data={"reason": "noise", "template": "resend"})
        with people.sessions() as session:
            body = session.scalar(select(OutboundMessage.body).where(OutboundMessage.purpose == "officer_reply"))
        assert body.startswith("Your declaration could not be registered")

    def test_reject_without_reply_sends_nothing(self, ui, people):
        """Rejecting without a template sends no officer reply."""
        item = texted(ui, people, "hello", LANDLORD)
        login(ui, "a")
        ui.post(f"/review/{item}/reject", data={"reason": "noise"})
        with people.sessions() as session:
            assert session.scalar(select(OutboundMessage).where(OutboundMessage.purpose == "officer_reply")) is None

    def test_rejecting_cancels_pending_declarations(self, ui, people):
        """A pending declaration of a rejected item is cancelled."""
        item, decl_id = pending_declaration(people)
        login(ui, "a")
        ui.post(f"/review/{item}/reject", data={"reason": "prank call"})
        assert row(people, Declaration, decl_id).status == "cancelled"


class TestSpam:
    def test_mark_spam(self, ui, people):
        """Marking spam closes the item and records who did it."""
        item = texted(ui, people, "buy now", STRANGER)
        login(ui, "b")
        ui.post(f"/review/{item}/spam")
        assert row(people, InboundMessage, item).review_state == "spam"
        [entry] = audit_actions(people, "spam")
        assert entry.officer.username == "b"


class TestBulk:
    def test_reprocess_every_item_with_a_reason(self, ui, people):
        """After enrolling a landlord, reprocessing `unknown_sender` stores both of their declarations."""
        texted(ui, people, f"登记 王五 {ID_A} 302", STRANGER)
        texted(ui, people, f"登记 赵六 {ID_B} 303", STRANGER)
        login(ui, "a")
        ui.post("/landlords/new", data={"phone": STRANGER, "name": "王房东", "property_code": "300001",
                                        "address": "鼓楼区南路1号"})
        response = ui.post("/review/bulk/reprocess", data={"reason": "unknown_sender"}, follow_redirects=True)
        assert "已重新处理 2 条" in response.get_data(as_text=True)
        drain(people)
        with people.sessions() as session:
            active = session.scalars(select(Declaration).where(Declaration.status == "active")).all()
        assert sorted(d.room for d in active) == ["302", "303"]

    def test_reprocessed_copies_are_not_rate_limited(self, ui, people):
        """An officer's reprocessing is not a flood: copies pass even when the sender used up the hourly limit."""
        app_rt = ui.application.extensions["declgate"]
        app_rt.settings = app_rt.settings.with_(rate_limit_per_hour=2)
        texted(ui, people, f"登记 王五 {ID_A} 302", STRANGER)
        texted(ui, people, f"登记 赵六 {ID_B} 303", STRANGER)
        login(ui, "a")
        ui.post("/landlords/new", data={"phone": STRANGER, "name": "王房东", "property_code": "300001",
                                        "address": "鼓楼区南路1号"})
        ui.post("/review/bulk/reprocess", data={"reason": "unknown_sender"})
        drain(people)
        with people.sessions() as session:
            limited = session.scalars(select(InboundMessage).where(InboundMessage.review_reason == "rate_limited"))
            assert list(limited) == []
            assert session.scalar(select(func.count()).select_from(Declaration)) == 2

    def test_reject_selected(self, ui, people):
        """Only the selected items are rejected."""
        first = texted(ui, people, "hello", LANDLORD)
        second = texted(ui, people, "hello again", LANDLORD)
        login(ui, "a")
        ui.post("/review/bulk/reject", data={"ids": [str(first)], "reason": "noise"})
        assert row(people, InboundMessage, first).review_state == "rejected"
        assert row(people, InboundMessage, second).review_state == "open"

    def test_bulk_reject_skips_other_precincts(self, ui, people):
        """Ids of another precinct's items are ignored, not rejected."""
        theirs = texted(ui, people, "hello", LANDLORD)
        login(ui, "b")
        ui.post("/review/bulk/reject", data={"ids": [str(theirs)], "reason": "noise"})
        assert row(people, InboundMessage, theirs).review_state == "open"


class TestVoiceClaims:
    """Officers decide the claims callers make on the voice line (the landlord may never answer)."""

    def _registered(self, ui, people) -> Declaration:
        texted(ui, people, f"登记 张三 {ID_A} 13900002222 301 @100001", LANDLORD)
        with people.sessions() as session:
            return session.scalar(select(Declaration))

    def _call(self, ui, people, menu: str, code: str) -> int:
        from tests.support import PhoneCall

        call = PhoneCall(ui, STRANGER)
        call.start()
        keys = ["1", menu, ID_A + "#", "1", code + "#", "1"]
        keys += ["1", "1"] if menu == "2" else ["#", "1"]
        for digits in keys:
            call.press(digits)
        if menu == "1":
            call.speak("李四", 0.95)
            call.press("1")
            call.press("1")
        drain(people)
        with people.sessions() as session:
            return session.scalar(select(InboundMessage.id).where(InboundMessage.provider_sid.like(f"{call.sid}:%")))

    def test_accepting_a_move_in_claim_makes_it_active_and_supersedes(self, ui, people):
        """An officer's accept does what the landlord's Y would: active, and the old registration superseded."""
        old = self._registered(ui, people)
        item = self._call(ui, people, "1", "200001")
        with people.sessions() as session:
            claim = session.scalar(select(Declaration).where(Declaration.inbound_id == item))
            assert claim.status == "pending_review"
            assert session.get(InboundMessage, item).review_reason == "awaiting_landlord"
        login(ui, "b")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert f'action="/review/declaration/{claim.id}/accept"' in page
        ui.post(f"/review/declaration/{claim.id}/accept", data={"name": "李四", "inbound_id": item})
        assert row(people, Declaration, claim.id).status == "active"
        assert row(people, Declaration, old.id).status == "superseded"
        assert row(people, InboundMessage, item).review_state == "resolved"

    def test_applying_a_move_out_claim_ends_the_registration(self, ui, people):
        """The item page lists the registration a caller says moved out; applying it ends it on that date."""
        decl = self._registered(ui, people)
        item = self._call(ui, people, "2", "100001")
        assert row(people, Declaration, decl.id).status == "active"
        login(ui, "a")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert 'id="move-out-claims"' in page and decl.receipt in page and ID_A not in page
        response = ui.post(f"/review/declaration/{decl.id}/move-out", data={"inbound_id": item},
                           follow_redirects=True)
        after = row(people, Declaration, decl.id)
        assert after.status == "ended" and after.move_out.isoformat() == row(people, InboundMessage, item).payload["date"]
        assert decl.receipt in response.get_data(as_text=True)
        assert row(people, InboundMessage, item).review_state == "resolved"
        assert [e.action for e in audit_actions(people, "apply_move_out")] == ["apply_move_out"]

    def test_rejecting_a_move_out_claim_leaves_the_registration(self, ui, people):
        """Rejecting the claim's item closes it; the registration stands and can no longer be ended by it."""
        decl = self._registered(ui, people)
        item = self._call(ui, people, "2", "100001")
        login(ui, "a")
        ui.post(f"/review/{item}/reject", data={"reason": "tenant still lives there"})
        ui.post(f"/review/declaration/{decl.id}/move-out", data={"inbound_id": item})
        assert row(people, Declaration, decl.id).status == "active"

    def test_other_precinct_cannot_apply_a_move_out(self, ui, people):
        """An officer of GL02 gets 404 for a GL01 registration."""
        decl = self._registered(ui, people)
        self._call(ui, people, "2", "100001")
        login(ui, "b")
        assert ui.post(f"/review/declaration/{decl.id}/move-out").status_code == 404
        assert row(people, Declaration, decl.id).status == "active"
