"""render_reply and the code catalogues."""
from __future__ import annotations

import datetime as dt

import pytest

from parsers import Outcome, parse_sms, render_reply
from parsers import catalog_en, catalog_zh
from parsers.codes import ALL_CODES, ERROR_CODES, PIPELINE_CODES, REPLY_CODES, REVIEW_CODES, WARNING_CODES
from tests.constants import ID_A, ID_BAD_CHECK

TODAY = dt.date(2014, 1, 10)
STATUSES = ["registered", "already_registered", "superseded", "pending_review", "moved_out",
            "cancelled", "confirmed", "disputed", "rejected", "listed", "claimed", "move_out_requested"]


def zh(text=f"登记 张三 {ID_A} 301"):
    return parse_sms(text, today=TODAY)


def rejected(result, index):
    """The outcome the SMS pipeline gives a record the parser rejected (gateway.pipeline.sms_commands._reject_record)."""
    rec = result.records[index]
    codes = tuple(dict.fromkeys(p.code for p in result.record_errors(index)))
    assert codes, "the record must have been rejected by the parser"
    return Outcome("rejected", index, name=rec.name, document_number=rec.document.number if rec.document else None,
                   room=rec.room, codes=codes)


class TestRenderReply:
    @pytest.mark.parametrize("status", STATUSES)
    @pytest.mark.parametrize("language", ["zh", "en"])
    def test_masked_id_present_and_full_id_absent(self, status, language):
        """Every outcome shows the masked ID and never the full one."""
        o = Outcome(status, 0, name="张三", document_number=ID_A, receipt="12345671", room="301",
                    codes=("id_checksum",) if status == "rejected" else ())
        reply = render_reply(zh(), [o], language=language)
        assert "3501**********1238" in reply
        assert ID_A not in reply

    def test_one_reply_covers_every_record(self):
        """Two records give two numbered lines with receipt and rejection reason."""
        r = zh(f"登记 张三 {ID_A} 301; 李四 {ID_BAD_CHECK}")
        outcomes = [Outcome("registered", 0, name="张三", document_number=ID_A, receipt="12345671")]
        outcomes.append(rejected(r, 1))
        reply = render_reply(r, outcomes)
        assert reply.splitlines() == [
            "1.已登记 张三 3501**********1238 回执12345671",
            "2.未受理 李四 3501**********1239：身份证号有数字输错，请逐位核对。",
        ]

    def test_rejection_never_reveals_the_correct_check_digit(self):
        """A checksum rejection names neither the full ID nor the digit that would fix it."""
        r = zh("登记 张三 350102199001011230")
        reply = render_reply(r, [rejected(r, 0)], language="en")
        assert ID_A not in reply and "1238" not in reply

    def test_long_unrecognized_text_is_masked(self):
        """Unrecognised text long enough to be an ID is masked in the reply."""
        r = zh("登记 张三 无证 3501021990010112X8")
        reply = render_reply(r, [rejected(r, 0)])
        assert "3501021990010112X8" not in reply and "3501**********12X8" in reply

    @pytest.mark.parametrize(("text", "language"), [("REG LI NA NOID", "en"), ("登记 张三 无证", "zh")])
    def test_language_follows_the_message(self, text, language):
        """Without an override the reply uses the message's language."""
        reply = render_reply(zh(text), [Outcome("pending_review", 0, name="X")])
        expected = catalog_zh if language == "zh" else catalog_en
        assert reply.startswith(expected.STATUS["pending_review"])

    def test_language_override(self):
        """An explicit language wins over the message's."""
        assert render_reply(zh(), [Outcome("registered", 0)], language="en").startswith("Registered")

    def test_whole_message_rejection(self):
        """A record-less rejected outcome explains the pipeline code."""
        reply = render_reply(zh(), [Outcome("rejected", None, codes=("ambiguous_property",))])
        assert reply == "未受理：" + catalog_zh.CODES["ambiguous_property"]

    @pytest.mark.parametrize("text", ["hello", "HELP", "帮助"])
    def test_help_and_unknown_keyword_show_the_format(self, text):
        """Help and an unknown keyword both get a short format example."""
        r = zh(text)
        cat = catalog_zh if r.language == "zh" else catalog_en
        codes = tuple(p.code for p in r.errors if p.record is None)  # as gateway.pipeline.sms_commands._apply_sms rejects them
        outcomes = [Outcome("rejected", None, codes=codes)] if codes else []
        assert cat.TEMPLATES["help"] in render_reply(r, outcomes)

    def test_list(self):
        """A list reply shows each active tenant, or says there are none."""
        r = zh("名单")
        assert render_reply(r, []) == catalog_zh.TEMPLATES["list_empty"]
        reply = render_reply(r, [Outcome("listed", None, name="张三", document_number=ID_A, room="301")])
        assert reply == "在住租客：\n张三 3501**********1238 301室"

    def test_single_record_fits_three_segments(self):
        """A one-record Chinese reply with every code stays within 3 UCS-2 segments."""
        o = Outcome("rejected", 0, name="欧阳·娜娜", document_number=ID_A, codes=tuple(ERROR_CODES)[2:6])
        assert len(render_reply(zh(), [o])) <= 3 * 67


