"""The keyring: sealing bound to a column, keys checked, and a blind index that data keys never change."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.keyring import Keyring, KeyringError, SealedDataError
from tests.constants import BLIND_INDEX_KEY, DATA_KEY, ID_A, SECOND_KEY



@pytest.fixture
def keyring() -> Keyring:
    return Keyring([DATA_KEY], BLIND_INDEX_KEY)


class TestSeal:
    @given(st.text())
    def test_any_text_opens_back(self, text):
        """Whatever is sealed opens to the same text."""
        keyring = Keyring([DATA_KEY], BLIND_INDEX_KEY)
        assert keyring.open(keyring.seal(text, "people.document_number"), "people.document_number") == text

    def test_the_token_shows_nothing_and_differs_every_time(self, keyring):
        """Two seals of one number share nothing but the key id, and neither contains it."""
        first, second = keyring.seal(ID_A, "people.document_number"), keyring.seal(ID_A, "people.document_number")
        assert first != second and ID_A not in first and first.startswith(keyring.current_prefix)

    def test_a_token_moved_to_another_column_does_not_open(self, keyring):
        """A number sealed for people does not open as an inbound body."""
        token = keyring.seal(ID_A, "people.document_number")
        with pytest.raises(SealedDataError, match="moved from another column"):
            keyring.open(token, "inbound_messages.body")

    def test_an_altered_token_does_not_open(self, keyring):
        """Changing one character of the ciphertext is detected (authenticated encryption)."""
        token = keyring.seal(ID_A, "people.document_number")
        flipped = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
        with pytest.raises(SealedDataError, match="altered"):
            keyring.open(flipped, "people.document_number")

    def test_a_token_of_a_removed_key_says_so(self, keyring):
        """A token sealed by a key no longer in DATA_KEYS names the rotation that should have run."""
        token = Keyring([SECOND_KEY], BLIND_INDEX_KEY).seal(ID_A, "people.document_number")
        with pytest.raises(SealedDataError, match="keys rotate"):
            keyring.open(token, "people.document_number")

    def test_plaintext_is_not_taken_for_a_token(self, keyring):
        """An unsealed value (an unmigrated store) is an error, never returned as if it were sealed."""
        with pytest.raises(SealedDataError, match="not sealed"):
            keyring.open(ID_A, "people.document_number")


class TestKeys:
    @pytest.mark.parametrize("bad", ["", "short", "x" * 44, DATA_KEY[:-4]])  # fixed values: stable test ids
    def test_a_malformed_key_says_how_to_make_one(self, bad):
        """A key that is not 32 bytes of URL-safe base64 is refused with the command that generates one."""
        with pytest.raises(KeyringError, match="declgate keys generate"):
            Keyring([bad], BLIND_INDEX_KEY)
        with pytest.raises(KeyringError, match="BLIND_INDEX_KEY"):
            Keyring([DATA_KEY], bad)

    def test_no_data_key_or_the_same_twice_is_refused(self):
        """DATA_KEYS must name at least one key, each once."""
        with pytest.raises(KeyringError, match="empty"):
            Keyring([], BLIND_INDEX_KEY)
        with pytest.raises(KeyringError, match="twice"):
            Keyring([DATA_KEY, DATA_KEY], BLIND_INDEX_KEY)

    def test_the_newest_key_seals_and_every_key_opens(self):
        """With DATA_KEYS=new,old a new value goes under the new key and an old token still opens."""
        old_token = Keyring([DATA_KEY], BLIND_INDEX_KEY).seal(ID_A, "c")
        both = Keyring([SECOND_KEY, DATA_KEY], BLIND_INDEX_KEY)
        assert both.open(old_token, "c") == ID_A and not both.is_current(old_token)
        resealed = both.reseal(old_token, "c")
        assert both.is_current(resealed) and both.open(resealed, "c") == ID_A and both.reseal(resealed, "c") == resealed


class TestDocumentHash:
    def test_same_document_same_hash_whatever_the_data_keys(self, keyring):
        """The blind index depends on the blind index key only, so rotating data keys never re-hashes."""
        rotated = Keyring([SECOND_KEY, DATA_KEY], BLIND_INDEX_KEY)
        assert keyring.document_hash("ric", ID_A) == rotated.document_hash("ric", ID_A)
        assert len(keyring.document_hash("ric", ID_A)) == 64 and ID_A not in keyring.document_hash("ric", ID_A)

    def test_type_and_key_change_the_hash(self, keyring):
        """Another document type, or another blind index key, gives another hash."""
        assert keyring.document_hash("ric", ID_A) != keyring.document_hash("passport", ID_A)
        assert keyring.document_hash("ric", ID_A) != Keyring([DATA_KEY], SECOND_KEY).document_hash("ric", ID_A)
