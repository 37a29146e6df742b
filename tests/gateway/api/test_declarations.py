"""Declaring through the JSON API: the same queue, dedupe, rules, codes and receipts as an SMS."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from store.models import Declaration, InboundMessage
from tests.constants import ID_A, ID_B, ID_BAD_CHECK, LANDLORD, OTHER_LANDLORD
from tests.gateway.api.helpers import log_in, result_of
from tests.support import sms, drain


def declarations(rt) -> list[Declaration]:
    with rt.sessions() as session:
        return list(session.scalars(select(Declaration).order_by(Declaration.id)))


class TestMoveIn:
    def test_a_move_in_is_registered_with_a_receipt_and_channel_web(self, client, rt, people):
        """A move-in answers 202 with a status URL, where the receipt and the SMS reply text appear."""
        headers = log_in(client, rt, LANDLORD)
        response = client.post("/api/v1/declarations", headers=headers,
                               json={"name": "张三", "document_number": ID_A, "room": "301", "property": "100001"})
        assert response.headers["Location"] == response.get_json()["status_url"]
        status = result_of(client, rt, response, headers)
        assert status["status"] == "processed"
        [outcome] = status["result"]["outcomes"]
        assert outcome["status"] == "registered" and outcome["document"] == "3501**********1238"
        assert outcome["receipt"] in status["result"]["reply"]
        assert ID_A not in str(status)
        [decl] = declarations(rt)
        assert (decl.channel, decl.receipt, decl.room) == ("web", outcome["receipt"], "301")

    def test_the_same_tenant_by_sms_then_by_the_api_is_one_declaration(self, client, rt, people):
        """Dedupe holds across channels: the API's move-in finds the SMS one."""
        sms(client, f"登记 张三 {ID_A} 301 @100001", LANDLORD)
        drain(rt)
        headers = log_in(client, rt, LANDLORD)
        response = client.post("/api/v1/declarations", headers=headers,
                               json={"name": "张三", "document_number": ID_A, "room": "301", "property": "100001"})
        status = result_of(client, rt, response, headers)
        assert status["result"]["outcomes"][0]["status"] == "already_registered"
        assert len(declarations(rt)) == 1

    def test_a_wrong_check_digit_is_a_problem_with_the_sms_code(self, client, rt, people):
        """Field errors answer 422 problem+json with the grammar's codes and texts; nothing is stored."""
        headers = log_in(client, rt, LANDLORD)
        response = client.post("/api/v1/declarations", headers=headers,
                               json={"name": "张三", "document_number": ID_BAD_CHECK, "property": "100001"})
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["codes"][0]["code"] == "id_checksum" and body["codes"][0]["field"] == "document_number"
        assert ID_BAD_CHECK not in response.get_data(as_text=True)
        with rt.sessions() as session:
            assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0

    @pytest.mark.parametrize("field,value", [("name", "张三\U0001F600"), ("name", "Ab\u202e"), ("name", "张"),
                                             ("name", "张··三"),
                                             ("room", "<script>"), ("room", "3楼#01"), ("room", "301\u200f")])
    def test_a_name_or_room_an_sms_could_not_hold_is_refused(self, client, rt, people, field, value):
        """The API reads name and room by the SMS shapes: what `登记` would answer `unrecognized_token` is a 422."""
        headers = log_in(client, rt, LANDLORD)
        fields = {"name": "张三", "document_number": ID_A, "room": "301", "property": "100001", field: value}
        response = client.post("/api/v1/declarations", headers=headers, json=fields)
        assert response.status_code == 422
        [problem] = response.get_json()["codes"]
        assert (problem["code"], problem["field"]) == ("unrecognized_token", field)
        assert declarations(rt) == []

    @pytest.mark.parametrize("data,content_type", [('{"name": "张三", ', "application/json"),
                                                   (b'{"name": "\xff"}', "application/json"),
                                                   ('{"name": "张三"}', "text/plain")])
    def test_a_body_that_is_not_json_is_named_as_such(self, client, rt, people, data, content_type):
        """Broken JSON, bytes that are not UTF-8 or a form content type: the problem says so, not `Field required`."""
        headers = log_in(client, rt, LANDLORD)
        response = client.post("/api/v1/declarations", headers=headers, data=data, content_type=content_type)
        assert response.status_code == 422
        [problem] = response.get_json()["codes"]
        assert (problem["code"], problem["field"]) == ("not_json", None) and "不是JSON对象" in problem["text"]

    def test_a_body_too_large_says_so_and_the_limit(self, client, rt, people):
        """Past the request limit the problem says what is wrong and how much is allowed, in words."""
        headers = log_in(client, rt, LANDLORD)
        response = client.post("/api/v1/declarations", headers={**headers, "Accept-Language": "en"},
                               json={"name": "张三", "document_number": ID_A, "hukou_address": "x" * 100_000})
        assert response.status_code == 413
        body = response.get_json()
        assert body["codes"][0]["text"] == "The request body is too large." and body["detail"] == "At most 65,536 bytes."

    def test_unknown_fields_are_refused(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        response = client.post("/api/v1/declarations", headers=headers,
                               json={"name": "张三", "document_number": ID_A, "property": "100001", "admin": True})
        assert response.status_code == 422
        assert response.get_json()["codes"][0]["field"] == "admin"

    def test_several_properties_and_none_named_is_ambiguous_at_the_status_url(self, client, rt, people):
        """A rule the worker applies comes back at the status URL, with the SMS code and text."""
        headers = log_in(client, rt, LANDLORD)
        response = client.post("/api/v1/declarations", headers=headers,
                               json={"name": "张三", "document_number": ID_A, "room": "301"})
        status = result_of(client, rt, response, headers)
        assert status["status"] == "rejected"
        assert [c["code"] for c in status["result"]["codes"]] == ["ambiguous_property"]

    def test_no_document_waits_for_an_officer_with_the_hukou_address(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        response = client.post("/api/v1/declarations", headers=headers,
                               json={"name": "王小明", "document_type": "none", "room": "302", "property": "100001",
                                     "hukou_address": "福建省莆田市荔城区 拱辰街道"})
        status = result_of(client, rt, response, headers)
        assert status["result"]["outcomes"][0]["status"] == "pending_review"
        [decl] = declarations(rt)
        assert (decl.status, decl.hukou_address) == ("pending_review", "福建省莆田市荔城区 拱辰街道")


class TestIdempotency:
    def test_a_retried_post_creates_nothing_twice(self, client, rt, people):
        headers = {**log_in(client, rt, LANDLORD), "Idempotency-Key": "k-1"}
        body = {"name": "张三", "document_number": ID_A, "room": "301", "property": "100001"}
        first = client.post("/api/v1/declarations", headers=headers, json=body)
        second = client.post("/api/v1/declarations", headers=headers, json=body)
        assert second.status_code == 202 and second.get_json() == first.get_json()
        drain(rt)
        with rt.sessions() as session:
            assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
        assert len(declarations(rt)) == 1

    def test_the_same_key_with_another_body_is_refused(self, client, rt, people):
        headers = {**log_in(client, rt, LANDLORD), "Idempotency-Key": "k-2"}
        client.post("/api/v1/declarations", headers=headers,
                    json={"name": "张三", "document_number": ID_A, "room": "301", "property": "100001"})
        other = client.post("/api/v1/declarations", headers=headers,
                            json={"name": "李四", "document_number": ID_B, "room": "302", "property": "100001"})
        assert other.status_code == 422 and other.get_json()["codes"][0]["code"] == "idempotency_key_reused"

    def test_a_retried_code_request_sends_one_sms(self, client, rt, people):
        from store.models import OutboundMessage

        for _ in range(2):
            assert client.post("/api/v1/login/code", json={"phone": LANDLORD},
                               headers={"Idempotency-Key": "c-1"}).status_code == 202
        with rt.sessions() as session:
            assert session.scalar(select(func.count()).where(OutboundMessage.purpose == "login_code")) == 1


class TestMoveOutAndCancel:
    def _declared(self, client, rt, headers) -> str:
        response = client.post("/api/v1/declarations", headers=headers,
                               json={"name": "张三", "document_number": ID_A, "room": "301", "property": "100001"})
        return result_of(client, rt, response, headers)["result"]["outcomes"][0]["receipt"]

    def test_move_out_ends_the_declaration(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        receipt = self._declared(client, rt, headers)
        status = result_of(client, rt, client.post(f"/api/v1/declarations/{receipt}/move-out", headers=headers,
                                                   json={}), headers)
        assert status["result"]["outcomes"][0]["status"] == "moved_out"
        assert client.get("/api/v1/declarations?active=true", headers=headers).get_json()["declarations"] == []
        assert declarations(rt)[0].status == "ended"

    def test_cancel_withdraws_it(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        receipt = self._declared(client, rt, headers)
        status = result_of(client, rt, client.delete(f"/api/v1/declarations/{receipt}", headers=headers), headers)
        assert status["result"]["outcomes"][0]["status"] == "cancelled"
        assert declarations(rt)[0].status == "cancelled"


class TestScope:
    """Another landlord's property, receipt or request answers 404, exactly like an unknown one."""

    def test_another_landlords_receipt_and_property_are_not_found(self, client, rt, people):
        mine = log_in(client, rt, LANDLORD)
        response = client.post("/api/v1/declarations", headers=mine,
                               json={"name": "张三", "document_number": ID_A, "room": "301", "property": "100001"})
        receipt = result_of(client, rt, response, mine)["result"]["outcomes"][0]["receipt"]
        theirs = log_in(client, rt, OTHER_LANDLORD)
        assert client.post(f"/api/v1/declarations/{receipt}/move-out", headers=theirs, json={}).status_code == 404
        assert client.delete(f"/api/v1/declarations/{receipt}", headers=theirs).status_code == 404
        assert client.get(response.get_json()["status_url"], headers=theirs).status_code == 404
        assert client.get("/api/v1/declarations?property=100001", headers=theirs).status_code == 404
        attack = client.post("/api/v1/declarations", headers=theirs,
                             json={"name": "李四", "document_number": ID_B, "property": "100001"})
        assert attack.status_code == 404
        assert client.get("/api/v1/declarations?active=false", headers=theirs).get_json()["declarations"] == []
        assert [d.status for d in declarations(rt)] == ["active"]

    def test_properties_are_the_landlords_own(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        codes = [p["code"] for p in client.get("/api/v1/properties", headers=headers).get_json()["properties"]]
        assert codes == ["100001", "100002"]


def test_the_officer_reviewing_a_no_document_declaration_reads_its_hukou_address(ui, rt, client):
    """The address the landlord typed is on the review item the no-document declaration waits in."""
    from tests.support import login

    headers = log_in(client, rt, LANDLORD)
    response = client.post("/api/v1/declarations", headers=headers,
                           json={"name": "王小明", "document_type": "none", "room": "302", "property": "100001",
                                 "hukou_address": "福建省莆田市荔城区"})
    result_of(client, rt, response, headers)
    with rt.sessions() as session:
        item = session.scalar(select(InboundMessage.id))
    login(ui, "a")
    page = ui.get(f"/review/{item}").get_data(as_text=True)
    assert "福建省莆田市荔城区" in page
