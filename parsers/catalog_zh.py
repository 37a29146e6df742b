"""Chinese reply texts. Chinese SMS is UCS-2 (70 chars a segment): keep every line short."""

STATUS = {
    "registered": "已登记",
    "already_registered": "此前已登记",
    "superseded": "已登记(原住址已注销)",
    "pending_review": "待民警审核",
    "moved_out": "已退租",
    "cancelled": "已撤销",
    "confirmed": "已确认",
    "disputed": "已标记有误",
    "rejected": "未受理",
    "listed": "在住",
}

CODES = {
    "empty_message": "短信是空的。",
    "unknown_keyword": "无法识别指令。",
    "missing_name": "缺姓名。",
    "missing_id": "缺证件号，没有证件写“无证”。",
    "id_length": "身份证号应为18位，请核对位数。",
    "id_checksum": "身份证号有数字输错，请逐位核对。",
    "id_birthdate": "身份证号中的出生日期不对，请核对。",
    "multiple_ids": "一条记录只能有一个证件，多人请用;分开。",
    "multiple_names": "一条记录只能有一个姓名，多人请用;分开。",
    "bad_date": "日期不存在，例：1月5日。",
    "date_in_future": "日期不能晚于明天。",
    "date_too_old": "日期已超过一年，请核对。",
    "unrecognized_token": "无法识别：{token}",
    "too_many_records": "每条短信最多10人，请分开发。",
    "message_too_long": "短信太长，请分开发。",
    "missing_receipt": "请附上8位回执号。",
    "bad_receipt": "回执号有误(应为8位)，请核对。",
    "legacy_id": "15位旧证号已转为18位。",
    "region_unknown": "证号地区码待民警核对。",
    "late": "已超申报期限，请按时申报。",
    "missing_room": "缺房号。",
    "unknown_sender": "本号码未登记为房东，请联系派出所。",
    "unknown_property": "找不到@后的房产，请核对。",
    "ambiguous_property": "您有多处房产，请加“@房产代码”。",
    "unknown_receipt": "查无此回执号。",
    "no_matching_tenant": "未找到该在住租客。",
    "ambiguous_tenant": "匹配到多名租客，请写完整证件号。",
    "opted_out": "您已退订，发送START恢复。",
}

TEMPLATES = {
    "receipt": "回执{receipt}",
    "room": "{room}室",
    "list_header": "在住租客：",
    "list_empty": "无在住租客。",
    "help": "格式：登记 姓名 身份证号 房号 [日期]，多人用;分开。退租 证件号。撤销 回执号。",
    "joiner": "",
}
