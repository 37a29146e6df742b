"""The JSON API's request and response shapes (pydantic): the OpenAPI document is generated from these.

Every request model forbids unknown fields, and every string has a length bound, so a client's typo is a
422 naming the field rather than something silently ignored or a value the database cannot hold.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from parsers.grammar import ADDRESS_MAX, NAME_MAX

DocumentType = Literal["ric", "passport", "hkmo_permit", "tw_permit", "none"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- problems (RFC 9457) ---------------------------------------------------------------------------

class CodeText(BaseModel):
    code: str = Field(description="A stable code, the same as in SMS replies (docs/sms-format.md)")
    text: str = Field(description="What it means, in the request's language")
    field: str | None = Field(None, description="The request field it is about, when there is one")


class Problem(BaseModel):
    """application/problem+json"""

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str | None = None
    codes: list[CodeText] = Field(default_factory=list)


# -- log-in ---------------------------------------------------------------------------------------

class LoginCodeRequest(Strict):
    phone: str = Field(min_length=1, max_length=32, description="The landlord's enrolled mobile number")


class LoginCodeSent(BaseModel):
    sent: bool = Field(description="Always true: the answer does not tell whether the number is enrolled")
    expires_in: int = Field(description="Seconds the code stays valid")


class LoginRequest(Strict):
    phone: str = Field(min_length=1, max_length=32)
    code: str = Field(min_length=1, max_length=12, description="The 6-digit code received by SMS")


class Token(BaseModel):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: dt.datetime


# -- properties and declarations -------------------------------------------------------------------

class PropertyOut(BaseModel):
    code: str
    alias: str | None
    address: str
    single_unit: bool
    granted: bool = Field(False, description="Another landlord's property you declare for as their agent")


class Properties(BaseModel):
    properties: list[PropertyOut]


class DeclarationsQuery(Strict):
    active: bool = Field(True, description="Only tenants living there now (true) or every declaration (false)")
    property: str | None = Field(None, max_length=16, description="One property's code")


class DeclarationOut(BaseModel):
    receipt: str
    property: str
    room: str | None
    name: str | None
    document_type: str
    document: str | None = Field(description="The document number, masked (first 4 and last 4 characters)")
    move_in: dt.date
    move_out: dt.date | None
    status: str
    channel: str


class Declarations(BaseModel):
    declarations: list[DeclarationOut]


class MoveInRequest(Strict):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    document_type: DocumentType = "ric"
    document_number: str | None = Field(None, max_length=32, description="Required unless document_type is none")
    room: str | None = Field(None, max_length=16)
    date: dt.date | None = Field(None, description="Move-in date; today when left out")
    phone: str | None = Field(None, max_length=32, description="The tenant's phone")
    property: str | None = Field(None, max_length=16, description="Property code; may be left out with one property")
    hukou_address: str | None = Field(None, max_length=ADDRESS_MAX, description="Household-registration (户籍) address, "
                                      "asked for a person without a document")


class MoveOutRequest(Strict):
    date: dt.date | None = Field(None, description="Move-out date; today when left out")


class Accepted(BaseModel):
    request: str = Field(description="The request's id")
    status: str = Field(description="received, then processed or rejected")
    status_url: str


class PortraitStored(BaseModel):
    receipt: str
    portrait: Literal["stored"] = Field(description="The image was decoded, stripped of metadata and kept")


class Outcome(BaseModel):
    status: str = Field(description="registered, already_registered, superseded, pending_review, moved_out, "
                                    "cancelled or rejected")
    receipt: str | None
    name: str | None
    room: str | None
    document: str | None = Field(description="Masked")
    codes: list[str]


class RequestResult(BaseModel):
    outcomes: list[Outcome]
    codes: list[CodeText]
    reply: str = Field(description="The reply an SMS declaration would have had, word for word")


class RequestStatus(BaseModel):
    request: str
    kind: str
    status: Literal["received", "processed", "rejected"]
    result: RequestResult | None = None


# -- enrolment (no log-in: the number is not enrolled yet) ------------------------------------------

class EnrolmentIn(Strict):
    kind: Literal["landlord", "employer"] = Field("landlord", description="Who asks: a landlord with a property, "
                                                  "or an employer (用工单位) with its first site")
    phone: str = Field(min_length=1, max_length=32, description="The landlord's mobile, or the employer's contact "
                                                              "phone: the decision is texted to it")
    name: str = Field(min_length=1, max_length=NAME_MAX, description="The landlord's own name, or the employer's")
    document_type: Literal["ric", "passport", "hkmo_permit", "tw_permit"] = "ric"
    document_number: str | None = Field(None, min_length=1, max_length=32,
                                        description="The landlord's own document (landlords only: required)")
    address: str = Field(min_length=1, max_length=ADDRESS_MAX, description="The property's address, or the employer's")
    alias: str | None = Field(None, max_length=32, description="A short name for the property (`@东街` by SMS), "
                                                               "or for the employer's site")
    single_unit: bool = Field(False, description="Let as one unit: declarations need no room (landlords)")
    credit_code: str | None = Field(None, min_length=1, max_length=32,
                                    description="Employers: the unified social credit code (18 characters)")
    site_address: str | None = Field(None, max_length=ADDRESS_MAX, description="Employers: the first site's address "
                                                                       "(omitted: the employer's)")
    site_kind: Literal["workplace", "dormitory", "building_site"] = Field("workplace", description="Employers")
    capacity: int | None = Field(None, ge=0, le=100000, description="Employers: the site's beds or places")


class EnrolmentPending(BaseModel):
    status: Literal["pending"] = Field(description="An officer decides; the landlord is texted the outcome")
    created: bool = Field(description="False: the same request was already waiting, nothing new was stored")
    codes: list[CodeText] = Field(default_factory=list, description="`enrolment_pending`")


# -- agents ----------------------------------------------------------------------------------------

class AgentsQuery(Strict):
    acting_as: Literal["landlord", "employer"] | None = Field(
        None, alias="as", description="Whose agents: a phone that is both a landlord and an employer's contact "
                                      "manages the landlord's unless it says `employer`")


class AgentRequest(Strict):
    phone: str = Field(max_length=32, description="The agent's mobile number (13912345678 or +8613912345678)")
    property: str | None = Field(None, max_length=16, description="One property's code; omitted: all of yours")
    site: str | None = Field(None, max_length=16, description="An employer's contact: one of the employer's site "
                                                              "codes; omitted: all of its sites")


class AgentOut(BaseModel):
    """A grant in force: a landlord's names `property` and `properties`, an employer's `site` and `sites`."""

    phone: str = Field(description="E.164")
    property: str | None = Field(None, description="The property's code; null: all of your properties")
    properties: list[str] = Field(default_factory=list, description="The codes the agent may declare for now")
    site: str | None = Field(None, description="An employer's grant: the site's code; null: all of its sites")
    sites: list[str] = Field(default_factory=list, description="An employer's grant: the site codes the agent "
                                                               "may declare staff at now")
    channel: str = Field(description="How it was granted: sms or web")
    created_at: str


class Agents(BaseModel):
    agents: list[AgentOut]


class RevokeQuery(AgentsQuery):
    property: str | None = Field(None, max_length=16, description="Revoke only the grant for this property's code")
    site: str | None = Field(None, max_length=16, description="An employer's contact: revoke only the grant for "
                                                              "this site's code")


class Revoked(BaseModel):
    revoked: list[AgentOut]


# -- employers: sites and staff (用工/离职) ------------------------------------------------------------

class SiteOut(BaseModel):
    code: str
    alias: str | None
    kind: Literal["workplace", "dormitory", "building_site"]
    address: str
    capacity: int | None


class Sites(BaseModel):
    employer: str = Field(description="The employer's name")
    sites: list[SiteOut]


class StaffQuery(Strict):
    site: str | None = Field(None, max_length=16, description="One site's code")


class StaffOut(BaseModel):
    receipt: str
    site: str = Field(description="The site's code")
    room: str | None
    lodger: bool = Field(description="Lodges at the site (留宿)")
    name: str | None
    document_type: str
    document: str | None = Field(description="The document number, masked (first 4 and last 4 characters)")
    start: dt.date
    status: str
    channel: str


class StaffList(BaseModel):
    staff: list[StaffOut]


class HireRequest(Strict):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    document_type: DocumentType = "ric"
    document_number: str | None = Field(None, max_length=32, description="Required unless document_type is none")
    site: str | None = Field(None, max_length=16, description="Site code; may be left out with one site")
    room: str | None = Field(None, max_length=16, description="A lodger's room, when known")
    lodger: bool = Field(False, description="Lodges at the site (like `宿舍` in a 用工 SMS)")
    date: dt.date | None = Field(None, description="First day of work; today when left out")
    phone: str | None = Field(None, max_length=32, description="The worker's phone")
    hukou_address: str | None = Field(None, max_length=ADDRESS_MAX, description="Household-registration (户籍) address, "
                                      "asked for a person without a document")


class LeaveRequest(Strict):
    date: dt.date | None = Field(None, description="Last day; today when left out")
