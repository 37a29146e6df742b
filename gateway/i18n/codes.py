"""Words for the codes the store and the parsers keep, so an officer reads 身份证校验位错误, not `id_checksum`.

The stored values stay codes (they are what filters, exports and the audit log hold); only what a person
reads goes through here. One table per kind of code, each entry in both languages (parsers.bilingual).
A code missing from its table shows itself: a new code is visible on the page rather than a crash, and
tests/gateway/officer/test_zh_pages.py fails on it.
"""
from __future__ import annotations

from parsers.bilingual import Bilingual as B

# Short names for the review reasons and every error, warning and pipeline code (parsers.codes has the
# sentence that explains each one; these are what fits on a pill, a filter option or a chart axis).
REASONS: dict[str, B] = {
    "empty_message": B("空短信", "Empty message"),
    "unknown_keyword": B("指令无法识别", "Unknown command"),
    "missing_name": B("缺少姓名", "Name missing"),
    "missing_id": B("缺少证件号", "ID missing"),
    "id_length": B("证件号位数不对", "ID has wrong length"),
    "id_checksum": B("身份证校验位错误", "ID check digit wrong"),
    "id_birthdate": B("出生日期不成立", "Impossible birth date"),
    "multiple_ids": B("一条记录两个证件号", "Two IDs in one record"),
    "multiple_names": B("一条记录两个姓名", "Two names in one record"),
    "bad_date": B("日期不存在", "Invalid date"),
    "date_in_future": B("日期在将来", "Date in the future"),
    "date_too_old": B("日期过早", "Date too old"),
    "date_before_birth": B("日期早于出生", "Date before birth"),
    "missing_address": B("缺少房屋地址", "Address missing"),
    "missing_phone": B("缺少手机号", "Phone missing"),
    "name_too_long": B("姓名过长", "Name too long"),
    "address_too_long": B("地址过长", "Address too long"),
    "unrecognized_token": B("有内容无法识别", "Unrecognised text"),
    "too_many_records": B("记录过多", "Too many records"),
    "message_too_long": B("短信过长", "Message too long"),
    "missing_receipt": B("缺少回执号", "Receipt missing"),
    "bad_receipt": B("回执号无效", "Invalid receipt"),
    "legacy_id": B("15位旧证件号", "15-digit legacy ID"),
    "region_unknown": B("地区码未知", "Unknown region code"),
    "late": B("逾期申报", "Late declaration"),
    "backlog": B("补登记", "Backlog registration"),
    "missing_hukou": B("缺少户籍地址", "Hukou address missing"),
    "missing_portrait": B("缺少照片", "Portrait missing"),
    "missing_room": B("缺少房号", "Room missing"),
    "unknown_sender": B("号码未登记为房东", "Sender not enrolled"),
    "unknown_property": B("房产不符", "Unknown property"),
    "ambiguous_property": B("未指明房产", "Property not named"),
    "unknown_receipt": B("查无此回执", "Unknown receipt"),
    "no_matching_tenant": B("无对应在住租客", "No matching tenant"),
    "ambiguous_tenant": B("多名租客符合", "Several tenants match"),
    "opted_out": B("号码已退订", "Opted out"),
    "missing_media": B("未附图片", "No image"),
    "bad_media": B("图片无效", "Bad image"),
    "wrong_declarant_kind": B("申报人类型不符", "Wrong declarant kind"),
    "not_your_property": B("未获房产授权", "Not your property"),
    "address_conflict": B("地址已被他人备案", "Address conflict"),
    "enrolment_pending": B("备案待审核", "Enrolment pending"),
    "unknown_agent": B("非代理人", "Not an agent"),
    "no_document": B("无证件", "No ID document"),
    "low_confidence": B("姓名识别不确定", "Name unclear"),
    "disputed": B("房东有异议", "Disputed by landlord"),
    "awaiting_landlord": B("待房东确认", "Awaiting landlord"),
    "rate_limited": B("短信过于频繁", "Too many messages"),
    "job_failed": B("处理失败", "Processing failed"),
    "spool_replay_failed": B("故障期间短信入库失败", "Stored late and failed"),
    "other": B("其他", "Other"),
}

REVIEW_STATES: dict[str, B] = {
    "open": B("待处理", "Open"), "resolved": B("已解决", "Resolved"), "rejected": B("已驳回", "Rejected"),
    "spam": B("垃圾短信", "Spam"),
}

DECLARATION_STATES: dict[str, B] = {
    "active": B("在住", "Active"), "ended": B("已退租", "Moved out"), "cancelled": B("已撤销", "Cancelled"),
    "superseded": B("已迁出", "Moved elsewhere"), "pending_review": B("待民警确认", "Awaiting officer"),
    "disputed": B("房东有异议", "Disputed"),
}

