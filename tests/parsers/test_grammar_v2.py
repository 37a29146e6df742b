"""The v2 grammar (docs/sms-format.md §9): household-registration addresses, portraits, enrolment, agents,
staff and backlog dates. Properties over generated messages where a rule is about any input; examples for
the exact spans and codes."""
from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers import Command, parse_sms
from parsers.commands import AGENT_COMMANDS, MOVE_INS, MOVE_OUTS
from parsers.tokens import KEYWORDS
from tests.constants import ID_A, ID_B

from .strategies import SAFE_HAN, TODAY, names, ric_numbers

# Text an address may hold: Han, Latin, digits, the usual punctuation, spaces — but no record separator.
ADDRESS_CHARS = SAFE_HAN + "省市区县镇路街巷号栋楼单元室福建莆田荔城拱辰" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
    + "abcdefghijklmnopqrstuvwxyz0123456789-#() 、，"


def parse(text: str, **kw):
    return parse_sms(text, today=TODAY, **kw)


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def settled(text: str) -> str:
    """What the grammar keeps of an address: NFKC-normalised, runs of spaces made one."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


addresses = st.text(ADDRESS_CHARS, min_size=1, max_size=60).filter(lambda a: settled(a) != "")


class TestHukou:
    def test_the_spec_example_is_one_record(self):
        """`登记 王小明 无证 302 户籍福建省莆田市荔城区` is name, no document, room and hukou (was multiple_names)."""
        r = parse("登记 王小明 无证 302 户籍福建省莆田市荔城区 拱辰街道", images=1)
        assert r.errors == () and r.warnings == ()
        record = r.records[0]
        assert (record.name, record.document.type, record.room) == ("王小明", "none", "302")
        assert record.hukou == "福建省莆田市荔城区 拱辰街道" and record.image == 0
        assert r.to_json()["records"][0]["hukou"] == "福建省莆田市荔城区 拱辰街道"

    @given(addresses, st.sampled_from(["户籍", "籍贯", "HUKOU ", "hukou:", "户籍：", "籍贯: "]), st.booleans())
    def test_the_address_is_the_rest_of_the_record_whatever_it_holds(self, address, keyword, glued):
        """Anything after the keyword, digits and names included, is the address — up to the record's end."""
        name = "王小明" if (glued and not keyword[0].isascii()) else "王小明 "
        r = parse(f"登记 {name}无证 302 {keyword}{address}; 李四 {ID_B} 303", images=1)
        assert r.errors == (), r.errors
        assert r.records[0].hukou == settled(address)
        assert (r.records[0].name, r.records[0].room) == ("王小明", "302")
        assert (r.records[1].name, r.records[1].hukou) == ("李四", None)

    def test_a_glued_keyword_ends_the_name(self):
        """`王小明户籍福建` is a name and an address, not one long name."""
        r = parse("登记 王小明户籍福建 无证", images=1)
        assert r.records[0].name == "王小明"
        assert r.records[0].hukou == "福建 无证"  # everything after the keyword is the address
        assert codes(r.errors) == ["missing_id"]

    def test_a_record_with_a_document_may_carry_it(self):
        """The field is allowed and kept on a record with a document; no warning then."""
        r = parse(f"登记 张三 {ID_A} 301 户籍 福建省福州市")
        assert r.errors == () and r.warnings == ()
        assert r.records[0].hukou == "福建省福州市" and r.records[0].image is None

    def test_no_document_without_an_address_is_missing_hukou(self):
        """The record is kept (an officer reviews it) with `missing_hukou` on the 无证 span."""
        text = "登记 王小明 无证 302"
        r = parse(text)
        (w,) = r.warnings
        assert (w.code, w.record, text[w.start:w.end]) == ("missing_hukou", 0, "无证")
        assert r.errors == ()

    def test_an_address_without_a_portrait_is_missing_portrait(self):
        """With the address but no image the warning points at the address, and the reply will ask for a photo."""
        text = "登记 王小明 无证 302 户籍福建省莆田市"
        (w,) = parse(text).warnings
        assert (w.code, text[w.start:w.end]) == ("missing_portrait", "户籍福建省莆田市")

    @given(st.lists(st.booleans(), min_size=1, max_size=6), st.integers(0, 8))
    def test_images_go_to_the_no_document_records_in_order(self, no_document, images):
        """One image per no-document record, in reading order; records with a document take none."""
        records = [f"王{'一二三四五六'[i]}明 无证 {301 + i} 户籍福建" if nodoc else f"张{'一二三四五六'[i]} {ID_A} {301 + i}"
                   for i, nodoc in enumerate(no_document)]
        r = parse("登记 " + "; ".join(records), images=images)
        given_out = [rec.image for rec in r.records if rec.document and rec.document.type == "none"]
        assert given_out == [i if i < images else None for i in range(len(given_out))]
        assert all(rec.image is None for rec in r.records if rec.document.type != "none")
        missing = [w.record for w in r.warnings if w.code == "missing_portrait"]
        assert missing == [i for i, rec in enumerate(r.records) if rec.document.type == "none" and rec.image is None]


