"""The register's duplicate score: symmetric, an identical record scores highest, and the cases officers meet."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from parsers.duplicates import PROPERTY, SITE, Declared, Stay, hukou_likeness, likeness, name_likeness, stay_likeness

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
NAMES = st.one_of(st.none(), st.text(HAN, min_size=0, max_size=4), st.text(max_size=6))
HUKOU = st.one_of(st.none(), st.sampled_from(["福建省莆田市荔城区", "福建省莆田市城厢区黄石镇", "福建莆田", "湖南省长沙市"]),
                  st.text(HAN, max_size=14))
DAYS = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2027, 1, 1))


@st.composite
def stays(draw) -> Stay:
    since = draw(DAYS)
    until = draw(st.one_of(st.none(), DAYS.filter(lambda day: day >= since)))
    return Stay(draw(st.integers(1, 4)), since, until, draw(st.sampled_from([PROPERTY, SITE])))


RECORDS = st.builds(Declared, NAMES, HUKOU, st.lists(stays(), max_size=3).map(tuple))


@given(RECORDS, RECORDS)
def test_the_score_is_symmetric(a, b):
    """Which of two records an officer opens does not change how alike they are."""
    assert likeness(a, b) == likeness(b, a)


@given(RECORDS, RECORDS)
def test_an_identical_record_scores_highest(a, b):
    """Nothing is more like a record than itself, in the total and in every part."""
    same, other = likeness(a, a), likeness(a, b)
    assert same.score >= other.score
    assert same.name >= other.name and same.hukou >= other.hukou and same.stay >= other.stay
    assert 0.0 <= other.score <= 1.0


@given(RECORDS)
def test_a_complete_record_scores_one_against_itself(a):
    """A record with a name, a hukou address and a stay is certainly itself."""
    complete = Declared(a.name or "王小明", a.hukou or "福建省莆田市", a.stays or (Stay(1, dt.date(2026, 1, 1)),))
    if any(ch.isalnum() for ch in complete.name) and any(ch.isalnum() for ch in complete.hukou):
        assert likeness(complete, complete).score == 1.0


class TestWhatOfficersMeet:
    def test_a_homophone_is_almost_the_same_name(self):
        """A voice line hears 章三 where the landlord wrote 张三."""
        assert 0.9 < name_likeness("张三", "章三") < 1.0
        assert name_likeness("张三", "李四") < 0.5

    def test_spaces_and_full_width_forms_do_not_count(self):
        assert name_likeness("王 小明", "王小明") == 1.0
        assert hukou_likeness("福建省莆田市荔城区", "福建省　莆田市，荔城区") == 1.0

    def test_a_shared_province_alone_is_nothing_a_city_is_something(self):
        assert hukou_likeness("福建省莆田市荔城区", "福建省福州市鼓楼区") == 0.0
        assert 0.5 <= hukou_likeness("福建省莆田市荔城区", "福建省莆田市城厢区") < 1.0
        assert hukou_likeness("福建省莆田市荔城区", None) == 0.0

    def test_place_and_time(self):
        jan = Stay(1, dt.date(2026, 1, 1))
        assert stay_likeness((jan,), (Stay(1, dt.date(2026, 3, 1)),)) == 1.0  # both still there
        assert stay_likeness((Stay(1, dt.date(2025, 1, 1), dt.date(2025, 2, 1)),), (jan,)) == 0.7
        assert stay_likeness((jan,), (Stay(2, dt.date(2026, 2, 1)),)) == 0.5
        assert stay_likeness((Stay(2, dt.date(2024, 1, 1), dt.date(2024, 2, 1)),), (jan,)) == 0.0

    def test_a_site_is_never_the_property_with_the_same_id(self):
        """Property 1 and site 1 are two places: at once they are two declarants' (0.5), never one place (1)."""
        jan = Stay(1, dt.date(2026, 1, 1))
        site = Stay(1, dt.date(2026, 1, 1), kind=SITE)
        assert stay_likeness((jan,), (site,)) == 0.5
        assert stay_likeness((site,), (Stay(1, dt.date(2026, 3, 1), kind=SITE),)) == 1.0
        assert stay_likeness((Stay(1, dt.date(2024, 1, 1), dt.date(2024, 2, 1), kind=SITE),), (jan,)) == 0.0

    def test_two_landlords_declaring_one_tenant_is_suggested_and_a_namesake_elsewhere_is_not(self):
        sms = Declared("王小明", "福建省莆田市荔城区", (Stay(1, dt.date(2026, 1, 5)),))
        voice = Declared("王晓明", "福建省莆田市荔城区黄石镇", (Stay(2, dt.date(2026, 1, 9)),))
        namesake = Declared("王小明", "湖南省长沙市", (Stay(3, dt.date(2019, 1, 1), dt.date(2019, 6, 1)),))
        assert likeness(sms, voice).suggested
        assert not likeness(sms, namesake).suggested
        assert not likeness(sms, Declared("李四", "福建省莆田市荔城区", sms.stays)).suggested