INBOUND_STATES: dict[str, B] = {
    "received": B("待处理", "Received"), "processed": B("已处理", "Processed"), "rejected": B("未通过", "Rejected"),
    "ignored": B("已忽略", "Ignored"),
}

OUTBOUND_STATES: dict[str, B] = {
    "pending": B("待发送", "Pending"), "sending": B("发送中", "Sending"), "queued": B("已交运营商平台", "Queued at Twilio"),
    "sent": B("已发送", "Sent"), "delivered": B("已送达", "Delivered"), "undelivered": B("未送达", "Not delivered"),
    "failed": B("发送失败", "Failed"),
    "outbox": B("已记录（未外发）", "Recorded (outbox)"), "suppressed": B("已退订，未发送", "Not sent (opted out)"),
}

DOCUMENTS: dict[str, B] = {
    "ric": B("居民身份证", "Resident ID"), "passport": B("护照", "Passport"),
    "hkmo_permit": B("港澳通行证", "HK/Macao permit"), "tw_permit": B("台胞证", "Taiwan permit"),
    "none": B("无证件", "No document"),
}

CHANNELS: dict[str, B] = {"sms": B("短信", "SMS"), "voice": B("语音", "Voice"), "officer": B("民警", "Officer"),
                          "web": B("网上", "Web")}

COMMANDS: dict[str, B] = {
    "move_in": B("登记入住", "Move in"), "move_out": B("退租", "Move out"), "cancel": B("撤销", "Cancel"),
    "confirm": B("确认", "Confirm"), "dispute": B("异议", "Dispute"), "list": B("查询", "List"),
    "help": B("帮助", "Help"), "enrol": B("房东注册", "Enrol"),
    "agent": B("授权代理人", "Allow agent"), "agent_revoke": B("取消授权", "Revoke agent"),
}

# What an SMS the gateway sent was for (OutboundMessage.purpose).
PURPOSES: dict[str, B] = {
    "reply": B("回复", "Reply"), "landlord_confirm": B("请房东确认", "Landlord asked to confirm"),
    "officer_reply": B("民警回复", "Officer's reply"), "status": B("登记状态短信", "Status SMS"),
    "login_code": B("网上登录验证码", "Web log-in code"),
    "enrolment_decision": B("注册审核结果", "Enrolment decision"),
    "agent_notice": B("授权通知代理人", "Agent told of a grant"),
    "agent_copy": B("代理人申报抄送房东", "Copy to landlord of agent's message"),
    "followup": B("补采：告知申报人所缺材料", "Follow-up: declarant told what is missing"),
    "visit_notice": B("上门登记告知房东", "Landlord told of a door-to-door entry"),
}

# Every action the audit log records.
ACTIONS: dict[str, B] = {
    "search": B("人员查询", "Search"), "view_full_id": B("查看完整证件号", "Full ID viewed"),
    "edit": B("修改并重新处理", "Edited and reprocessed"), "link": B("登记号码并重新处理", "Enrolled and reprocessed"),
    "enrol": B("登记房东/房产", "Enrolled"), "accept": B("确认申报", "Declaration accepted"),
    "reject": B("驳回", "Rejected"), "reply": B("回复房东", "Replied"), "spam": B("标记垃圾短信", "Marked spam"),
    "reprocess": B("重新处理", "Reprocessed"), "resolve": B("已解决", "Resolved"),
    "edit_landlord": B("修改房东", "Landlord edited"), "edit_property": B("修改房产", "Property edited"),
    "landlord_confirm": B("房东确认", "Landlord confirmed"), "landlord_move_out": B("房东确认搬离", "Landlord moved out"),
    "apply_move_out": B("确认搬离", "Move-out applied"), "stats_estimates_import": B("导入估算数", "Estimates imported"),
    "stats_estimate_set": B("录入估算数", "Estimate entered"), "stats_cases_import": B("导入涉案人员", "Cases imported"),
    "requeue": B("重新排队失败任务", "Failed jobs requeued"), "purge": B("清除过期原始短信", "Old raw messages purged"),
    "api_login": B("房东网上登录", "Landlord logged in (web)"),
    "api_login_failed": B("房东网上登录失败", "Landlord log-in failed (web)"),
    "api_logout": B("房东网上退出", "Landlord logged out (web)"),
    "api_logout_all": B("该手机号网上登录全部退出", "Every web session of a phone ended"),
    "portrait_upload": B("上传照片", "Photo uploaded"), "portrait_refused": B("照片未通过检查", "Photo refused"),
    "org_import": B("修改组织机构", "Organisation changed"),
    "enrolment_approve": B("批准房东注册", "Enrolment approved"), "enrolment_reject": B("驳回房东注册", "Enrolment rejected"),
    "register_verify": B("无证人员已核实", "No-document person verified"),
    "register_document_found": B("无证人员查获证件", "Document found"),
    "merge": B("合并人员记录", "Records merged"), "merge_undo": B("撤销合并", "Merge undone"),
    "view_portrait": B("查看照片原图", "Full-size photo viewed"), "followup_hukou": B("补录户籍地址", "Hukou address added"),
    "visit": B("上门登记", "Door-to-door entry"),
    "export_pull": B("综合平台拉取数据", "Platform export pulled"),
    "art57_action": B("第五十七条处理", "Art. 57 action"),
    "export_token_create": B("创建数据导出令牌", "Export token created"),
    "export_token_revoke": B("吊销数据导出令牌", "Export token revoked"),
    "enrol_employer": B("登记用工单位/场所", "Employer or site enrolled"),
    "verification_mark": B("核实申报", "Declaration verified"),
}

