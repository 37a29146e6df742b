"""Every stored state and every outcome can be shown: the pages and replies build their keys from the values."""
from __future__ import annotations

import pytest

from gateway.i18n import LANGUAGES
from parsers import catalog_en, catalog_zh
from parsers.commands import Command
from parsers.outcome import OutcomeStatus
from parsers.tokens import KEYWORDS
from store.states import Channel, DeclarationStatus, ReviewState

# The UI key each stored value is shown with (gateway/templates build `prefix ~ value`).
SHOWN = [*((f"channel_{c}", c) for c in Channel), *((f"state_{s}", s) for s in ReviewState),
         *((f"decl_status_{s}", s) for s in DeclarationStatus)]
NEVER_TOLD = {OutcomeStatus.ALREADY_CLAIMED}  # the caller hears `claimed` again


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("key", [key for key, _ in SHOWN])
def test_every_stored_state_has_words_in_both_languages(key, language):
    """An officer never reads a raw value such as `pending_review` where a state should be."""
    assert LANGUAGES[language].get(key)


@pytest.mark.parametrize("status", sorted(set(OutcomeStatus) - NEVER_TOLD))
def test_every_outcome_a_reply_tells_has_words_in_both_catalogues(status):
    """A reply never spells out an outcome's name instead of saying it."""
    assert catalog_zh.STATUS[status] and catalog_en.STATUS[status]


def test_the_catalogues_hold_no_outcome_that_does_not_exist():
    """A catalogue entry whose outcome was renamed would never be said again."""
    assert set(catalog_zh.STATUS) == set(catalog_en.STATUS) == set(OutcomeStatus) - NEVER_TOLD


def test_every_command_has_a_keyword():
    """Each command can be typed: a member without a keyword would be dead code in the pipeline."""
    assert set(KEYWORDS.values()) == set(Command)


@pytest.mark.parametrize("member", [*Channel, *ReviewState, *DeclarationStatus])
def test_members_are_their_stored_strings(member):
    """What is written to a status column is the plain value, not `ClassName.MEMBER`."""
    assert f"{member}" == member.value and str(member) == member.value