class TestEnrol:
    @given(names(), ric_numbers(), addresses, st.sampled_from(["注册", "备案", "ENROL", "enroll"]),
           st.none() | st.sampled_from(["五四", "A1", "家"]), st.booleans(), st.booleans())
    def test_name_document_and_the_rest_as_address(self, name, ric, address, keyword, alias, single, doc_first):
        """Name and ID in either order, then the address with its spaces; @alias and 单套 anywhere after."""
        typed_name, expected_name = name
        # an address starting with a name-shaped word could be read as the name; one ending in a separator
        # loses it (the address runs from its first field to its last)
        address = "福州市" + address + "1号"
        head = f"{ric} {typed_name}" if doc_first and not expected_name.isascii() else f"{typed_name} {ric}"
        tail = (f" @{alias}" if alias else "") + (" 单套" if single else "")
        r = parse(f"{keyword} {head} {address}{tail}")
        assert r.command == Command.ENROL and r.errors == (), r.errors
        (record,) = r.records
        assert (record.name, record.document.number) == (expected_name, ric)
        assert record.address == settled(address)
        assert (record.property, record.single_unit) == (alias, single)
        as_json = json.loads(json.dumps(r.to_json()))
        assert {k: as_json[k] for k in ("name", "address", "property", "single_unit")} == {
            "name": expected_name, "address": settled(address), "property": alias, "single_unit": single}
        assert as_json["document"] == {"type": "ric", "number": ric}

    def test_a_marker_inside_the_address_is_taken_out_of_it(self):
        r = parse(f"注册 张三 {ID_A} 福州市鼓楼区 @五四 五四路100号")
        assert (r.records[0].address, r.records[0].property) == ("福州市鼓楼区 五四路100号", "五四")

    @pytest.mark.parametrize(("text", "code", "span"), [
        (f"注册 张三 {ID_A}", "missing_address", f"张三 {ID_A}"),
        ("注册 张三 福州市鼓楼区", "missing_id", "张三 福州市鼓楼区"),
        (f"注册 {ID_A} ", "missing_name", ID_A),
        ("注册 张三 350102199001011239 福州市", "id_checksum", "350102199001011239"),
    ])
    def test_what_is_missing_is_said_with_its_span(self, text, code, span):
        r = parse(text)
        p = next(p for p in r.errors if p.code == code)
        assert (p.record, text[p.start:p.end]) == (0, span)

    def test_one_enrolment_per_message(self):
        """A second record is not read: it is pointed at, so the landlord sends it separately."""
        text = f"注册 张三 {ID_A} 福州市A路1号; 福州市B路2号"
        r = parse(text)
        (p,) = r.errors
        assert (p.code, p.record, text[p.start:p.end]) == ("unrecognized_token", None, "福州市B路2号")


class TestAgents:
    @given(st.sampled_from(["授权", "代理", "AGENT", "取消授权", "解除代理", "unagent"]),
           st.sampled_from(["13912345678", "+8613912345678", "139 1234 5678", "139-1234-5678"]),
           st.none() | st.sampled_from(["五四", "100001"]), st.booleans())
    def test_a_phone_and_an_optional_property(self, keyword, phone, prop, prop_first):
        parts = [phone] + ([f"@{prop}"] if prop else [])
        if prop_first:
            parts.reverse()
        r = parse(f"{keyword} {' '.join(parts)}")
        assert r.command in AGENT_COMMANDS and r.errors == ()
        assert (r.records[0].phone, r.records[0].property) == ("+8613912345678", prop)
        assert r.to_json()["phone"] == "+8613912345678"

    def test_the_longer_keyword_wins(self):
        """`取消授权` revokes, though it ends with `授权`."""
        assert parse("取消授权 13912345678").command == Command.AGENT_REVOKE
        assert parse("授权 13912345678").command == Command.AGENT

    @pytest.mark.parametrize("text", ["授权", "授权 @五四", "AGENT 12345"])
    def test_no_phone_is_missing_phone(self, text):
        assert "missing_phone" in codes(parse(text).errors)