# The names of an audit entry's details, and what its target's prefix names.
DETAILS: dict[str, B] = {
    "query": B("查询内容", "query"), "results": B("结果数", "results"), "reason": B("原因", "reason"),
    "note": B("备注", "note"), "copy": B("新事项", "copy"), "property": B("房产", "property"),
    "landlord": B("房东", "landlord"), "template": B("回复模板", "template"), "declaration": B("申报", "declaration"),
    "receipt": B("回执号", "receipt"), "old": B("原为", "was"), "new": B("改为", "now"), "before": B("修改前", "before"),
    "bulk": B("批量", "bulk"), "document_type": B("证件类型", "document type"), "rows": B("行数", "rows"),
    "month": B("月份", "month"), "floating_population": B("流动人口", "floating population"),
    "rental_units": B("出租房屋", "rental units"), "declared_before": B("案前已登记", "declared before"),
    "not_declared": B("未登记", "not declared"), "jobs": B("任务", "jobs"), "messages": B("短信数", "messages"),
    "recordings": B("录音数", "recordings"), "kept_open": B("保留的待处理事项", "kept open"),
    "precinct": B("派出所", "precinct"), "address_conflict": B("地址冲突", "address conflict"),
    "merged": B("被合并的人员", "merged person"), "merge": B("合并记录", "merge"),
    "declarations": B("申报数", "declarations"), "document_found": B("查获证件", "document found"),
    "missing": B("尚缺", "missing"), "media": B("照片编号", "photo no."),
    "unit": B("单位", "unit"), "since": B("变更起始时间", "changed since"), "unmasked": B("完整证件号", "full IDs"),
    "address": B("来源地址", "client address"), "export_token": B("导出令牌", "export token"),
    "employer": B("用工单位", "employer"), "staff": B("用工申报", "staff declaration"),
    "mark": B("核实结果", "finding"), "changes": B("更正", "corrected"), "ended": B("已注销", "ended"),
}

# What an accepted no-document person still lacks (store.followup): the 补采 list.
FOLLOWUP: dict[str, B] = {"hukou": B("户籍地址", "hukou address"), "portrait": B("照片", "portrait")}

# The no-document register (store.register): a person's status, and why an officer's action was refused.
REGISTER_STATES: dict[str, B] = {
    "pending": B("待核实", "Pending"), "verified": B("已核实", "Verified"),
    "document_found": B("已查获证件", "Document found"), "left": B("已离开", "Left"),
}
REGISTER_ERRORS: dict[str, B] = {
    "register_has_document": B("此人已有证件，不在无证登记中处理。", "This person has a document: not a register action."),
    "register_try_again": B("另一位民警刚刚修改了此记录，请刷新后重试。",
                            "Another officer changed this record a moment ago: reload and try again."),
    "merge_same_person": B("不能与自己合并。", "A record cannot be merged with itself."),
    "merge_documented": B("两个有证件的人员不能合并：证件不同即为不同的人。",
                          "Two people with documents cannot be merged: different documents are different people."),
    "merge_nothing": B("该记录已没有申报可合并。", "That record has no declarations left to merge."),
    "merge_undone": B("此合并已撤销。", "This merge was undone already."),
    "merge_changed": B("合并后的申报已被再次合并，请先撤销之后的合并。",
                       "Declarations of this merge were merged on since: undo the later merge first."),
}
# Verification (store.verification): why a declaration was drawn, an officer's finding, a refused mark.
VERIFY_REASONS: dict[str, B] = {
    "sample": B("随机抽取", "Sample"), "region_unknown": B("地区码未知", "Unknown region code"),
    "no_document": B("无证件", "No ID document"), "backlog": B("补登记", "Backlog registration"),
}
VERIFY_MARKS: dict[str, B] = {
    "verified": B("核实无误", "Verified"), "corrected": B("已更正", "Corrected"), "not_found": B("查无此人", "Not found there"),
}
VERIFY_ERRORS: dict[str, B] = {
    "verify_bad_mark": B("请选择核实结果。", "Choose a finding."),
    "verify_already_marked": B("此条已被核实过。", "This item was marked already."),
    "verify_note_required": B("更正或查无此人时必须填写备注。", "A note is required for a correction or not found."),
    "verify_no_change": B("未做任何更正：如信息无误，请选择核实无误。",
                          "Nothing was changed: if all is correct, mark it verified."),
    "verify_not_active": B("此申报已不在有效状态，无需注销。", "This declaration is no longer active: nothing to end."),
}
TARGETS: dict[str, B] = {
    "inbound": B("事项 #{id}", "Item #{id}"), "person": B("人员 #{id}", "Person #{id}"),
    "people": B("人员查询", "People search"), "property": B("房产 {id}", "Property {id}"),
    "landlord": B("房东 #{id}", "Landlord #{id}"), "declaration": B("申报 #{id}", "Declaration #{id}"),
    "agent": B("代理人 {id}", "Agent {id}"), "verification": B("核实 #{id}", "Verification #{id}"),
    "precinct": B("派出所 #{id}", "Precinct #{id}"), "queue": B("任务队列", "Job queue"),
    "before": B("{id} 之前收到的", "Received before {id}"), "enrolment": B("注册申请 #{id}", "Enrolment #{id}"),
}

