"""One call's input, the engine's answer, and the per-request view guards and actions share."""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from parsers.dates import DEADLINE_DAYS, birth_date, check_move_in_date, check_move_out_date, make_date
from parsers.documents import check_ric

from .flows import STAFF_FLOWS
from .ports import Port, PropertyView

# What XML 1.0 cannot carry: a heard name holding one of these would make every later TwiML answer unparseable.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_DIGITS = 64  # an ID is 18 keys; nothing the flows ask for is longer
MAX_SPEECH = 100  # a spoken name (people.name holds 200)
MAX_RECORDING_URL = 500  # declarations.*_recording_url
RECORDING_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class CallInput:
    """What Twilio posted to `/voice/step`; every field None means nothing was entered (timeout)."""

    seq: int | None = None
    digits: str | None = None
    speech: str | None = None
    confidence: float | None = None
    recording_url: str | None = None

    @classmethod
    def from_form(cls, form: Mapping[str, str], seq: str | int | None) -> "CallInput":
        """Build from Twilio's form fields (Digits, SpeechResult, Confidence, RecordingUrl) and `?seq=`."""
        def text(key: str, limit: int) -> str | None:
            """The field without characters TwiML cannot carry, cut to `limit`; None when nothing is left."""
            value = NOT_XML.sub("", form.get(key) or "").strip()[:limit]
            return value or None

        confidence: float | None
        try:
            confidence = float(form["Confidence"]) if form.get("Confidence") else None
        except ValueError:
            confidence = None
        if confidence is not None:
            # NaN and infinities are not JSON (the call state, the stored payload): treat them as "not sure".
            confidence = min(max(confidence, 0.0), 1.0) if math.isfinite(confidence) else None
        recording = text("RecordingUrl", MAX_RECORDING_URL + 1)
        if recording is not None and (len(recording) > MAX_RECORDING_URL or not RECORDING_URL.fullmatch(recording)):
            recording = None  # not a recording Twilio made: as if nothing was recorded
        try:
            number = int(seq) if seq is not None and str(seq) != "" else None
        except ValueError:
            number = None
        return cls(seq=number, digits=text("Digits", MAX_DIGITS), speech=text("SpeechResult", MAX_SPEECH),
                   confidence=confidence, recording_url=recording)


@dataclass(frozen=True)
class Turn:
    """The call state to store and the TwiML document to answer with."""

    state: dict[str, Any]
    twiml: str


@dataclass
class Context:
    """The working copy of the call state plus this request's input, for guards and actions."""

    state: dict[str, Any]
    inp: CallInput
    port: Port
    today: dt.date
    _memo: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any]:
        return self.state["data"]

    @property
    def counters(self) -> dict[str, int]:
        return self.state["counters"]

    def keyed(self) -> str:
        """The digits entered, without the `#` that ended them."""
        return (self.inp.digits or "").strip().rstrip("#")

    def id_entered(self) -> str:
        """The ID as typed: `*` stands for X."""
        return self.keyed().replace("*", "X").upper()

    def id_problem(self) -> str | None:
        """The first hard-check failure of the typed ID.

        `id_length`, `id_birthdate` and `id_checksum` come from the SMS rules
        (parsers.documents.check_ric); `id_star_misplaced` is the keypad's own.
        """
        if "id_problem" not in self._memo:
            number = self.id_entered()
            if len(number) == 18 and "X" in number[:17]:
                # Tell the caller what the keypad did rather than "wrong length".
                self._memo["id_problem"] = "id_star_misplaced"
            else:
                self._memo["id_problem"] = check_ric(number, self.today)
        return self._memo["id_problem"]

    def own_properties(self) -> tuple[PropertyView, ...]:
        """The places the caller may declare for (one port lookup per request): in a staff flow the sites of
        the caller's employer, otherwise the properties of a landlord or agent."""
        if self.state.get("flow") in STAFF_FLOWS:
            return self.own_sites()
        if "own" not in self._memo:
            self._memo["own"] = tuple(self.port.declarant_properties(self.state["caller"]))
        return self._memo["own"]

    def own_sites(self) -> tuple[PropertyView, ...]:
        """The sites of the employer whose contact the caller is (one port lookup per request)."""
        if "sites" not in self._memo:
            self._memo["sites"] = tuple(self.port.employer_sites(self.state["caller"]))
        return self._memo["sites"]

    def own_found(self) -> PropertyView | None:
        """The caller's own place with the typed code. Nothing else is looked up: any other code, enrolled or
        not, is simply not found."""
        code = self.keyed()
        return next((p for p in self.own_properties() if p.code == code), None)

    def property_found(self) -> PropertyView | None:
        """The property for the typed code (one port lookup per request)."""
        if "property" not in self._memo:
            code = self.keyed()
            found = code.isascii() and code.isdigit()
            self._memo["property"] = self.port.find_property(code) if found else None
        return self._memo["property"]

    def date_entered(self) -> tuple[dt.date | None, str | None]:
        """The typed YYYYMMDD date and the problem with it: the SMS rules for a move-in (an old date is a
        backlog registration, not a typo, unless it is before the caller's birth) or for a move-out."""
        if "date" not in self._memo:
            text = self.keyed()
            d = None
            if len(text) == 8 and text.isascii() and text.isdigit():  # "²" is a digit int() cannot read
                d = make_date(int(text[:4]), int(text[4:6]), int(text[6:]))
            if d is None:
                self._memo["date"] = (None, "bad_date")
            else:
                if self.state.get("flow") in ("move_out", "declare_out", "staff_out"):
                    check = check_move_out_date(d, self.today, DEADLINE_DAYS)
                else:  # `late` and `backlog` are the worker's to decide: it knows the campaign's start
                    check = check_move_in_date(d, self.today, DEADLINE_DAYS,
                                               born=birth_date(self.data.get("document_number") or ""))
                problem = check.error
                self._memo["date"] = (d, problem)
        return self._memo["date"]
