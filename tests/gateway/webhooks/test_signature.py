"""The one-HMAC signature check gives twilio's RequestValidator's verdict on every request."""
from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from gateway.webhooks.signature import verified

TOKEN = "test-auth-token"
URL = "https://declgate.example.org/sms"

names = st.text(alphabet=string.ascii_letters, min_size=1, max_size=12)
values = st.text(max_size=40)  # any Unicode, CJK and emoji included, as Twilio forwards SMS bodies
forms = st.lists(st.tuples(names, values), max_size=8).map(MultiDict)
urls = st.sampled_from([URL, "https://declgate.example.org:443/sms", "https://declgate.example.org/sms?x=%2F&y=1",
                        "http://127.0.0.1:8000/voice/step?call=CA1&seq=3"])


@given(form=forms, url=urls, signed_url=urls)
def test_agrees_with_twilio_for_genuine_and_wrong_urls(form, url, signed_url):
    """Signed for the URL checked or another: the fast path and the library agree (ports included)."""
    signature = RequestValidator(TOKEN).compute_signature(signed_url, form)
    assert verified(TOKEN, url, form, signature) == RequestValidator(TOKEN).validate(url, form, signature)


@given(form=forms, forged=st.text(max_size=40))
def test_agrees_with_twilio_for_forged_signatures(form, forged):
    assert verified(TOKEN, URL, form, forged) == RequestValidator(TOKEN).validate(URL, form, forged)


def test_a_genuine_signature_passes_and_a_changed_field_fails():
    form = MultiDict([("MessageSid", "SM1"), ("From", "+8613800000001"), ("Body", "登记 张三 350102199001011238 301")])
    signature = RequestValidator(TOKEN).compute_signature(URL, form)
    assert verified(TOKEN, URL, form, signature)
    tampered = MultiDict(form)
    tampered["Body"] = "登记 张三 350102199001011238 302"
    assert not verified(TOKEN, URL, tampered, signature)
    assert not verified("another-token", URL, form, signature)


def test_a_field_repeated_by_an_attacker_breaks_the_signature():
    """A second value for a signed field is part of what Twilio's algorithm signs, so it cannot be slipped in."""
    form = MultiDict([("From", "+8613800000001"), ("Body", "查询")])
    signature = RequestValidator(TOKEN).compute_signature(URL, form)
    form.add("Body", "退租 301")
    assert not verified(TOKEN, URL, form, signature)
