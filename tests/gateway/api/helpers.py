"""Talking to the JSON API as a client would: a code from the outbox, a token, requests and their results."""
from __future__ import annotations

import re

from sqlalchemy import select

from store.models import OutboundMessage
from tests.support import drain


def code_sent(rt, phone: str) -> str:
    """The latest log-in code texted to `phone` (read from the outbox, as `declgate outbox` shows it)."""
    with rt.sessions() as session:
        body = session.scalar(select(OutboundMessage.body).where(OutboundMessage.to_number == phone,
                                                                 OutboundMessage.purpose == "login_code")
                              .order_by(OutboundMessage.id.desc()).limit(1))
    assert body is not None, f"no code texted to {phone}"
    return re.search(r"\d{6}", body).group()


def log_in(client, rt, phone: str) -> dict[str, str]:
    """Headers of a logged-in landlord."""
    assert client.post("/api/v1/login/code", json={"phone": phone}).status_code == 202
    response = client.post("/api/v1/login", json={"phone": phone, "code": code_sent(rt, phone)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def result_of(client, rt, response, headers) -> dict:
    """Run the drain, then read the request's status URL."""
    assert response.status_code == 202, response.get_data(as_text=True)
    drain(rt)
    status = client.get(response.get_json()["status_url"], headers=headers)
    assert status.status_code == 200, status.get_data(as_text=True)
    return status.get_json()