class TestStaff:
    @given(st.sampled_from(["用工", "入职", "雇用", "STAFF", "hire"]), st.sampled_from(["", " 宿舍", " LODGE"]),
           st.booleans())
    def test_a_staff_record_names_a_site_and_may_lodge(self, keyword, lodge, lodge_first):
        body = f"张三 {ID_A} @厂区"
        body = f"{lodge.strip()} {body}" if lodge_first and lodge else body + lodge
        r = parse(f"{keyword} {body}")
        assert r.command == Command.STAFF and r.errors == (), r.errors
        record = r.records[0]
        assert (record.name, record.property, record.lodger) == ("张三", "厂区", bool(lodge))
        assert r.to_json()["records"][0]["site"] == "厂区" and r.to_json()["records"][0]["lodger"] == bool(lodge)

    def test_lodge_is_a_name_in_a_tenant_record(self):
        """Only staff records read LODGE as the marker: a tenant called Lodge keeps his name."""
        assert parse("REG JOHN LODGE P:E12345678").records[0].name == "JOHN LODGE"
        assert parse("STAFF JOHN P:E12345678 LODGE").records[0].lodger

    def test_a_glued_dormitory_word_leaves_the_name(self):
        r = parse(f"用工 张三宿舍 {ID_A}")
        assert (r.records[0].name, r.records[0].lodger) == ("张三", True)

    def test_leaving_is_a_move_out_at_sites(self):
        r = parse(f"离职 {ID_A} @厂区")
        assert r.command == Command.STAFF_END and r.errors == ()
        assert (r.records[0].document.number, r.records[0].property) == (ID_A, "厂区")


class TestPhoto:
    @pytest.mark.parametrize("keyword", ["照片", "PHOTO", "photo"])
    def test_a_photo_names_a_receipt(self, keyword):
        r = parse(f"{keyword} 12345671")
        assert (r.command, r.receipt, r.errors) == (Command.PHOTO, "12345671", ())
        assert r.to_json()["receipt"] == "12345671"


class TestBacklog:
    @given(ric_numbers(), st.data())
    def test_any_real_date_from_birth_to_a_year_ago_is_backlog(self, ric, data):
        """Not before birth, not before 1949-10-01, older than 366 days: accepted with `backlog`, never late."""
        born = dt.date(int(ric[6:10]), int(ric[10:12]), int(ric[12:14]))
        first = max(born, dt.date(1949, 10, 1))
        last = TODAY - dt.timedelta(days=367)
        date = data.draw(st.dates(first, last)) if first <= last else None
        if date is None:
            return
        r = parse(f"登记 张三 {ric} {date.isoformat()}")
        assert r.errors == ()
        assert codes(r.warnings) in (["backlog"], ["region_unknown", "backlog"], ["backlog", "region_unknown"])
        assert r.records[0].date == date

    def test_before_the_campaign_is_backlog_not_late(self):
        start = TODAY - dt.timedelta(days=30)
        early = parse(f"登记 张三 {ID_A} {(start - dt.timedelta(days=1)).isoformat()}", campaign_start=start)
        on_time = parse(f"登记 张三 {ID_A} {(start + dt.timedelta(days=2)).isoformat()}", campaign_start=start)
        assert codes(early.warnings) == ["backlog"]
        assert codes(on_time.warnings) == ["late"]

    def test_a_move_out_long_ago_is_still_too_old(self):
        assert codes(parse(f"退租 {ID_A} 2010-01-01").errors) == ["date_too_old"]


def test_every_alias_of_the_spec_is_a_keyword():
    """§9.2–§9.4's tables, alias by alias."""
    table = {Command.ENROL: "注册 备案 ENROL ENROLL", Command.AGENT: "授权 代理 AGENT",
             Command.AGENT_REVOKE: "取消授权 解除代理 UNAGENT", Command.STAFF: "用工 入职 雇用 STAFF HIRE",
             Command.STAFF_END: "离职 解雇 LEAVE", Command.PHOTO: "照片 PHOTO"}
    for command, aliases in table.items():
        for alias in aliases.split():
            assert KEYWORDS[alias] == command


@pytest.mark.parametrize("keyword", sorted(k for k, c in KEYWORDS.items() if c in MOVE_INS | MOVE_OUTS))
def test_a_declaring_keyword_alone_says_what_the_record_needs(keyword):
    """`登记` with nothing after it is a record with neither name nor document, not an empty message that
    gets an empty reply: the codes say what to add, and their span is the keyword as typed."""
    text = f"  {keyword} "
    result = parse(text)
    expected = (["missing_name"] if KEYWORDS[keyword] in MOVE_INS else []) + ["missing_id"]
    assert [(e.code, text[e.start:e.end]) for e in result.errors] == [(code, keyword) for code in expected]
