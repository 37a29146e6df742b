"""A stand-in for Twilio's REST API at the HTTP layer: the twilio library's own client code runs, and no test
ever reaches the network. It keeps one account with its phone numbers and the messages created."""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "test-twilio-rest-token"
NUMBER = "+8610690000"
PN_SID = "PN" + "7" * 32


@dataclass
class FakeTwilio(HttpClient):
    """Answers the few endpoints the gateway calls; `refuse` makes the next message creations fail."""

    token: str = AUTH_TOKEN
    numbers: dict[str, dict] = field(default_factory=lambda: {PN_SID: {
        "sid": PN_SID, "account_sid": ACCOUNT_SID, "phone_number": NUMBER, "sms_url": "", "voice_url": "",
        "status_callback": ""}})
    messages: list[dict] = field(default_factory=list)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    refuse: list[tuple[int, int]] = field(default_factory=list)  # (HTTP status, Twilio code) for the next creates
    offline: bool = False

    def __post_init__(self) -> None:
        super().__init__(logging.getLogger("tests.twilio_fake"), is_async=False)

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append((method, uri, dict(data or params or {})))
        if self.offline:
            raise ConnectionError("the test has no network")
        if auth != (ACCOUNT_SID, self.token):
            return self._error(401, 20003, "Authenticate")
        base = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}"
        if method == "GET" and uri == f"{base}.json":
            return Response(200, json.dumps({"sid": ACCOUNT_SID, "status": "active", "friendly_name": "test"}))
        if method == "GET" and uri == f"{base}/IncomingPhoneNumbers.json":
            wanted = (params or {}).get("PhoneNumber")
            found = [n for n in self.numbers.values() if wanted in (None, n["phone_number"])]
            return Response(200, json.dumps({"incoming_phone_numbers": found, "next_page_uri": None, "page": 0,
                                             "page_size": 50, "uri": uri}))
        match = re.fullmatch(re.escape(base) + r"/IncomingPhoneNumbers/(PN\w+)\.json", uri)
        if method == "POST" and match and match.group(1) in self.numbers:
            record = self.numbers[match.group(1)]
            for key, value in (data or {}).items():
                record[re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()] = value
            return Response(200, json.dumps(record))
        if method == "POST" and uri == f"{base}/Messages.json":
            if self.refuse:
                status, code = self.refuse.pop(0)
                return self._error(status, code, "refused by the test")
            sid = f"SM{len(self.messages) + 1:032d}"
            self.messages.append({"sid": sid, **(data or {})})
            return Response(201, json.dumps({"sid": sid, "status": "queued", "to": data["To"], "body": data["Body"]}))
        return self._error(404, 20404, f"no fake for {method} {uri}")

    @staticmethod
    def _error(status: int, code: int, message: str) -> Response:
        return Response(status, json.dumps({"code": code, "message": message, "status": status}))
