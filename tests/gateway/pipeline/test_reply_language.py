"""A reply follows the conversation: a bare `Y 12345671`, `LIST` or `HELP` has no Chinese in it, yet a landlord
who writes (or was asked) in Chinese is answered in Chinese."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from parsers import catalog_en, catalog_zh
from parsers import parse_sms
from parsers.replies import reply_language
from store import languages
from store.models import OutboundMessage
from tests.constants import ID_A, ID_B, LANDLORD, STRANGER, TENANT
from tests.gateway.pipeline.test_voice_claims import move_in_call
from tests.support import drain, reply_to, sms


def text(client, rt, body: str, sender: str = LANDLORD) -> str:
    """Send an SMS, run the worker, and return the one reply."""
    response = sms(client, body, sender)
    assert response.status_code == 200
    drain(rt)
    (reply,) = reply_to(rt, response.sid)
    return reply


def confirm_request(rt) -> str:
    """The receipt in the newest request asking the landlord to confirm a caller's claim."""
    with rt.sessions() as session:
        body = session.scalar(select(OutboundMessage.body).where(OutboundMessage.to_number == LANDLORD,
                                                                 OutboundMessage.purpose == "landlord_confirm")
                              .order_by(OutboundMessage.id.desc()).limit(1))
    return re.search(r"Y (\d{8})", body).group(1)


@pytest.fixture
def chinese(client, people):
    """The landlord has declared a tenant in Chinese; returns the receipt."""
    reply = text(client, people, f"登记 张三 {ID_A} 301 @100001")
    assert reply.startswith(catalog_zh.STATUS["registered"])
    return re.search(r"回执(\d{8})", reply).group(1)


def parse(body: str):
    return parse_sms(body, today=dt.date(2026, 3, 1))


class TestReplyLanguage:
    def test_reply_language_keeps_what_a_bare_command_cannot_say(self):
        """A bare command takes the remembered language and is not remembered; a worded message is its own."""
        assert reply_language("Y 12345671", parse("Y 12345671"), "zh") == ("zh", False)
        assert reply_language("LIST", parse("LIST"), None) == ("en", False)
        assert reply_language("12345671", parse("12345671"), "zh") == ("zh", False)
        assert reply_language("登记 张三 301", parse("登记 张三 301"), "en") == ("zh", True)
        assert reply_language("hello there", parse("hello there"), "zh") == ("en", True)


class TestAfterAChinesePrompt:
    def test_list(self, client, people, chinese):
        """`LIST` after a Chinese declaration lists the tenants in Chinese."""
        assert text(client, people, "LIST").startswith(catalog_zh.TEMPLATES["list_header"])

    def test_help(self, client, people, chinese):
        """`HELP` gets the Chinese format."""
        assert text(client, people, "HELP") == catalog_zh.TEMPLATES["help"]

    def test_del(self, client, people, chinese):
        """`DEL <receipt>` is answered 已撤销."""
        assert text(client, people, f"DEL {chinese}").startswith(catalog_zh.STATUS["cancelled"])

    def test_y_to_a_callers_claim(self, client, people, chinese):
        """The landlord is asked in Chinese about a caller's claim; `Y <receipt>` is answered in Chinese."""
        move_in_call(client, TENANT, ID_B, "100002", "王五")
        drain(people)
        reply = text(client, people, f"Y {confirm_request(people)}")
        assert reply.startswith(catalog_zh.STATUS["confirmed"]) and "王五" in reply

    def test_n_to_a_callers_claim(self, client, people):
        """A landlord never heard from is asked in Chinese, and `N <receipt>` is answered in Chinese."""
        move_in_call(client, TENANT, ID_B, "100002", "王五")
        drain(people)
        assert text(client, people, f"N {confirm_request(people)}").startswith(catalog_zh.STATUS["disputed"])

    def test_a_receipt_alone(self, client, people, chinese):
        """Eight digits and nothing else are answered in the conversation's language too."""
        assert text(client, people, chinese).startswith(catalog_zh.STATUS["rejected"])


class TestEnglishStaysEnglish:
    def test_a_number_never_heard_from(self, client, people):
        """Without a conversation a bare command is answered in English, as the grammar reads it."""
        assert text(client, people, "HELP") == catalog_en.TEMPLATES["help"]

    def test_the_last_worded_message_decides(self, client, people, chinese):
        """A landlord who writes in English after Chinese gets English replies to bare commands from then on."""
        text(client, people, "hello, how do I register?")
        assert text(client, people, "LIST").startswith(catalog_en.TEMPLATES["list_header"])

    def test_an_unknown_sender_is_remembered_too(self, client, people):
        """A number not enrolled gets its Chinese back for a bare command (languages are kept per number)."""
        text(client, people, "你好", STRANGER)
        with people.sessions() as session:
            assert languages.remembered(session, STRANGER) == "zh"
        assert text(client, people, "HELP", STRANGER) == catalog_zh.STATUS["rejected"] + "：" + catalog_zh.CODES["unknown_sender"]
