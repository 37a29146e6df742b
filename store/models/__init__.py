"""The tables, by area. Status columns hold the plain strings of store.states' StrEnums: officers see them.

Each module holds declarations only; importing this package registers every table, which is what
Alembic's comparison and the string-named relationships need.
"""
from store.models.base import NAMING, Base, local_time, utc_midnight, utcnow
from store.models.org import Unit, Precinct, Officer, OfficerSession, LoginThrottle, AuditEntry
from store.models.register import Landlord, Property, Person, PersonMerge, Declaration, MediaItem, Agent
from store.models.messages import (InboundMessage, InboundPrecinct, OutboundMessage,
                                   DeliveryAttempt, OptOut, GatewayFact, ContactLanguage)
from store.models.access import ApiLoginCode, ApiToken, ExportToken, IdempotentRequest
from store.models.enrolment import EnrolmentRequest
from store.models.employers import Employer, EmployerContact, Site, StaffDeclaration
from store.models.enforcement import Art57Action
from store.models.stats import SurveyEstimate, CaseSubject, MonthSnapshot, LiveFigures, StoredChart
from store.models.verification import VerificationItem, VerificationDraw

__all__ = [
    "NAMING", "Base", "local_time", "utc_midnight", "utcnow", "Unit", "Precinct", "Officer", "OfficerSession",
    "LoginThrottle", "AuditEntry", "Landlord", "Property", "Person", "PersonMerge", "Declaration",
    "MediaItem", "Agent", "InboundMessage", "InboundPrecinct", "OutboundMessage", "DeliveryAttempt", "OptOut",
    "GatewayFact", "ContactLanguage", "ApiLoginCode", "ApiToken", "ExportToken", "IdempotentRequest",
    "EnrolmentRequest", "Employer", "EmployerContact", "Site", "StaffDeclaration", "SurveyEstimate",
    "CaseSubject", "MonthSnapshot", "LiveFigures", "StoredChart", "Art57Action", "VerificationItem",
    "VerificationDraw",
]
