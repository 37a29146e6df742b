"""Hypothesis strategies for what junk and hostile traffic looks like on the webhooks."""
from __future__ import annotations

from hypothesis import strategies as st

from tests.fault.stack import id_number

WORDS = ["登记", "DJ", "退房", "TF", "撤销", "CX", "确认", "争议", "查询", "帮助", "HELP", "STOP", "START",
         "@100001", "@999999", "张三", "李四", "301", "B-12", "#", "＃", ";", "；", ",", "\n", " ", "　",
         "2024-01-02", "3/4", "护照", "E12345678", "'; DROP TABLE people;--", "<script>alert(1)</script>",
         "\x00", "\u200b", "😀", "%s", "{0}", "../../etc/passwd"]

ids = st.integers(0, 10_000).map(id_number)
ragged_ids = ids.flatmap(lambda n: st.sampled_from([n, n[:-1], n + "7", n[:-1] + "0", n.lower(), n[:6] + " " + n[6:]]))
token = st.one_of(st.sampled_from(WORDS), ragged_ids, st.text(max_size=8))
grammarish = st.lists(token, max_size=12).map(" ".join)
bodies = st.one_of(grammarish, st.text(max_size=400), st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
field_names = st.one_of(st.sampled_from(["MessageSid", "SmsSid", "From", "To", "Body", "NumMedia", "AccountSid",
                                         "MediaUrl0", "FromCountry"]), st.text(min_size=1, max_size=12))
phones = st.one_of(st.just("+8613800138000"), st.from_regex(r"\+?[0-9]{1,20}", fullmatch=True), st.text(max_size=40))
sids = st.one_of(st.from_regex(r"SM[0-9a-f]{32}", fullmatch=True), st.text(max_size=80))
