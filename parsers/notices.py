"""SMS the gateway sends on its own initiative (not replies): landlord confirmation requests, status texts.

Same rules as replies: IDs masked, short enough for one or two UCS-2 segments.
"""
from __future__ import annotations

import datetime as dt

from parsers.masking import mask_id, mask_ids

TEXTS = {
    "zh": {
        "landlord_request": "租客{who}自报入住{address}{room}，回执{receipt}。属实回复Y {receipt}，有误回复N {receipt}",
        "landlord_move_out_request": ("有人来电称租客{who}已于{date}搬离{address}{room}，回执{receipt}。"
                                     "属实回复Y {receipt}，有误回复N {receipt}"),
        "room": "{room}室",
        "status_active": "您的登记有效，申报日期{date}，回执{receipt}。",
        "status_none": "未查到您的有效居住登记。",
        "who": "{name}({id})",
        "unknown_name": "姓名待核",
        "no_document": "无证件",
        "login_code": "您的登录验证码：{code}，10分钟内有效。请勿告诉他人。",
        "enrolment_approved": "房东注册已通过：{address}，房产代码{code}。现在可发送“登记 姓名 证件号 房号”申报租客。",
        "enrolment_rejected": "房东注册未通过：{reason}。如有疑问请联系辖区派出所。",
        "employer_enrolment_approved": ("用工单位注册已通过：{name}，场所编号{code}。"
                                        "现在可发送“用工 姓名 证件号 @{code}”申报员工。"),
        "employer_enrolment_rejected": "用工单位注册未通过：{reason}。如有疑问请联系辖区派出所。",
        "agent_notice": "房东{landlord}已授权您代为申报{properties}的租客：登记 姓名 证件号 房号 @房产",
        "agent_copy": "代理人{phone}：",
        "staff_agent_notice": "{employer}已授权您代为申报{sites}的用工人员：用工 姓名 证件号 @场所（住宿加“宿舍”）",
        "followup": "{name}（回执{receipt}）已由民警登记，仍需补充：{what}。{how}",
        "followup_hukou": "户籍地址",
        "followup_portrait": "本人照片",
        "followup_how_portrait": "照片请彩信发送“照片 {receipt}”并附照片。",
        "followup_how_hukou": "户籍地址请告知辖区派出所。",
        "followup_and": "、",
        "visit_notice": "民警上门登记：{who}住在您的{address}{room}，回执{receipt}。出租房屋须在租客入住后及时申报。",
    },
    "en": {
        "landlord_request": ("Tenant {who} declared moving in to {address}{room}, receipt {receipt}. "
                             "Reply Y {receipt} if true, N {receipt} if not."),
        "landlord_move_out_request": ("A caller said tenant {who} moved out of {address}{room} on {date}, "
                                     "receipt {receipt}. Reply Y {receipt} if true, N {receipt} if not."),
        "room": " room {room}",
        "status_active": "Your registration is active, declared {date}, receipt {receipt}.",
        "status_none": "No active registration was found for you.",
        "who": "{name} ({id})",
        "unknown_name": "name to be checked",
        "no_document": "no ID document",
        "login_code": "Your log-in code: {code}. Valid for 10 minutes. Do not share it.",
        "enrolment_approved": ("Enrolment approved: {address}, property code {code}. "
                               "Declare tenants with REG NAME ID ROOM."),
        "enrolment_rejected": "Enrolment not approved: {reason}. Contact your police station with questions.",
        "employer_enrolment_approved": ("Employer enrolment approved: {name}, site code {code}. "
                                        "Declare staff with 用工 NAME ID @{code}."),
        "employer_enrolment_rejected": ("Employer enrolment not approved: {reason}. "
                                        "Contact your police station with questions."),
        "agent_notice": ("Landlord {landlord} made you their agent: you may now declare tenants for {properties} "
                         "(登记 NAME ID ROOM @PROPERTY)."),
        "agent_copy": "Your agent {phone}: ",
        "staff_agent_notice": ("{employer} made you their agent: you may now declare staff at {sites} "
                               "(用工 NAME ID @SITE, with LODGE for a lodger)."),
        "followup": "{name} (receipt {receipt}) is registered by an officer; still needed: {what}. {how}",
        "followup_hukou": "the household-registration address",
        "followup_portrait": "a photo of the person",
        "followup_how_portrait": "Send the photo by MMS: PHOTO {receipt} with the image. ",
        "followup_how_hukou": "Tell your police station the household-registration address.",
        "followup_and": " and ",
        "visit_notice": ("An officer's visit registered {who} living at your {address}{room}, receipt {receipt}. "
                         "Tenants must be declared when they move in."),
    },
}


