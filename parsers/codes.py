"""Every stable error/warning code with a one-line description in both languages.

The officer UI shows these; the reply catalogue has the landlord-facing texts.
"""
from __future__ import annotations

# code: (English, Chinese)
ERROR_CODES: dict[str, tuple[str, str]] = {
    "empty_message": ("The message is empty.", "短信内容为空。"),
    "unknown_keyword": ("The message does not start with a known command.", "短信开头不是可识别的指令。"),
    "missing_name": ("The record has no tenant name.", "该条记录缺少租客姓名。"),
    "missing_id": ("The record has no identity document (or, for move-out, no ID, ID suffix or room).",
                   "该条记录缺少证件号（退租时缺少证件号、尾号或房号）。"),
    "id_length": ("A number looks like a Resident ID but has the wrong number of digits.",
                  "疑似身份证号，但位数不对。"),
    "id_checksum": ("The Resident ID's check digit does not match: a digit is mistyped.",
                    "身份证号校验位不符，有数字输错。"),
    "id_birthdate": ("The birth date inside the Resident ID is impossible.", "身份证号中的出生日期不成立。"),
    "multiple_ids": ("One record holds two identity documents.", "一条记录里有两个证件号。"),
    "multiple_names": ("One record holds two names.", "一条记录里有两个姓名。"),
    "bad_date": ("A date is not a real calendar date.", "日期不存在。"),
    "date_in_future": ("The date is more than one day in the future.", "日期晚于明天。"),
    "date_too_old": ("The date is more than 366 days ago.", "日期早于366天前。"),
    "unrecognized_token": ("Part of the record matches no known field.", "有内容无法识别。"),
    "too_many_records": ("The message holds more than 10 records.", "一条短信超过10条记录。"),
    "message_too_long": ("The message is longer than 1600 characters.", "短信超过1600字。"),
    "missing_receipt": ("The command needs a receipt number.", "该指令需要回执号。"),
    "bad_receipt": ("The receipt is not 8 digits or its check digit fails.", "回执号不是8位或校验不符。"),
}

WARNING_CODES: dict[str, tuple[str, str]] = {
    "legacy_id": ("A 15-digit first-generation ID was converted to 18 digits.", "15位旧身份证号已转换为18位。"),
    "region_unknown": ("The ID's region code is not in the reference table; an officer should check it.",
                       "身份证地区码不在对照表中，需民警核对。"),
    "late": ("The date is older than the declaration deadline.", "已超过申报期限。"),
}

PIPELINE_CODES: dict[str, tuple[str, str]] = {
    "missing_room": ("The property has several units and the record has no room.", "该房产有多个房间，记录缺少房号。"),
    "unknown_sender": ("The sending phone is not enrolled as a landlord.", "发送号码未登记为房东。"),
    "unknown_property": ("The @property matches none of the landlord's properties.", "@房产与房东名下房产不符。"),
    "ambiguous_property": ("The landlord has several properties and did not say which (@property).",
                           "房东有多处房产，未用@指明。"),
    "unknown_receipt": ("No declaration of this landlord has that receipt.", "查无此回执号。"),
    "no_matching_tenant": ("No active tenant matches the move-out record.", "没有符合退租记录的在住租客。"),
    "ambiguous_tenant": ("Several active tenants match the move-out record.", "有多名在住租客符合退租记录。"),
    "opted_out": ("The number has opted out (STOP) and must send START first.", "该号码已退订，需先发送START。"),
}

# Why a message waits in the officers' queue without a landlord-facing reply text: the gateway's jobs
# and claims set these as review reasons. Kept here so every code an officer reads has one description.
REVIEW_CODES: dict[str, tuple[str, str]] = {
    "no_document": ("The person has no identity document: an officer confirms the declaration.",
                    "无证件：需民警确认申报。"),
    "low_confidence": ("The voice line could not recognise the name with confidence.", "语音识别姓名把握不足。"),
    "disputed": ("The landlord disputes a tenant's self-declaration.", "房东对租客自主申报有异议。"),
    "awaiting_landlord": ("A caller's self-declaration waits for the landlord's Y or N (or an officer's decision).",
                          "来电自主申报待房东回复Y或N（或民警决定）。"),
    "rate_limited": ("Too many messages from this number in an hour; no replies were sent.",
                     "该号码一小时内短信过多，未回复。"),
    "job_failed": ("Processing failed after every retry.", "多次重试后处理仍失败。"),
    "spool_replay_failed": ("Received while the database was down; storing it afterwards failed, so it was not "
                            "processed or answered.", "数据库故障期间收到的短信，事后入库失败，未处理也未回复。"),
}

# The codes a reply SMS can explain (catalog_zh / catalog_en hold their texts).
REPLY_CODES: dict[str, tuple[str, str]] = {**ERROR_CODES, **WARNING_CODES, **PIPELINE_CODES}
# Every code an officer can see on a message or in the review queue.
ALL_CODES: dict[str, tuple[str, str]] = {**REPLY_CODES, **REVIEW_CODES}


def describe(code: str, language: str = "en") -> str:
    """One-line description of a code for officers; unknown codes describe themselves.

    A stored code may carry detail after a colon (`job_failed:TimeoutError`); the base code is described.
    """
    pair = ALL_CODES.get(code.split(":", 1)[0])
    if pair is None:
        return code
    return pair[1] if language == "zh" else pair[0]
