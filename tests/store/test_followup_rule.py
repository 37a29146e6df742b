"""The one rule of what a no-document person still lacks (store.followup.lacking), which the reply, the accept's
audit entry and the officers' badge all read, and the register entry's hukou address it is given."""
from __future__ import annotations

from types import SimpleNamespace

from store import followup
from store.models import Person
from store.register import Entry


def person(document_type: str = "none") -> Person:
    return Person(document_type=document_type, document_number=None, name="张三")


class TestLacking:
    def test_a_person_with_a_document_lacks_nothing(self):
        assert followup.lacking(person("ric"), hukou=None, has_portrait=False) == ()

    def test_both_missing_in_the_order_the_declarant_is_told(self):
        assert followup.lacking(person(), hukou=None, has_portrait=False) == (followup.HUKOU, followup.PORTRAIT)

    def test_a_blank_address_is_no_address(self):
        """As the 补采 list's query trims it: a badge must not clear what the list still shows."""
        assert followup.lacking(person(), hukou="  ", has_portrait=True) == (followup.HUKOU,)

    def test_nothing_once_both_are_there(self):
        assert followup.lacking(person(), hukou="福建省福州市鼓楼区", has_portrait=True) == ()


def test_the_entrys_hukou_address_skips_blank_ones():
    """A blank address on the newest declaration does not hide the one an older declaration holds."""
    blank, filled = SimpleNamespace(hukou_address=" "), SimpleNamespace(hukou_address="福建省福州市鼓楼区")
    entry = Entry(person=person(), status=None, declarations=(blank, filled))  # type: ignore[arg-type]
    assert entry.hukou == "福建省福州市鼓楼区"