class TestCodeCatalogues:
    @pytest.mark.parametrize("code", sorted(REPLY_CODES))
    def test_every_reply_code_has_text_in_both_languages(self, code):
        """Each code a reply can carry has a landlord-facing text in both catalogues."""
        assert catalog_zh.CODES[code] and catalog_en.CODES[code]

    @pytest.mark.parametrize("code", sorted(ALL_CODES))
    def test_every_code_has_a_description_in_both_languages(self, code):
        """Each code an officer sees has a description in both languages."""
        words = ALL_CODES[code]
        assert words.zh.strip() and words.en.strip()

    def test_catalogues_hold_exactly_the_reply_codes(self):
        """The reply catalogues neither miss a reply code nor keep texts for codes nothing emits."""
        assert set(catalog_zh.CODES) == set(catalog_en.CODES) == set(REPLY_CODES)

    def test_code_groups_do_not_overlap(self):
        """A code belongs to one group, so no group's description silently shadows another's."""
        groups = [ERROR_CODES, WARNING_CODES, PIPELINE_CODES, REVIEW_CODES]
        assert sum(map(len, groups)) == len(ALL_CODES)

    @pytest.mark.parametrize("status", STATUSES)
    def test_every_status_has_text_in_both_languages(self, status):
        """Each outcome status has a word in both catalogues."""
        assert catalog_zh.STATUS[status] and catalog_en.STATUS[status]


class TestUnrecognisedText:
    @pytest.mark.parametrize("body,expected", [
        (f"登记 张 {ID_A} 301", "无法识别：张。缺姓名。"),
        (f"登记 张三 {ID_A} 301 10/01/2014", "无法识别：10/01/2014。"),
        (f"REG ZHANG SAN {ID_A} 301 " + "$" * 60, "Not understood: " + "$" * 19 + "…."),
    ])
    def test_the_text_not_understood_is_shown_and_ends_its_sentence(self, body, expected):
        """What was not understood is quoted as typed (a date in the wrong order too), cut when long, and the
        next reason does not run into it."""
        result = parse_sms(body, today=TODAY)
        assert render_reply(result, [rejected(result, 0)]).endswith(expected)

    def test_text_with_most_of_an_id_number_stays_masked(self):
        result = parse_sms(f"登记 张三 {ID_A[:16]}X9Y 301", today=TODAY)
        reply = render_reply(result, [rejected(result, 0)])
        assert ID_A[:16] not in reply and "3501" in reply


class TestAdviceByCommand:
    @pytest.mark.parametrize("body, advice", [
        ("退租", "退租 尾号1238"), ("OUT 2014-01-09", "OUT *1238"), ("离职", "离职 尾号1238"), ("LEAVE", "LEAVE *1238"),
        ("登记 张三 301", "没有证件写“无证”")])
    def test_a_missing_id_is_advised_in_the_commands_own_words(self, body, advice):
        """A move-out names the person by ID, suffix or room, so "write 无证 if none" would be wrong advice there."""
        result = parse_sms(body, today=TODAY)
        assert advice in render_reply(result, [rejected(result, 0)])
