"""Landlords' and employers' own enrolment requests: made by SMS `注册` (landlords), the API or /my, decided
by an officer in one queue.

A request is only a wish until an officer approves it; approval goes through store.enrolment.enrol, the
one way a landlord or a property comes to exist (store.employers.enrol for an employer and its first site),
with the officer's scope. Functions take a Session inside
the caller's transaction; a request outside an officer's scope is reported as missing (None), never as
forbidden, like every other record (store.scope).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from store import audit
from store import employers
from store.enrolment import Enrolment, enrol
from store.models import Employer, EnrolmentRequest, Landlord, Precinct, Property, Site, utcnow
from store.scope import NeedsSupervisor, Scope

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
LANDLORD, EMPLOYER = "landlord", "employer"
PER_PHONE = 3  # requests an hour through the API, per phone
PER_ADDRESS = 10  # an hour, per client address
HOUR = dt.timedelta(hours=1)
PREFIX_MIN = 6  # characters an address must share with enrolled ones before their precinct is suggested
FIRST_CODE = 100001
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def address_key(address: str) -> str:
    """The address as compared: full-width folded, case, spaces and punctuation gone, so `东街 1号`,
    `东街1号` and `东街１号。` are one address."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", address)).casefold()[:400]


@dataclass(frozen=True)
class Wish:
    """What a landlord asked for, however it came (an SMS record, the API's fields), or an employer: then `name`
    and `address` are the employer's, `alias` the first site's, and the document `none`."""

    phone: str  # E.164
    name: str
    document_type: str
    document_number: str | None
    address: str
    alias: str | None = None
    single_unit: bool = False
    language: str = "zh"
    kind: str = LANDLORD
    credit_code: str | None = None
    site_address: str | None = None
    site_kind: str | None = None
    capacity: int | None = None


@dataclass(frozen=True)
class Submitted:
    request: EnrolmentRequest
    created: bool  # False: the same request was already pending, nothing new was stored


def submit(session: Session, wish: Wish, *, channel: str, inbound_id: int | None = None,
           client_address: str | None = None) -> Submitted:
    """Store a request, or find the same one pending from this phone (a landlord texting twice waits for one
    decision). An address another phone has enrolled or asked for is flagged `address_conflict`; an employer's
    credit code that is enrolled or asked for already, `credit_conflict` (an officer decides, never a second
    employer silently)."""
    key = address_key(wish.address)
    same = session.scalar(select(EnrolmentRequest).where(
        EnrolmentRequest.phone == wish.phone, EnrolmentRequest.status == PENDING,
        EnrolmentRequest.address_key == key))
    if same is not None:
        return Submitted(same, False)
    request = EnrolmentRequest(
        phone=wish.phone, name=wish.name.strip(), document_type=wish.document_type,
        document_number=wish.document_number, address=wish.address.strip(), address_key=key,
        alias=(wish.alias or "").strip() or None, single_unit=wish.single_unit, language=wish.language,
        status=PENDING, kind=wish.kind,
        address_conflict=wish.kind == LANDLORD and _conflicts(session, wish.phone, key),
        credit_code=wish.credit_code and wish.credit_code.strip().upper(),
        credit_conflict=wish.kind == EMPLOYER and _credit_taken(session, wish.credit_code or ""),
        site_address=(wish.site_address or "").strip() or None, site_kind=wish.site_kind, capacity=wish.capacity,
        suggested_precinct_id=suggest_precinct(session, wish.address), channel=channel, inbound_id=inbound_id,
        client_address=(client_address or None) and client_address[:64])
    session.add(request)
    session.flush()
    return Submitted(request, True)


def _conflicts(session: Session, phone: str, key: str) -> bool:
    """Whether another phone holds this address: an enrolled property, or a pending request of its own."""
    if session.scalar(select(func.count()).where(EnrolmentRequest.address_key == key,
                                                 EnrolmentRequest.status == PENDING,
                                                 EnrolmentRequest.phone != phone)):
        return True
    rows = session.execute(select(Property.address, Landlord.phone).join(Landlord))
    return any(address_key(address) == key and owner != phone for address, owner in rows)


def _credit_taken(session: Session, credit_code: str) -> bool:
    """Whether this credit code is an enrolled employer's, or another pending request's."""
    code = credit_code.strip().upper()
    return bool(session.scalar(select(func.count()).select_from(Employer).where(Employer.credit_code == code))
                or session.scalar(select(func.count()).where(EnrolmentRequest.credit_code == code,
                                                             EnrolmentRequest.status == PENDING)))


def suggest_precinct(session: Session, address: str) -> int | None:
    """The precinct an address most likely lies in, or None when unsure (every officer then sees it).

    A precinct whose name the address contains wins; else the precinct of the enrolled properties whose
    addresses share the longest beginning with it (at least PREFIX_MIN characters), if they all agree.
    """
    key = address_key(address)
    named = [p.id for p in session.scalars(select(Precinct)) if len(address_key(p.name)) >= 2
             and address_key(p.name) in key]
    if len(named) == 1:
        return named[0]
    best, found = PREFIX_MIN - 1, set()
    for other, precinct_id in session.execute(select(Property.address, Property.precinct_id)):
        shared = _shared_start(key, address_key(other))
        if shared > best:
            best, found = shared, {precinct_id}
        elif shared == best and found:
            found.add(precinct_id)
    return found.pop() if len(found) == 1 else None


