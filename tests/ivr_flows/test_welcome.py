"""The welcome (language choice) and the main menu."""
from __future__ import annotations

import pytest

from .helpers import LANGUAGES, text


class TestWelcomeFlow:
    def test_the_welcome_is_said_in_both_languages(self, new_call):
        """The first TwiML offers Mandarin (1) in cmn-CN and English (2) in en-US."""
        call = new_call()
        assert call.where == "welcome:language"
        assert text("zh", "welcome") in call.said and text("en", "welcome") in call.said
        assert '<Say language="cmn-CN">' in call.twiml and '<Say language="en-US">' in call.twiml
        assert 'finishOnKey="" input="dtmf"' in call.twiml and 'numDigits="1"' in call.twiml

    @pytest.mark.parametrize("key, language", [("1", "zh"), ("2", "en")])
    def test_a_key_chooses_the_language(self, new_call, key, language):
        """1 chooses Mandarin, 2 English, and the menu follows in that language."""
        call = new_call()
        call.press(key)
        assert call.state["language"] == language and call.where == "welcome:menu"
        assert text(language, "menu") in call.said

    def test_silence_defaults_to_mandarin(self, new_call):
        """No key at the welcome goes on in Mandarin."""
        call = new_call()
        call.silence()
        assert call.state["language"] == "zh" and text("zh", "menu") in call.said

    def test_an_invalid_key_is_said_in_both_languages(self, new_call):
        """A key other than 1 or 2 is refused in both languages and the welcome repeats."""
        call = new_call()
        call.press("5")
        assert call.where == "welcome:language"
        assert text("zh", "invalid_key") in call.said and text("en", "invalid_key") in call.said
        assert text("zh", "welcome") in call.said


class TestMenuFlow:
    @pytest.mark.parametrize("key, where", [
        ("1", "move_in:id"), ("2", "move_out:id"), ("3", "status:id"), ("0", "no_document:nodoc_name"),
    ])
    def test_each_digit_opens_its_flow(self, new_call, key, where):
        """The fixed menu digits lead to move-in, move-out, status and no-document."""
        call = new_call("zh")
        call.press(key)
        assert call.where == where

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_star_repeats_the_menu(self, new_call, language):
        """`*` says the menu again without any complaint."""
        call = new_call(language)
        call.press("*")
        assert call.where == "welcome:menu" and call.said == text(language, "menu")

    @pytest.mark.parametrize("language", LANGUAGES)
    @pytest.mark.parametrize("key", ["8", "#"])
    def test_an_invalid_key_is_said_and_the_menu_repeated(self, new_call, language, key):
        """A key outside the menu (`#` included) is called not valid and the menu is said again."""
        call = new_call(language)
        call.press(key)
        assert call.where == "welcome:menu"
        assert call.said == f"{text(language, 'invalid_key')} {text(language, 'menu')}"

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_silence_repeats_twice_then_hangs_up(self, new_call, language):
        """Two silences repeat the menu; the third says goodbye and hangs up."""
        call = new_call(language)
        for _ in range(2):
            call.silence()
            assert text(language, "no_input") in call.said and text(language, "menu") in call.said
            assert not call.hung_up
        call.silence()
        assert call.hung_up and call.said == text(language, "goodbye_no_input")
        assert call.twiml.endswith("<Hangup /></Response>")

    def test_a_key_in_between_does_not_reset_the_silence_count_of_the_menu(self, new_call):
        """Silent repeats are counted per prompt: `*` in between does not earn more of them."""
        call = new_call("en")
        call.silence()
        call.press("*")
        call.silence()
        call.silence()
        assert call.hung_up
