"""Hypothesis strategies for the voice-line tests."""
from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st
from stdnum.cn import ric

KEYS = "0123456789*#"


@st.composite
def id_numbers(draw) -> str:
    """Well-formed Resident ID numbers (valid check digit, birth date 1930–2009)."""
    region = draw(st.sampled_from(["110105", "350102", "440306", "510107", "810000"]))
    born = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2009, 12, 31)))
    serial = draw(st.integers(0, 999))
    body = f"{region}{born:%Y%m%d}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def caller_inputs() -> st.SearchStrategy[dict]:
    """Anything Twilio might post for one step, without the seq."""
    return st.one_of(
        st.just({}),
        st.builds(dict, digits=st.text(KEYS, min_size=1, max_size=20)),
        st.builds(dict, digits=st.sampled_from(["1", "2", "3", "0", "*", "#"])),
        st.builds(dict, speech=st.text(min_size=1, max_size=10),
                  confidence=st.one_of(st.none(), st.floats(0, 1))),
        st.builds(dict, recording_url=st.just("https://api.twilio.com/rec/RE9"), digits=st.just("#")),
    )


def caller_steps() -> st.SearchStrategy[list[dict]]:
    """A whole call's worth of inputs, starting with a language and a menu choice."""
    opening = st.tuples(st.sampled_from([{"digits": "1"}, {"digits": "2"}]),
                        st.sampled_from([{"digits": k} for k in "1230"]))
    return st.builds(lambda first, rest: [*first, *rest], opening, st.lists(caller_inputs(), max_size=25))
