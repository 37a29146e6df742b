"""Every stable error/warning code with a one-line description in both languages.

The officer UI shows these; the reply catalogue has the landlord-facing texts.
"""
from __future__ import annotations

from parsers.bilingual import Bilingual

ERROR_CODES: dict[str, Bilingual] = {
    "empty_message": Bilingual("短信内容为空。", "The message is empty."),
    "unknown_keyword": Bilingual("短信开头不是可识别的指令。", "The message does not start with a known command."),
    "missing_name": Bilingual("该条记录缺少租客姓名。", "The record has no tenant name."),
    "missing_id": Bilingual("该条记录缺少证件号（退租时缺少证件号、尾号或房号）。",
                            "The record has no identity document (or, for move-out, no ID, ID suffix or room)."),
    "id_length": Bilingual("疑似身份证号，但位数不对。", "A number looks like a Resident ID but has the wrong number of digits."),
    "id_checksum": Bilingual("身份证号校验位不符，有数字输错。", "The Resident ID's check digit does not match: a digit is mistyped."),
    "id_birthdate": Bilingual("身份证号中的出生日期不成立。", "The birth date inside the Resident ID is impossible."),
    "multiple_ids": Bilingual("一条记录里有两个证件号。", "One record holds two identity documents."),
    "multiple_names": Bilingual("一条记录里有两个姓名。", "One record holds two names."),
    "bad_date": Bilingual("日期不存在。", "A date is not a real calendar date."),
    "date_in_future": Bilingual("日期晚于明天。", "The date is more than one day in the future."),
    "date_too_old": Bilingual("退租日期早于366天前。", "A move-out date is more than 366 days ago."),
    "date_before_birth": Bilingual("入住日期早于证件上的出生日期。", "The move-in date is before the birth date on the ID."),
    "missing_address": Bilingual("备案缺少房屋地址。", "The enrolment has no property address."),
    "missing_phone": Bilingual("授权缺少代理人手机号。", "The agent command has no phone number."),
    "name_too_long": Bilingual("姓名超过60字。", "The name is longer than 60 characters."),
    "address_too_long": Bilingual("地址超过200字。", "An address is longer than 200 characters."),
    "unrecognized_token": Bilingual("有内容无法识别。", "Part of the record matches no known field."),
    "too_many_records": Bilingual("一条短信超过10条记录。", "The message holds more than 10 records."),
    "message_too_long": Bilingual("短信超过1600字。", "The message is longer than 1600 characters."),
    "missing_receipt": Bilingual("该指令需要回执号。", "The command needs a receipt number."),
    "bad_receipt": Bilingual("回执号不是8位或校验不符。", "The receipt is not 8 digits or its check digit fails."),
}

WARNING_CODES: dict[str, Bilingual] = {
    "legacy_id": Bilingual("15位旧身份证号已转换为18位。", "A 15-digit first-generation ID was converted to 18 digits."),
    "region_unknown": Bilingual("身份证地区码不在对照表中，需民警核对。",
                                "The ID's region code is not in the reference table; an officer should check it."),
    "late": Bilingual("已超过申报期限。", "The date is older than the declaration deadline."),
    "backlog": Bilingual("补登记：入住早于一年前或早于本次登记工作开始。",
                         "Backlog: the move-in is over a year old or predates the campaign's start."),
    "missing_hukou": Bilingual("无证人员缺少户籍地址。", "A person without a document has no household-registration address."),
    "missing_portrait": Bilingual("无证人员缺少照片。", "A person without a document has no portrait yet."),
}

PIPELINE_CODES: dict[str, Bilingual] = {
    "missing_room": Bilingual("该房产有多个房间，记录缺少房号。", "The property has several units and the record has no room."),
    "unknown_sender": Bilingual("发送号码未登记为房东。", "The sending phone is not enrolled as a landlord."),
    "unknown_property": Bilingual("@房产与房东名下房产不符。", "The @property matches none of the landlord's properties."),
    "ambiguous_property": Bilingual("房东有多处房产，未用@指明。",
                                    "The landlord has several properties and did not say which (@property)."),
    "unknown_receipt": Bilingual("查无此回执号。", "No declaration of this landlord has that receipt."),
    "no_matching_tenant": Bilingual("没有符合退租记录的在住租客。", "No active tenant matches the move-out record."),
    "ambiguous_tenant": Bilingual("有多名在住租客符合退租记录。", "Several active tenants match the move-out record."),
    "opted_out": Bilingual("该号码已退订，需先发送START。", "The number has opted out (STOP) and must send START first."),
    "missing_media": Bilingual("照片指令未附图片。", "The photo command carried no image."),
    "bad_media": Bilingual("图片不是JPEG/PNG/WebP、超过5MB或无法解码。",
                           "The image is not a JPEG/PNG/WebP, is over 5 MB, or cannot be decoded."),
    "wrong_declarant_kind": Bilingual("该号码的身份不能用此指令（房东用登记，用工单位用用工）。",
                                      "The sender's kind cannot use this command (landlords declare tenants, "
                                      "employers staff)."),
    "not_your_property": Bilingual("代理人未获该房产授权。", "The agent has no grant for that property."),
    "address_conflict": Bilingual("该地址已由他人备案，需民警核实。",
                                  "The address is already enrolled to someone else; an officer checks."),
    "enrolment_pending": Bilingual("备案申请待民警审核。", "The enrolment request waits for an officer."),
    "unknown_agent": Bilingual("取消授权的号码不是该房东（该房产）的代理人。",
                               "The phone to revoke is not the landlord's agent (for that property)."),
}

# Why a message waits in the officers' queue without a landlord-facing reply text: the gateway's jobs
# and claims set these as review reasons. Kept here so every code an officer reads has one description.
REVIEW_CODES: dict[str, Bilingual] = {
    "no_document": Bilingual("无证件：需民警确认申报。",
                             "The person has no identity document: an officer confirms the declaration."),
    "low_confidence": Bilingual("语音识别姓名把握不足。", "The voice line could not recognise the name with confidence."),
    "disputed": Bilingual("房东对租客自主申报有异议。", "The landlord disputes a tenant's self-declaration."),
    "awaiting_landlord": Bilingual(
        "来电自主申报待房东回复Y或N（或民警决定）。",
        "A caller's self-declaration waits for the landlord's Y or N (or an officer's decision)."),
    "rate_limited": Bilingual("该号码一小时内短信过多，未回复。",
                              "Too many messages from this number in an hour; no replies were sent."),
    "job_failed": Bilingual("多次重试后处理仍失败。", "Processing failed after every retry."),
    "spool_replay_failed": Bilingual("数据库故障期间收到的短信，事后入库失败，未处理也未回复。",
                                     "Received while the database was down; storing it afterwards failed, so it "
                                     "was not processed or answered."),
}

# The codes a reply SMS can explain (catalog_zh / catalog_en hold their texts).
REPLY_CODES: dict[str, Bilingual] = {**ERROR_CODES, **WARNING_CODES, **PIPELINE_CODES}
# Every code an officer can see on a message or in the review queue.
ALL_CODES: dict[str, Bilingual] = {**REPLY_CODES, **REVIEW_CODES}


def describe(code: str, language: str = "en") -> str:
    """One-line description of a code for officers; unknown codes describe themselves.

    A stored code may carry detail after a colon (`job_failed:TimeoutError`); the base code is described.
    """
    texts = ALL_CODES.get(code.split(":", 1)[0])
    return code if texts is None else texts.text(language)