# What a voice call declared (ivr_flows.ports.VoiceDeclaration.kind).
CALLS: dict[str, B] = {
    "move_in": B("来电申报入住", "Call: moving in"), "move_out": B("来电申报搬离", "Call: moving out"),
    "no_document": B("来电申报（无证件）", "Call: no ID document"),
}

# Art. 57 actions (store.art57.KINDS) and why a form could not be saved (store.art57.Problem.code).
ART57: dict[str, B] = {"education": B("教育", "Education"), "warning": B("警告", "Warning"), "fine": B("罚款", "Fine")}
ART57_ERRORS: dict[str, B] = {
    "art57_kind": B("请选择处理方式：教育、警告或罚款", "Choose the action: education, warning or fine"),
    "art57_bad_date": B("日期格式应为 2026-01-31", "Write the date as 2026-01-31"),
    "art57_date_in_future": B("处理日期不能晚于今天", "The date cannot be after today"),
    "art57_fine_amount_missing": B("罚款须填写金额（元）", "A fine needs its amount in yuan"),
    "art57_fine_amount_invalid": B("罚款金额应为正整数（元）", "The fine's amount must be a whole number of yuan above 0"),
    "art57_fine_decision_missing": B("罚款须填写决定书文号", "A fine needs the decision's number"),
}

KINDS: dict[str, dict[str, B]] = {
    "reason": REASONS, "call": CALLS, "review_state": REVIEW_STATES, "declaration_state": DECLARATION_STATES,
    "inbound_state": INBOUND_STATES, "outbound_state": OUTBOUND_STATES, "document": DOCUMENTS,
    "channel": CHANNELS, "command": COMMANDS, "purpose": PURPOSES, "action": ACTIONS, "detail": DETAILS,
    "register_state": REGISTER_STATES, "register_error": REGISTER_ERRORS, "followup": FOLLOWUP,
    "art57": ART57, "art57_error": ART57_ERRORS,
    "verify_reason": VERIFY_REASONS, "verify_mark": VERIFY_MARKS, "verify_error": VERIFY_ERRORS,
}


def code_word(kind: str, code: str | None, language: str) -> str:
    """The words for `code` of `kind` in `language`; a code with no words shows itself.

    A stored reason may carry detail after a colon (`job_failed:TimeoutError`): the base code is named.
    """
    if not code:
        return ""
    words = KINDS[kind].get(code) or KINDS[kind].get(code.split(":", 1)[0])
    return code if words is None else words.text(language)


def target_words(target: str, language: str) -> str:
    """An audit entry's target (`inbound:18`, `people`) as words: 事项 #18, 人员查询."""
    prefix, _, ident = target.partition(":")
    words = TARGETS.get(prefix)
    return target if words is None else words.text(language).format(id=ident)


def call_summary(payload: dict, language: str) -> str:
    """A voice item in words: what was declared, where, who and from when. The ID is masked here as well as
    by the page (the payload holds it in full)."""
    from parsers.masking import mask_id

    room = payload.get("room")
    parts = [code_word("call", payload.get("kind") or "move_in", language),
             (f"房产 {payload['property_code']}" if language != "en" else f"property {payload['property_code']}")
             if payload.get("property_code") else "",
             (f"{room}室" if language != "en" else f"room {room}") if room else "",
             payload.get("name") or "",
             mask_id(payload["document_number"]) if payload.get("document_number") else
             code_word("document", payload.get("document_type") or "none", language),
             payload.get("date") or ""]
    return " · ".join(p for p in parts if p)
