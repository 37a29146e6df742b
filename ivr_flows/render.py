"""Turn a state's prompt and the lines to say before it into a TwiML document.

Every action and fallback URL carries the step number (`/voice/step?seq=N`):
a `<Gather>` or `<Record>` posts its result there, and the `<Redirect>` after
it posts there with no input fields when the caller stayed silent.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from twilio.twiml.voice_response import VoiceResponse

from . import spoken
from .call import Context
from .catalogue import CATALOGUES, LANGUAGES
from .machine import State

STEP_URL = "/voice/step"
SAY_LANGUAGE = {"zh": "cmn-CN", "en": "en-US"}
SPEECH_LANGUAGE = {"zh": "cmn-Hans-CN", "en": "en-US"}
CJK = re.compile(r"[\u3400-\u9fff]")
MENUS = {(False, False): "menu", (True, False): "menu_declarant", (False, True): "menu_employer",
         (True, True): "menu_both"}  # (landlord or agent, employer contact)
ELSEWHERE = "\x00"  # marks where a Chinese address sits inside an English line


def step_url(seq: int) -> str:
    return f"{STEP_URL}?seq={seq}"


def say_key(key: str, ctx: Context) -> str:
    """Resolve the say lines whose wording depends on the input (what was wrong, what was kept)."""
    if key == "id_problem":
        return ctx.id_problem() or "id_length"
    if key == "date_problem":
        return ctx.date_entered()[1] or "bad_date"
    if key == "room_readback" and ctx.data.get("room") is None:
        return "room_none"
    return key


def lines(key: str, language: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """The catalogue text for `key` as (language, text) pieces.

    Addresses are stored in Chinese; inside an English line they are said by the
    Mandarin voice, since an en-US voice cannot read Chinese characters.
    """
    text = fill(key, language, data, mark_address=language != "zh")
    if ELSEWHERE not in text:
        return [(language, text)]
    pieces: list[tuple[str, str]] = []
    for i, part in enumerate(text.split(ELSEWHERE)):
        if i:
            pieces.append(("zh", data["address"]))
        if part.strip():
            pieces.append((language, part.strip()))
    return pieces


def fill(key: str, language: str, data: dict[str, Any], mark_address: bool = False) -> str:
    """The catalogue text for `key` with the call's values spoken the way TTS reads them."""
    words = CATALOGUES[language]
    values: dict[str, str] = {}
    if data.get("document_number"):
        values["id"] = spoken.id_number(data["document_number"], language)
    elif data.get("id_suffix"):
        values["id"] = words["id_suffix"].format(digits=spoken.digits(data["id_suffix"], language))
    if data.get("address") is not None:
        chinese = mark_address and CJK.search(data["address"])
        values["address"] = ELSEWHERE if chinese else data["address"]
    room = data.get("room")
    values["room"] = spoken.digits(room, language) if room else ""
    if data.get("date"):
        values["date"] = spoken.date(dt.date.fromisoformat(data["date"]), language)
    if data.get("receipt"):
        values["receipt"] = spoken.receipt(data["receipt"], language)
    status = data.get("status") or {}
    if status.get("declared_on"):
        values["declared_on"] = spoken.date(dt.date.fromisoformat(status["declared_on"]), language)
    if status.get("receipt"):
        values["receipt"] = spoken.receipt(status["receipt"], language)
    if key.endswith("_summary"):
        values["room"] = (words["summary_room"].format(room=values["room"]) if room
                          else words["summary_no_room"])
        values["name"] = data.get("name") if not data.get("name_recording_url") else None
        values["name"] = values["name"] or words["summary_name_recorded"]
        if data.get("lodger") is not None:
            values["lodger"] = words["summary_lodger" if data["lodger"] else "summary_not_lodger"]
    elif data.get("name"):
        values["name"] = data["name"]
    return words[key].format_map(values)


def twiml(state: State, seq: int, language: str, before: list[str], data: dict[str, Any]) -> str:
    """The whole TwiML document for entering `state`, after saying the `before` keys."""
    languages = LANGUAGES if state.bilingual else (language,)
    response = VoiceResponse()
    prompt = state.prompt
    if prompt == "menu":  # a landlord's or an employer's menu adds 4 and 5 (v2 §6)
        prompt = MENUS[bool(data.get("declarant")), bool(data.get("employer"))]

    def say_all(target: Any, key: str) -> None:
        for lang in languages:
            for spoken_in, text in lines(key, lang, data):
                target.say(text, language=SAY_LANGUAGE[spoken_in])

    for key in before:
        say_all(response, key)
    listen, url = state.listen, step_url(seq)
    if listen.kind in ("keys", "entry"):
        # On a one-key menu `#` is just a key (and so "not valid"), not the end of an entry.
        gather = response.gather(action=url, method="POST", input="dtmf", timeout=listen.timeout,
                                 num_digits=listen.num_digits,
                                 finish_on_key="" if listen.kind == "keys" else "#")
        if prompt:
            say_all(gather, prompt)
        response.redirect(url, method="POST")
    elif listen.kind == "speech":
        gather = response.gather(action=url, method="POST", input="speech", timeout=listen.timeout,
                                 speech_timeout="auto", language=SPEECH_LANGUAGE[language])
        if prompt:
            say_all(gather, prompt)
        response.redirect(url, method="POST")
    elif listen.kind == "record":
        if prompt:
            say_all(response, prompt)
        response.record(action=url, method="POST", max_length=listen.max_length, timeout=listen.timeout,
                        finish_on_key="#", play_beep=True)
        response.redirect(url, method="POST")
    elif listen.kind == "hangup":
        if prompt:
            say_all(response, prompt)
        response.hangup()
    else:
        raise ValueError(f"state {state.name} cannot be rendered ({listen.kind})")
    return str(response)


def farewell(key: str) -> str:
    """A TwiML document outside any flow: the line `key` in every language, then a hang-up (a call whose
    state is gone hears `goodbye`; one the gateway cannot serve now hears `call_again`)."""
    response = VoiceResponse()
    for language in LANGUAGES:
        for spoken_in, text in lines(key, language, {}):
            response.say(text, language=SAY_LANGUAGE[spoken_in])
    response.hangup()
    return str(response)