def _texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["zh"])


def _who(t: dict[str, str], name: str | None, document_number: str | None) -> str:
    """The tenant as the landlord is told: the name said (or that it is to be checked) and the masked ID (or
    that there is none), never a bare `(-)`."""
    return t["who"].format(name=name or t["unknown_name"],
                           id=mask_id(document_number) if document_number else t["no_document"])


def render_landlord_request(*, name: str | None, document_number: str | None, room: str | None, address: str,
                            receipt: str, language: str = "zh") -> str:
    """Ask the landlord to confirm (`Y <receipt>`) or dispute (`N <receipt>`) a tenant's self-declaration."""
    t = _texts(language)
    return t["landlord_request"].format(
        who=_who(t, name, document_number), address=address, room=t["room"].format(room=room) if room else "", receipt=receipt)


def render_landlord_move_out_request(*, name: str | None, document_number: str | None, room: str | None,
                                     address: str, date: dt.date, receipt: str, language: str = "zh") -> str:
    """Ask the landlord to confirm (`Y <receipt>`) or dispute (`N <receipt>`) a caller's move-out claim.

    The receipt is the tenant's own, which the landlord holds already; the caller never hears it.
    """
    t = _texts(language)
    return t["landlord_move_out_request"].format(
        who=_who(t, name, document_number), address=address, room=t["room"].format(room=room) if room else "", date=date.isoformat(), receipt=receipt)


def render_status_sms(*, active: bool, receipt: str | None, declared_on: dt.date | None,
                      language: str = "zh") -> str:
    """The status the voice line may not say aloud to a caller who is not the phone on record."""
    t = _texts(language)
    if active and receipt and declared_on:
        return t["status_active"].format(date=declared_on.isoformat(), receipt=receipt)
    return t["status_none"]


def render_login_code(code: str, *, language: str = "zh") -> str:
    """The SMS with a one-time code for the landlords' web log-in (/api/v1/login)."""
    return _texts(language)["login_code"].format(code=code)


def render_enrolment_decision(*, approved: bool, address: str, property_code: str | None = None,
                              reason: str | None = None, language: str = "zh", employer: str | None = None) -> str:
    """The one SMS a landlord gets when an officer decides their enrolment request (SMS `注册`, /my, the API), or
    an employer's contact (`employer` names it; `property_code` is then the site's).

    The reason is an officer's words: masked like any text that may hold an ID number.
    """
    t = _texts(language)
    prefix = "employer_" if employer is not None else ""
    if approved:
        return t[prefix + "enrolment_approved"].format(address=address, code=property_code, name=employer)
    return t[prefix + "enrolment_rejected"].format(reason=mask_ids(reason or "").rstrip("。. "))


def render_agent_notice(landlord: str, properties: str, *, language: str) -> str:
    """The one SMS a phone gets when a landlord makes it their agent: for whom, and for which properties."""
    return _texts(language)["agent_notice"].format(landlord=landlord, properties=properties)


def render_staff_agent_notice(employer: str, sites: str, *, language: str) -> str:
    """The one SMS a phone gets when an employer makes it their agent: for whom, and at which sites."""
    return _texts(language)["staff_agent_notice"].format(employer=employer, sites=sites)


def render_agent_copy(agent_phone: str, reply: str, *, language: str) -> str:
    """The landlord's copy of the reply their agent got: the same text, saying whose message it answered."""
    return _texts(language)["agent_copy"].format(phone=agent_phone) + reply


def render_followup(*, name: str, receipt: str, missing: tuple[str, ...], language: str) -> str:
    """The one SMS a declarant gets when an officer accepts a no-document person with something still missing
    (`hukou`, `portrait`): what is needed, and how to send it. The name is an officer's typing: masked like any
    text that may hold an ID number."""
    t = _texts(language)
    how = "".join(t[f"followup_how_{part}"].format(receipt=receipt) for part in ("portrait", "hukou") if part in missing)
    what = t["followup_and"].join(t[f"followup_{part}"] for part in missing)
    return t["followup"].format(name=mask_ids(name), receipt=receipt, what=what, how=how.strip())


def render_visit_notice(*, name: str | None, document_number: str | None, room: str | None, address: str,
                        receipt: str, language: str = "zh") -> str:
    """The one SMS a landlord gets when an officer registers, on a door-to-door visit, a person living at their
    property whom they had not declared: who (ID masked), where, the receipt, and the duty to declare."""
    t = _texts(language)
    return t["visit_notice"].format(who=_who(t, name, document_number), address=address,
                                    room=t["room"].format(room=room) if room else "", receipt=receipt)
