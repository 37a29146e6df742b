"""parse_sms: every code with its exact span, the accepted variants, and properties."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from parsers import Document, parse_sms

from tests.budget import examples
from tests.constants import ID_A, ID_X, ID_B

from .strategies import NOISE, TODAY, expected_records, messages

LONG_NAME = " ".join(["WOLFESCHLEGEL"] * 5)  # 69 characters: more than a name may have (60)
LONG_ADDRESS = "福建省莆田市荔城区拱辰街道" * 16  # 208 characters: more than an address may have (200)
ID81 = "810000199001011230"  # valid check digit, region code missing from stdnum's table


def parse(text: str, **kw):
    return parse_sms(text, today=TODAY, **kw)


def only(problems, code):
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


# (code, text, record, start, end) -- `text` slice is asserted as original[start:end]
ERROR_CASES = [
    ("empty_message", " \u200b ;", None, 0, 4),
    ("unknown_keyword", "hello 张三", None, 0, 5),
    ("missing_name", f"登记 {ID_A} 301", 0, 3, 25),
    ("missing_id", "登记 张三 301", 0, 3, 9),
    ("missing_id", "OUT 2014-01-09", 0, 4, 14),
    ("id_length", "登记 张三 35010219900101123", 0, 6, 23),
    ("id_length", "登记 张三 3501021990010112381", 0, 6, 25),
    ("id_checksum", "登记 张三 350102199001011239", 0, 6, 24),
    ("id_birthdate", "登记 张三 350102199013011238", 0, 6, 24),
    ("multiple_ids", f"登记 张三 {ID_A} 无证", 0, 25, 27),
    ("multiple_names", f"登记 张三 李四 {ID_A}", 0, 6, 8),
    ("bad_date", f"登记 张三 {ID_A} 2月30日", 0, 25, 30),
    ("bad_date", f"REG LI NA {ID_A} 2014-13-01", 0, 29, 39),
    ("date_in_future", f"登记 张三 {ID_A} 2014-01-12", 0, 25, 35),
    ("date_too_old", f"退租 {ID_A} 2012-12-01", 0, 22, 32),
    ("date_before_birth", f"登记 张三 {ID_A} 1989-12-31", 0, 25, 35),
    ("bad_date", f"登记 张三 {ID_X} 1949-09-30", 0, 25, 35),
    ("unrecognized_token", f"登记 张三 {ID_A} 12345", 0, 25, 30),
    ("unrecognized_token", f"登记 张三 {ID_A} 301 ⑴", 0, 29, 30),
    ("name_too_long", f"REG {LONG_NAME} {ID_A}", 0, 4, 4 + len(LONG_NAME)),
    ("address_too_long", f"登记 王小明 无证 302 户籍{LONG_ADDRESS}", 0, 14, 16 + len(LONG_ADDRESS)),
    ("address_too_long", f"注册 张三 {ID_A} {LONG_ADDRESS}", 0, 25, 25 + len(LONG_ADDRESS)),
    ("missing_receipt", "DEL", None, 0, 3),
    ("bad_receipt", "DEL 12345678", None, 4, 12),
    ("bad_receipt", "确认 1234567", None, 3, 10),
]


class TestParseSmsErrors:
    @pytest.mark.parametrize(("code", "text", "record", "start", "end"), ERROR_CASES)
    def test_error_code_has_record_and_exact_span(self, code, text, record, start, end):
        """Each error code is reported with its record index and the original span."""
        p = only(parse(text).errors, code)
        assert (p.record, p.start, p.end, p.text) == (record, start, end, text[start:end])

    def test_record_index_points_at_the_failing_record(self):
        """An error in the second record carries record index 1 and both records are kept."""
        text = f"登记 张三 {ID_A}; 李四 350102199001011239"
        r = parse(text)
        p = only(r.errors, "id_checksum")
        start = text.index("350102199001011239")
        assert (p.record, p.start, p.end, p.text) == (1, start, start + 18, "350102199001011239")
        assert len(r.records) == 2 and r.records[0].name == "张三"

    def test_too_many_records_spans_the_excess(self):
        """An 11th record makes `too_many_records` spanning from the 11th record to the end."""
        text = "登记 " + ";".join(f"张三 无证 {i}" for i in range(11))
        p = only(parse(text).errors, "too_many_records")
        start = text.index("张三 无证 10")
        assert (p.record, p.start, p.end, p.text) == (None, start, len(text), "张三 无证 10")

    def test_message_too_long_spans_the_characters_past_1600(self):
        """A 1601-character message reports `message_too_long` over the characters past the limit."""
        prefix = f"登记 张三 {ID_A} "
        text = prefix + "x" * (1601 - len(prefix))
        assert len(text) == 1601
        p = only(parse(text).errors, "message_too_long")
        assert (p.record, p.start, p.end, p.text) == (None, 1600, 1601, "x")

    def test_spans_point_into_original_full_width_zero_width_text(self):
        """Spans index the original text even with full-width and zero-width characters."""
        text = "登\u200b记\u3000张三，３５０１０２１９９００１０１１２３９"
        p = only(parse(text).errors, "id_checksum")
        assert (p.start, p.end) == (7, 25)
        assert p.text == "３５０１０２１９９００１０１１２３９"

    def test_nfkc_expansion_maps_back_to_one_original_character(self):
        """A character NFKC expands (㍿ → 株式会社, a second name) is reported as that one original character."""
        text = f"登记 张三 {ID_A} ㍿"
        p = only(parse(text).errors, "multiple_names")
        assert (p.start, p.end, p.text) == (25, 26, "㍿")


WARNING_CASES = [
    ("legacy_id", "登记 张三 350102900101123", 0, 6, 21),
    ("region_unknown", f"登记 张三 {ID81}", 0, 6, 24),
    ("late", f"登记 张三 {ID_A} 1月1日", 0, 25, 29),
    ("backlog", f"登记 张三 {ID_A} 2012-12-01", 0, 25, 35),
    ("missing_hukou", "登记 王小明 无证 302", 0, 7, 9),
    ("missing_portrait", "登记 王小明 无证 302 户籍福建省莆田市", 0, 14, 22),
]


class TestParseSmsWarnings:
    @pytest.mark.parametrize(("code", "text", "record", "start", "end"), WARNING_CASES)
    def test_warning_code_has_record_and_exact_span(self, code, text, record, start, end):
        """Each warning is reported with its record and span, and the record is not rejected."""
        r = parse(text)
        p = only(r.warnings, code)
        assert (p.record, p.start, p.end, p.text) == (record, start, end, text[start:end])
        assert r.errors == ()

    def test_late_on_inheriting_record_carries_its_own_index(self):
        """A record that inherits a late date gets its own `late` warning."""
        r = parse(f"登记 张三 {ID_A} 1月1日; 李四 {ID_B}")
        assert [w.record for w in r.warnings if w.code == "late"] == [0, 1]

    def test_deadline_is_configurable(self):
        """The `late` threshold follows deadline_days."""
        assert parse(f"登记 张三 {ID_A} 1月5日").warnings == ()
        assert only(parse(f"登记 张三 {ID_A} 1月5日", deadline_days=3).warnings, "late").record == 0


def rec(**kw):
    base = {"name": "张三", "document": Document("ric", ID_A), "room": "301", "date": TODAY,
            "phone": None, "property": None}
    base.update(kw)
    return base


VARIANTS = [
    # keywords, gluing and separators
    ("登记 张三 350102199001011238 301", "move_in", [rec()]),
    ("登记张三350102199001011238 301室", "move_in", [rec()]),
    ("入住,张三,350102199001011238,301", "move_in", [rec()]),
    ("DJ张三#350102199001011238#房301", "move_in", [rec()]),
    ("dj 张三 35010219900101018x 房号301", "move_in", [rec(document=Document("ric", "35010219900101018X"))]),
    ("ＤＪ　张三，３５０１０２１９９００１０１１２３８，３０１", "move_in", [rec()]),
    ("登记：张三、350102199001011238、301。", "move_in", [rec()]),
    ("登记 张三房301 350102199001011238", "move_in", [rec()]),
    ("登记 350102199001011238 301室张三", "move_in", [rec()]),
    ("REG Zhang San 350102199001011238 RM 301", "move_in", [rec(name="Zhang San")]),
    ("in zhang  san 350102199001011238 room301.", "move_in", [rec(name="zhang san")]),
    # rooms
    ("登记 张三 350102199001011238 3-2-301", "move_in", [rec(room="3-2-301")]),
    ("登记 张三 350102199001011238 a301号", "move_in", [rec(room="A301")]),
    ("登记 张三 350102199001011238 12-5室", "move_in", [rec(room="12-5")]),
    ("登记 张三 350102199001011238 301房", "move_in", [rec()]),
    # a `房` followed by a room value opens the next field: a date, then the room
    ("登记 张三 350102199001011238 1-8房301", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 1-9房A237", "move_in", [rec(date=dt.date(2014, 1, 9), room="A237")]),
    ("登记 张三房A301 350102199001011238", "move_in", [rec(room="A301")]),
    ("登记 张三 350102199001011238 A301房", "move_in", [rec(room="A301")]),
    ("登记 张三 350102199001011238", "move_in", [rec(room=None)]),
    # every date form
    ("登记 张三 350102199001011238 301 2014-01-08", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 301 2014/1/8", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 301 2014.1.8", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 301 20140108", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 301 2014年1月8日", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 301 1月8日", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 301 1月8号", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 301 1-8", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 301 1/8", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 301 1.8", "move_in", [rec(date=dt.date(2014, 1, 8))]),
    ("登记 张三 350102199001011238 301 今天", "move_in", [rec()]),
    ("登记 张三 350102199001011238 301 昨天", "move_in", [rec(date=dt.date(2014, 1, 9))]),
    ("REG LI NA 350102199001011238 301 TODAY", "move_in", [rec(name="LI NA")]),
    ("REG LI NA 350102199001011238 301 yesterday", "move_in", [rec(name="LI NA", date=dt.date(2014, 1, 9))]),
    ("登记 张三 350102199001011238 301 1月11日", "move_in", [rec(date=dt.date(2014, 1, 11))]),
    ("登记 张三 350102199001011238 301 12/25", "move_in", [rec(date=dt.date(2013, 12, 25))]),
    # every document form
    ("登记 张三 350102900101123 301", "move_in", [rec()]),
    ("登记 张三 护照E12345678 301", "move_in", [rec(document=Document("passport", "E12345678"))]),
    ("REG JOHN SMITH PP E1234567 301", "move_in", [rec(name="JOHN SMITH", document=Document("passport", "E1234567"))]),
    ("REG JOHN SMITH P:g1234567 301", "move_in", [rec(name="JOHN SMITH", document=Document("passport", "G1234567"))]),
    ("登记 陈大文 港澳H12345678 301", "move_in", [rec(name="陈大文", document=Document("hkmo_permit", "H12345678"))]),
    ("登记 陈大文 m1234567801 301", "move_in", [rec(name="陈大文", document=Document("hkmo_permit", "M1234567801"))]),
    ("登记 林小美 台胞12345678 301", "move_in", [rec(name="林小美", document=Document("tw_permit", "12345678"))]),
    ("REG LIN MEI TW 12345678 301", "move_in", [rec(name="LIN MEI", document=Document("tw_permit", "12345678"))]),
    ("登记 张三无证 301", "move_in", [rec(document=Document("none", None))]),
    ("REG KIM NOID 301", "move_in", [rec(name="KIM", document=Document("none", None))]),
    # names, phones, property
    ("登记 欧阳·娜娜 350102199001011238 301", "move_in", [rec(name="欧阳·娜娜")]),
    ("登记 欧阳・娜娜 350102199001011238 301", "move_in", [rec(name="欧阳·娜娜")]),
    ("登记 张三 350102199001011238 301 13800138000", "move_in", [rec(phone="+8613800138000")]),
    ("登记 张三 350102199001011238 301 +85291234567", "move_in", [rec(phone="+85291234567")]),
    ("登记 张三 350102199001011238 301 @12", "move_in", [rec(property="12")]),
    ("登记 @阳光 张三 350102199001011238 301", "move_in", [rec(property="阳光")]),
    # multi-record inheritance of property, room and date
    ("登记 张三 350102199001011238 301 1月8日 @12; 李四 110101199003074477\n王五 无证 302",
     "move_in", [rec(date=dt.date(2014, 1, 8), property="12"),
                 rec(name="李四", document=Document("ric", ID_B), date=dt.date(2014, 1, 8), property="12"),
                 rec(name="王五", document=Document("none", None), room="302", date=dt.date(2014, 1, 8),
                     property="12")]),
    ("登记 张三 350102199001011238 301。李四 110101199003074477。", "move_in",
     [rec(), rec(name="李四", document=Document("ric", ID_B))]),
]


class TestParseSmsVariants:
    @pytest.mark.parametrize(("text", "command", "records"), VARIANTS)
    def test_variant_is_accepted(self, text, command, records):
        """Each accepted spelling parses to the same values without errors."""
        r = parse(text)
        assert r.errors == (), r.errors
        assert r.command == command
        got = [{k: getattr(x, k) for k in ("name", "document", "room", "date", "phone", "property")}
               for x in r.records]
        assert got == records

    @pytest.mark.parametrize(("text", "command"), [
        ("REG", "move_in"), ("in", "move_in"), ("DJ", "move_in"), ("登记", "move_in"), ("入住", "move_in"),
        ("OUT", "move_out"), ("tz", "move_out"), ("退租", "move_out"), ("搬离", "move_out"),
        ("DEL", "cancel"), ("撤销", "cancel"), ("作废", "cancel"),
        ("Y", "confirm"), ("yes", "confirm"), ("是", "confirm"), ("确认", "confirm"),
        ("N", "dispute"), ("No", "dispute"), ("否", "dispute"), ("有误", "dispute"),
        ("LIST", "list"), ("查询", "list"), ("名单", "list"),
        ("HELP", "help"), ("?", "help"), ("？", "help"), ("帮助", "help"), ("格式", "help"),
    ])
    def test_every_keyword_alias_selects_its_command(self, text, command):
        """Every alias in docs/sms-format.md §2 selects its command, in any case and width."""
        assert parse(text).command == command

    def test_receipt_commands_put_the_receipt_at_top_level(self):
        """cancel/confirm/dispute take one Damm-valid receipt, glued or not."""
        assert parse("DEL 12345671").receipt == "12345671"
        assert parse("Y12345671").receipt == "12345671"
        assert parse("有误 76543216").receipt == "76543216"
        assert parse("是１２３４５６７１").receipt == "12345671"

    def test_list_puts_the_selector_at_top_level(self):
        """`list` takes an optional @property."""
        assert parse("LIST @12").property == "12"
        assert parse("名单").property is None and parse("名单").errors == ()

    @pytest.mark.parametrize(("text", "field", "value"), [
        (f"退租 {ID_A}", "document", Document("ric", ID_A)),
        ("OUT *1238", "id_suffix", "1238"),
        ("退租 尾号123x", "id_suffix", "123X"),
        ("退租 301", "room", "301"),
        ("TZ 张三 *1238 2014-01-09 @12", "property", "12"),
    ])
    def test_move_out_forms(self, text, field, value):
        """move_out accepts an ID, an ID suffix or a room alone."""
        r = parse(text)
        assert r.command == "move_out" and r.errors == ()
        assert getattr(r.records[0], field) == value
        assert "id_suffix" in r.to_json()["records"][0]

    @pytest.mark.parametrize(("text", "language"), [
        ("REG LI NA 350102199001011238", "en"),
        ("REG 张三 350102199001011238", "zh"),
        ("登记 LI NA 350102199001011238", "zh"),
        ("hello", "en"),
        ("你好", "zh"),
    ])
    def test_language_follows_the_message(self, text, language):
        """Any CJK character (or a Chinese keyword) makes the language Chinese."""
        assert parse(text).language == language


class TestParseSmsProperties:
    @settings(max_examples=examples(200), deadline=None)
    @given(messages())
    def test_well_formed_declarations_round_trip(self, msg):
        """A well-formed declaration typed in any allowed way parses back to its values."""
        text, decls = msg
        r = parse(text)
        assert r.errors == (), (text, r.errors)
        assert r.command == "move_in"
        got = [{"name": x.name, "document": (x.document.type, x.document.number), "room": x.room,
                "date": x.date, "phone": x.phone, "property": x.property} for x in r.records]
        assert got == expected_records(decls), text

    @settings(max_examples=examples(300), deadline=None)
    @given(st.one_of(NOISE, st.text(max_size=80), messages().map(lambda m: m[0][: len(m[0]) // 2] + "x")))
    @example("登记 @7 护照E0000000 1900000x")  # 8 characters starting 19 but not all digits: not a date
    def test_no_input_raises_and_spans_index_the_original(self, text):
        """No input raises, and every span satisfies original[start:end] == text."""
        r = parse(text)
        for p in r.errors + r.warnings:
            assert 0 <= p.start <= p.end <= len(text)
            assert text[p.start:p.end] == p.text
            assert p.record is None or 0 <= p.record < len(r.records)
        r.to_json()
