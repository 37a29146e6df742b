"""An in-memory Port that records every call, standing in for the gateway's database port."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ivr_flows import PropertyView, StatusView, VoiceDeclaration


@dataclass
class RecordingPort:
    """Answers from dicts and remembers what the flow asked and handed over."""

    properties: dict[str, PropertyView] = field(default_factory=dict)
    statuses: dict[str, StatusView] = field(default_factory=dict)
    receipt: str = "20240117"
    sms_allowed: bool = True
    lookups: list[str] = field(default_factory=list)
    status_queries: list[str] = field(default_factory=list)
    callers: list[str] = field(default_factory=list)  # who asked each status query
    sms_sent: list[str] = field(default_factory=list)
    submitted: list[tuple[str, VoiceDeclaration]] = field(default_factory=list)
    declarants: dict[str, tuple[PropertyView, ...]] = field(default_factory=dict)  # caller -> own properties
    employers: dict[str, tuple[PropertyView, ...]] = field(default_factory=dict)  # caller -> their employer's sites

    def find_property(self, code: str) -> PropertyView | None:
        self.lookups.append(code)
        return self.properties.get(code)

    def declarant_properties(self, caller: str) -> tuple[PropertyView, ...]:
        return self.declarants.get(caller, ())

    def employer_sites(self, caller: str) -> tuple[PropertyView, ...]:
        return self.employers.get(caller, ())

    def registration_status(self, document_number: str, caller: str) -> StatusView:
        self.status_queries.append(document_number)
        self.callers.append(caller)
        return self.statuses.get(document_number, StatusView(False, None, None, None))

    def send_status_sms(self, document_number: str, caller: str) -> bool:
        view = self.statuses.get(document_number)
        if not self.sms_allowed or view is None or view.phone_on_record is None:
            return False
        self.sms_sent.append(document_number)
        return True

    def submit(self, call_sid: str, declaration: VoiceDeclaration) -> str:
        self.submitted.append((call_sid, declaration))
        return self.receipt


APARTMENTS = PropertyView("4711", "广州市天河区体育西路1号", single_unit=False)
HOUSE = PropertyView("5802", "广州市番禺区市桥街2号", single_unit=True)
DECLARED = dt.date(2023, 12, 28)
