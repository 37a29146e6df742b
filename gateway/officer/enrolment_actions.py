"""Deciding a landlord's or an employer's enrolment request, with the runtime at hand: the decision SMS and the reprocessing.

Shared by the officers' pages and `declgate enrolment`. The rules live in store.enrolment_requests; this
module adds what needs the SMS sender and the queue. The landlord gets exactly one SMS per decision, through
the normal outbound path (it is in `declgate outbox`); on approval every message the number sent while it
was unknown (`unknown_sender`, still open) is processed again, as an officer's *reprocess* would.
"""
from __future__ import annotations

from dataclasses import dataclass

from gateway.officer import actions
from gateway.pipeline import delivery
from gateway.runtime import Runtime
from parsers.notices import render_enrolment_decision
from store import enrolment_requests as requests
from store.models import Precinct
from store.scope import Scope

PURPOSE = "enrolment_decision"


@dataclass(frozen=True)
class Approved:
    property_code: str
    precinct: str
    reprocessed: int  # earlier messages of the number run again
    employer: bool = False  # the code is a site's


def _request(session, scope: Scope, request_id: int):
    found = requests.get(session, scope, request_id)
    if found is None:
        raise LookupError(f"enrolment request {request_id} not found")
    return found


def approve(rt: Runtime, officer_id: int | None, scope: Scope, request_id: int, *, precinct: str,
            property_code: str) -> Approved:
    """Enrol the request's landlord and property, text them the property code, reprocess what they sent before.

    EnrolmentError (what to fix), NeedsSupervisor and requests.DecisionError leave everything unwritten.
    """
    with rt.sessions.begin() as session:
        request = _request(session, scope, request_id)
        if request.kind == requests.EMPLOYER:  # `property_code` is the site's; the contact texts `用工 …`
            site = requests.approve_employer(session, scope, request, officer_id, precinct=precinct,
                                             site_code=property_code, region=rt.settings.default_region)
            text = render_enrolment_decision(approved=True, address=site.address, property_code=site.code,
                                             language=request.language, employer=request.name)
            done = Approved(site.code, session.get(Precinct, request.precinct_id).code, 0, True)
        else:
            prop = requests.approve(session, scope, request, officer_id, precinct=precinct,
                                    property_code=property_code, region=rt.settings.default_region)
            text = render_enrolment_decision(approved=True, address=prop.address, property_code=prop.code,
                                             language=request.language)
            done = Approved(prop.code, prop.precinct.code, 0)
        msg = delivery.queue_sms(session, request.phone, text, in_reply_to=None, purpose=PURPOSE)
        msg_id, phone = msg.id, request.phone
    delivery.send_notice(rt, msg_id)
    # Enrolling gave the number's waiting messages the property's precinct (store.item_precincts.claim).
    again = actions.reprocess_reason(rt, officer_id, scope, "unknown_sender", phone=phone)
    return Approved(done.property_code, done.precinct, again, done.employer)


def reject(rt: Runtime, officer_id: int | None, scope: Scope, request_id: int, reason: str) -> None:
    """Close the request unenrolled and text the landlord the reason."""
    with rt.sessions.begin() as session:
        request = _request(session, scope, request_id)
        requests.reject(session, scope, request, officer_id, reason)
        msg = delivery.queue_sms(session, request.phone, render_enrolment_decision(
            approved=False, address=request.address, reason=request.reason, language=request.language,
            employer=request.name if request.kind == requests.EMPLOYER else None),
            in_reply_to=None, purpose=PURPOSE)
        msg_id = msg.id
    delivery.send_notice(rt, msg_id)