def _shared_start(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def too_many(session: Session, phone: str, client_address: str, now: dt.datetime | None = None) -> bool:
    """The API's limits, counted over the last hour like the log-in codes' (store.api_access)."""
    since = (now or utcnow()) - HOUR
    by_phone = session.scalar(select(func.count()).where(EnrolmentRequest.phone == phone,
                                                         EnrolmentRequest.created_at > since))
    by_address = session.scalar(select(func.count()).where(EnrolmentRequest.client_address == client_address[:64],
                                                           EnrolmentRequest.created_at > since))
    return by_phone >= PER_PHONE or by_address >= PER_ADDRESS


def _visible(scope: Scope, query: Select) -> Select:
    """An officer sees the requests suggested for their precinct and those no precinct was suggested for."""
    if scope.all_precincts:
        return query
    return query.where(or_(EnrolmentRequest.suggested_precinct_id.is_(None),
                           EnrolmentRequest.suggested_precinct_id.in_(scope.ids)))


def pending(session: Session, scope: Scope, phone: str | None = None) -> list[EnrolmentRequest]:
    """Pending requests in scope, oldest first (first come, first enrolled); only `phone`'s when given (an
    officer reading a held message from that number decides the request first)."""
    query = select(EnrolmentRequest).where(EnrolmentRequest.status == PENDING)
    if phone is not None:
        query = query.where(EnrolmentRequest.phone == phone)
    return list(session.scalars(_visible(scope, query).order_by(EnrolmentRequest.created_at, EnrolmentRequest.id)))


def get(session: Session, scope: Scope, request_id: int) -> EnrolmentRequest | None:
    return session.scalar(_visible(scope, select(EnrolmentRequest).where(EnrolmentRequest.id == request_id)))


def next_free_code(session: Session) -> str:
    """The code to suggest: one past the highest numeric code in use (codes are typed on a keypad)."""
    used = [*session.scalars(select(Property.code)), *session.scalars(select(Site.code))]  # one code space
    codes = [int(code) for code in used if code.isdigit()]
    return str(max([FIRST_CODE - 1, *codes]) + 1)


class DecisionError(ValueError):
    """The request cannot be decided this way; `code` says why (a UI string key)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def target_of(request: EnrolmentRequest) -> str:
    return f"enrolment:{request.id}"


def approve(session: Session, scope: Scope, request: EnrolmentRequest, officer_id: int | None, *,
            precinct: str, property_code: str, region: str = "CN") -> Property:
    """Enrol the landlord with the property (store.enrolment.enrol: EnrolmentError says what to fix,
    NeedsSupervisor when the precinct or the landlord is not the officer's) and close the request."""
    _decidable(scope, request, LANDLORD)
    prop = enrol(session, Enrolment(phone=request.phone, name=request.name, property_code=property_code,
                                    address=request.address, precinct=precinct, alias=request.alias,
                                    single_unit=request.single_unit), region, scope)
    request.status, request.precinct_id, request.property_code = APPROVED, prop.precinct_id, prop.code
    request.decided_by_id, request.decided_at = officer_id, utcnow()
    audit.record(session, officer_id, "enrolment_approve", target_of(request), property=prop.code,
                 precinct=prop.precinct.code, landlord=request.phone, address_conflict=request.address_conflict)
    return prop


def approve_employer(session: Session, scope: Scope, request: EnrolmentRequest, officer_id: int | None, *,
                     precinct: str, site_code: str, region: str = "CN") -> Site:
    """Enrol the employer with its first site and the asking phone as contact (store.employers.enrol: an enrolled
    credit code gets the site added, never a second employer) and close the request."""
    _decidable(scope, request, EMPLOYER)
    site = employers.enrol(session, employers.EmployerEntry(
        credit_code=request.credit_code or "", name=request.name, address=request.address, precinct=precinct,
        phones=[request.phone], site_code=site_code, site_kind=request.site_kind or "workplace",
        site_address=request.site_address or "", site_alias=request.alias, capacity=request.capacity),
        region, scope)
    employer = session.get(Employer, site.employer_id)
    request.status, request.precinct_id, request.property_code = APPROVED, employer.precinct_id, site.code
    request.decided_by_id, request.decided_at = officer_id, utcnow()
    audit.record(session, officer_id, "enrolment_approve", target_of(request), site=site.code,
                 precinct=employer.precinct.code, employer=request.credit_code, contact=request.phone,
                 credit_conflict=request.credit_conflict)
    return site


def _decidable(scope: Scope, request: EnrolmentRequest, kind: str | None = None) -> None:
    if kind is not None and request.kind != kind:
        raise DecisionError("not_open")
    if request.status != PENDING:
        raise DecisionError("not_open")
    if request.suggested_precinct_id is not None and not scope.covers(request.suggested_precinct_id):
        raise NeedsSupervisor()


def reject(session: Session, scope: Scope, request: EnrolmentRequest, officer_id: int | None, reason: str) -> None:
    """Close the request unenrolled; the reason is stored and sent to the landlord."""
    reason = reason.strip()
    if not reason:
        raise DecisionError("reason_required")
    _decidable(scope, request)
    request.status, request.reason = REJECTED, reason[:400]
    request.decided_by_id, request.decided_at = officer_id, utcnow()
    audit.record(session, officer_id, "enrolment_reject", target_of(request), note=request.reason,
                 landlord=request.phone)
