"""Hypothesis strategies for what junk and hostile traffic looks like on the webhooks."""
from __future__ import annotations

from hypothesis import strategies as st

from tests.constants import ID_A, LANDLORD
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
phones = st.one_of(st.just(LANDLORD), st.from_regex(r"\+?[0-9]{1,20}", fullmatch=True), st.text(max_size=40))
sids = st.one_of(st.from_regex(r"SM[0-9a-f]{32}", fullmatch=True), st.text(max_size=80))

# The voice line: what Twilio posts to /voice and /voice/step, and what a hostile or broken client might.
KEYPAD = "0123456789*#"
voice_junk = st.one_of(st.text(max_size=40), st.sampled_from(["\x00", "1\x00", "\x00#", "١٢٣#", "²²²²²²²²#", "٢٠٢٤٠١٠١#", "𝟏", "\ufeff1",
                                                              "<Say>x</Say>", "]]>", "&amp;", "\x1b[31m", "\ud7ff"]),
                       st.text(min_size=2000, max_size=6000))
keypad = st.one_of(st.text(KEYPAD, min_size=1, max_size=24), st.sampled_from(list(KEYPAD)),
                   st.sampled_from([ID_A + "#", ID_A.replace("8", "*") + "#", "100001#", "999999#", "301#",
                                    "3*1#", "20240101#", "99999999#", "00000000#"]))
confidences = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(str),
                        st.sampled_from(["0.9", "0.1", "1", "-1", "nan", "inf", "", "high"]), st.text(max_size=8))
recording_urls = st.one_of(st.just("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"),
                           st.just("javascript:alert(1)"), st.text(max_size=80),
                           st.text(min_size=600, max_size=900).map(lambda s: "https://x/" + s))
voice_fields = st.fixed_dictionaries({}, optional={
    "Digits": st.one_of(keypad, voice_junk), "SpeechResult": st.one_of(st.just("张三"), voice_junk),
    "Confidence": confidences, "RecordingUrl": recording_urls})
# Where a step is posted: the seq the last answer asked for, an old or future one, none, or junk. Junk stays
# within the characters Werkzeug rebuilds into request.url unchanged: Twilio signs the URL our TwiML gave
# it (digits only), so the signature check need not agree on how to spell anything else.
SEQ_CHARS = "0123456789abcXYZ-._~:/@!$'()*,;=[]+% \x00"
seqs = st.one_of(st.just("current"), st.just("current"), st.just("current"), st.just("missing"),
                 st.integers(-3, 40).map(str), st.sampled_from(["", "1e3", "0x2", "99999999999999999999999", "1\x00",
                                                                "-0", " 2", "%E4%BA%8C"]),
                 st.text(SEQ_CHARS, max_size=10))
call_sids = st.one_of(st.from_regex(r"CA[0-9a-f]{32}", fullmatch=True), st.text(max_size=80),
                      st.sampled_from(["", "\x00", "CA" + "f" * 50, "CA" + "f" * 51]))

# Where a `next` parameter may try to send an officer after the login or the language toggle.
REDIRECT_PIECES = ["/", "//", "\\", "/\\", "\\\\", "\t", "\n", "\r", "\x00", " ", "\x0b", "\x0c", "\u2028", "\u3000",
                   "\u200b", "\ufeff", "%09", "%0a", "%2f", "%5c", "evil.example", "@evil.example", ":", "http:",
                   "https:", "javascript:alert(1)", "data:text/html,x", ".", "..", "／", "＼", "?next=//evil.example",
                   "#", "review", "people?q=张三", "%E5%BC%A0", "[", "]", ":80", ":x"]
next_targets = st.one_of(st.lists(st.sampled_from(REDIRECT_PIECES), min_size=1, max_size=8).map("".join),
                         st.text(max_size=40), st.text(max_size=20).map(lambda s: "/" + s),
                         st.text(min_size=2000, max_size=2100).map(lambda s: "/" + s))
