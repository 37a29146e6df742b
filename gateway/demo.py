"""Demo data for `declgate serve --demo`: enough to try every surface in five minutes."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import select

from gateway.runtime import Runtime
from gateway.settings import DEMO_NUMBER
from ivr_flows import VoiceDeclaration
from store.enrolment import Enrolment, enrol, precinct
from store.models import Landlord, Officer, utcnow
from store.officers import add_officer, password_ok, set_password

DEMO_LANDLORD = "+8613800138000"
DEMO_PRECINCT = "GL01"
DEMO_OFFICER = "demo"
DEMO_SUPERVISOR = "chief"
DEMO_RECORDING = "/static/demo-name.wav"  # served by the app itself: no network needed to play it
REJECTED_SAMPLES = (
    ("+8613800138000", "登记 李四 350102199001011239 301"),  # wrong check digit
    ("+8613700000000", "登记 王五 110101199003074477 302"),  # unknown sender
    ("+8613800138000", "hello, how do I register?"),  # unknown keyword
)


def seed(rt: Runtime) -> dict[str, str]:
    """Create the demo precinct, landlord, properties and officers once. Returns the logins to print."""
    logins: dict[str, str] = {}
    with rt.sessions.begin() as session:
        precinct(session, DEMO_PRECINCT, "鼓楼派出所")
        if session.scalar(select(Landlord).where(Landlord.phone == DEMO_LANDLORD)) is None:
            for code, alias, address in (("100001", "东街", "鼓楼区东街12号"), ("100002", "西巷", "鼓楼区西巷3号")):
                enrol(session, Enrolment(phone=DEMO_LANDLORD, name="陈房东", property_code=code, address=address,
                                         precinct=DEMO_PRECINCT, alias=alias))
        for username, role in ((DEMO_OFFICER, "officer"), (DEMO_SUPERVISOR, "supervisor")):
            password = demo_password(rt, username)
            officer = session.scalar(select(Officer).where(Officer.username == username))
            if officer is None:
                add_officer(session, username, password, DEMO_PRECINCT, role)
            elif not password_ok(officer, password):
                set_password(session, username, password)  # the printed one must work: set it, ending old sessions
            logins[username] = password
    return logins


def demo_password(rt: Runtime, username: str) -> str:
    """The demo login's password: the same at every start of the same demo store, so a newcomer's browser
    tab and notes keep working across restarts. Derived from the demo's blind-index key, which lives beside its
    database (instance/demo-keys.json); a new database comes with new keys, so with new passwords."""
    key = rt.settings.blind_index_key
    if not key:
        return secrets.token_urlsafe(9)
    digest = hmac.new(key.encode(), f"demo-login:{username}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()


def seed_rejected(rt: Runtime) -> None:
    """Put work in the review queue through the real intake: bad SMS and a voice declaration to transcribe."""
    from gateway.pipeline import intake
    from gateway.webhooks.voice_port import DatabasePort

    for i, (sender, body) in enumerate(REJECTED_SAMPLES):
        intake.store_sms(rt, sid=f"SMDEMO{i:030d}", from_number=sender, to_number=DEMO_NUMBER, body=body, wake=True)
    # A caller whose name the recogniser was unsure of: an officer listens and types it.
    DatabasePort(rt, to_number=DEMO_NUMBER).submit("CADEMO0000000000000000000000000001", VoiceDeclaration(
        kind="move_in", document_type="ric", document_number="110101199003074477", property_code="100002",
        room="2", date=utcnow().date(), name="王五", name_recording_url=DEMO_RECORDING,
        address_recording_url=None, name_confidence=0.31, caller="+8613900002222", language="zh"))
