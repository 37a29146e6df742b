"""The flow data itself: every name it uses exists, every listening state handles silence."""
from __future__ import annotations

import re

import pytest

from ivr_flows.actions import ACTIONS
from ivr_flows.catalogue import CATALOGUES
from ivr_flows.flows import FLOWS
from ivr_flows.guards import GUARDS
from ivr_flows.machine import SELF
from ivr_flows.render import SAY_LANGUAGE

ALL_STATES = [(flow, state) for flow in FLOWS.values() for state in flow.states]
IDS = [f"{flow.name}:{state.name}" for flow, state in ALL_STATES]
DYNAMIC_SAYS = {"id_problem": ("id_length", "id_checksum", "id_birthdate", "id_star_misplaced"),
                "date_problem": ("bad_date", "date_in_future", "date_too_old", "date_before_birth"),
                "room_readback": ("room_readback", "room_none")}


class TestFlows:
    def test_the_nine_flows_exist(self):
        """welcome, move_in, move_out, status and no_document (v1); declare and declare_out, staff and staff_out
        (v2 menu 4 and 5 for a landlord's or agent's number, and for an employer contact's)."""
        assert set(FLOWS) == {"welcome", "move_in", "move_out", "status", "no_document", "declare", "declare_out",
                              "staff", "staff_out"}

    @pytest.mark.parametrize("flow, state", ALL_STATES, ids=IDS)
    def test_every_target_guard_and_action_exists(self, flow, state):
        """Targets name real states; guards and actions name registered functions."""
        for t in state.transitions:
            if t.target == SELF:
                continue
            other, _, step = t.target.rpartition(":")
            assert step in FLOWS[other or flow.name]
            assert all(g in GUARDS for g in t.guards), t
            assert all(a in ACTIONS for a in t.actions), t

    @pytest.mark.parametrize("flow, state", ALL_STATES, ids=IDS)
    def test_every_prompt_and_line_is_in_both_catalogues(self, flow, state):
        """Each prompt and said line has Mandarin and English text."""
        keys = [state.prompt] if state.prompt else []
        for t in state.transitions:
            for key in t.say:
                keys.extend(DYNAMIC_SAYS.get(key, (key,)))
        for language in SAY_LANGUAGE:
            assert all(k in CATALOGUES[language] for k in keys), (language, keys)

    @pytest.mark.parametrize("flow, state", ALL_STATES, ids=IDS)
    def test_every_listening_state_handles_silence(self, flow, state):
        """No state that waits for the caller can be left without an answer to silence."""
        if state.listen.kind in ("hangup", "choice"):
            return
        assert any(t.event == "silence" and not t.guards for t in state.transitions)

    @pytest.mark.parametrize("flow, state", ALL_STATES, ids=IDS)
    def test_choice_states_always_have_a_way_out(self, flow, state):
        """A choice state ends with an unguarded transition."""
        if state.listen.kind == "choice":
            assert state.transitions[-1].event == "always" and not state.transitions[-1].guards

    def test_every_state_is_reachable(self):
        """Each state is the initial state or the target of some transition."""
        reached = {(f.name, f.initial) for f in FLOWS.values()}
        for flow, state in ALL_STATES:
            for t in state.transitions:
                other, _, step = t.target.rpartition(":")
                reached.add((other or flow.name, state.name if t.target == SELF else step))
        assert {(f.name, s.name) for f, s in ALL_STATES} <= reached

    def test_the_menu_digits_are_the_spec_s(self):
        """Main menu: 1 move-in, 2 move-out, 3 status, 0 no document, * repeat; 4 and 5 only for declarants:
        tenants for a landlord or agent, staff for an employer contact, asked which for a number that is both."""
        menu = FLOWS["welcome"]["menu"]
        keys: dict[str, list] = {}
        for t in menu.transitions:
            if t.event.startswith("key "):
                keys.setdefault(t.event, []).append((t.target, t.guards))
        both = ("caller_declares", "caller_employs")
        assert keys == {"key 1": [("move_in:id", ())], "key 2": [("move_out:id", ())], "key 3": [("status:id", ())],
                        "key 0": [("no_document:nodoc_name", ())], "key *": [(SELF, ())],
                        "key 4": [("declare_which", both), ("declare:id", ("caller_declares",)),
                                  ("staff:id", ("caller_employs",))],
                        "key 5": [("leave_which", both), ("declare_out:id", ("caller_declares",)),
                                  ("staff_out:id", ("caller_employs",))]}


class TestCatalogue:
    def test_both_languages_have_the_same_keys(self):
        """Everything said exists in Mandarin and in English."""
        assert set(CATALOGUES["zh"]) == set(CATALOGUES["en"])

    @pytest.mark.parametrize("key", sorted(CATALOGUES["zh"]))
    def test_placeholders_match(self, key):
        """A line has the same placeholders in both languages."""
        def names(s: str) -> set[str]:
            return set(re.findall(r"{(\w+)}", s))
        assert names(CATALOGUES["zh"][key]) == names(CATALOGUES["en"][key])

    @pytest.mark.parametrize("key", sorted(CATALOGUES["zh"]))
    def test_mandarin_lines_are_chinese(self, key):
        """Mandarin lines contain Chinese characters, so cmn-CN has something to say."""
        assert re.search(r"[\u4e00-\u9fff]", CATALOGUES["zh"][key])
