"""What the caller hears in Mandarin (`<Say language="cmn-CN">`). Placeholders are filled in by ivr_flows.render."""

PROMPTS: dict[str, str] = {
    # welcome and menu
    "welcome": "您好，这里是居住申报语音热线。普通话请按1。",
    "menu": ("申报入住请按1。申报搬离请按2。查询登记状态请按3。没有身份证件请按0。"
             "重听请按星号键。"),
    "menu_declarant": ("申报入住请按1。申报搬离请按2。查询登记状态请按3。没有身份证件请按0。"
                       "房东申报租客入住请按4。租客已搬离请按5。重听请按星号键。"),
    "no_input": "没有收到您的输入。",
    "invalid_key": "您按的键无效。",
    "goodbye_no_input": "很抱歉，一直没有收到您的输入。请稍后再拨。再见。",
    "goodbye": "感谢来电，再见。",
    "call_again": "系统暂时无法办理，本次来电未作记录。请过几分钟再拨。再见。",
    # ID number
    "id_prompt": "请输入18位身份证号码。字母X请按星号键。输入完毕请按井号键。",
    "id_length": "号码位数不对，身份证号码是18位。",
    "id_checksum": "号码校验不通过，可能有一位输错了。",
    "id_birthdate": "号码中的出生日期不对。",
    "id_star_misplaced": "星号键代表字母X，只能用在最后一位。",
    "id_readback": "您输入的号码是：{id}。正确请按1，重新输入请按2。",
    "id_failed": "号码三次输入都不正确。没有身份证件也可以申报，请按0。结束通话请按其他键。",
    "goodbye_id": "号码三次输入都不正确。请核对证件后再拨。再见。",
    # property and room
    "property_prompt": "请输入房东登记告示上的房屋编号，输入完毕请按井号键。",
    "property_unknown": "没有找到这个房屋编号。",
    "property_readback": "房屋地址是：{address}。正确请按1，重新输入编号请按2。",
    "goodbye_property": "房屋编号三次都没有找到。请向房东核对告示上的编号后再拨。再见。",
    "room_prompt": "请输入房间号，短横线请按星号键，输入完毕请按井号键。独栋房屋没有房间号，请直接按井号键。",
    "room_invalid": "房间号格式不对。",
    "room_required": "这处房屋有多个房间，需要输入房间号。",
    "room_readback": "房间号{room}。",
    "room_none": "没有房间号。",
    # dates
    "move_in_date": "今天入住请按1，输入其他入住日期请按2。",
    "move_out_date": "今天搬离请按1，输入其他搬离日期请按2。",
    "date_entry": "请按年月日输入8位日期，例如2024年1月8日，请输入二零二四零一零八。",
    "date_readback": "日期：{date}。",
    "bad_date": "这不是有效的日期。",
    "date_in_future": "日期不能晚于明天。",
    "date_too_old": "日期不能早于一年前。",
    "date_before_birth": "日期不能早于出生日期。",
    # name
    "name_prompt": "请说出您的姓名。",
    "name_readback": "您的姓名是：{name}。正确请按1，重新说请按2。",
    "name_not_heard": "没有听清。",
    "name_unclear": "我们将录下您的姓名，由民警核对。",
    "name_record": "请在提示音后说出您的姓名，说完请按井号键。",
    "address_record": "请在提示音后说出您的户籍地址，说完请按井号键。",
    "name_speech": "请说出您的姓名。",
    "address_speech": "请说出您的户籍地址，从省份说起。",
    # a landlord declaring a tenant (menu 4 and 5)
    "declare_id_prompt": ("请输入租客的18位身份证号码。字母X请按星号键。输入完毕请按井号键。"
                          "租客没有身份证件，请按0再按井号键。"),
    "declare_out_id_prompt": ("请输入搬离租客的18位身份证号码，或号码的最后4位。字母X请按星号键。"
                              "输入完毕请按井号键。"),
    "id_suffix": "尾号{digits}",
    "tenant_name_prompt": "请说出租客的姓名。",
    "tenant_name_readback": "租客姓名是：{name}。正确请按1，重新说请按2。",
    "tenant_name_record": "请在提示音后说出租客的姓名，说完请按井号键。",
    "tenant_name_speech": "请说出租客的姓名。",
    "tenant_address_speech": "请说出租客的户籍地址，从省份说起。",
    "tenant_address_record": "请在提示音后再说一遍租客的户籍地址，说完请按井号键。",
    # 单位联系人申报员工（菜单4和5）
    "menu_employer": ("申报入住请按1。申报搬离请按2。查询登记状态请按3。没有身份证件请按0。"
                      "单位申报员工用工请按4。员工已离职请按5。重听请按星号键。"),
    "menu_both": ("申报入住请按1。申报搬离请按2。查询登记状态请按3。没有身份证件请按0。"
                  "房东申报租客或单位申报员工请按4。租客搬离或员工离职请按5。重听请按星号键。"),
    "declare_which": "申报租客请按1，申报员工请按2。",
    "leave_which": "租客搬离请按1，员工离职请按2。",
    "staff_id_prompt": ("请输入员工的18位身份证号码。字母X请按星号键。输入完毕请按井号键。"
                        "员工没有身份证件，请按0再按井号键。"),
    "staff_out_id_prompt": "请输入离职员工的18位身份证号码，或号码的最后4位。字母X请按星号键。输入完毕请按井号键。",
    "site_prompt": "请输入场所编号，输入完毕请按井号键。",
    "site_readback": "场所地址是：{address}。正确请按1，重新输入编号请按2。",
    "site_unknown": "没有找到这个场所编号。",
    "goodbye_site": "场所编号三次都没有找到。请核对本单位的场所编号后再拨。再见。",
    "staff_room_prompt": "请输入房间号，短横线请按星号键，输入完毕请按井号键。没有房间号请直接按井号键。",
    "staff_lodger_prompt": "员工住在场所宿舍请按1，不住请按2。",
    "staff_start_date": "今天入职请按1，输入其他入职日期请按2。",
    "staff_end_date": "今天离职请按1，输入其他离职日期请按2。",
    "staff_name_prompt": "请说出员工的姓名。",
    "staff_name_readback": "员工姓名是：{name}。正确请按1，重新说请按2。",
    "staff_name_record": "请在提示音后说出员工的姓名，说完请按井号键。",
    "staff_name_speech": "请说出员工的姓名。",
    "staff_address_speech": "请说出员工的户籍地址，从省份说起。",
    "staff_address_record": "请在提示音后再说一遍员工的户籍地址，说完请按井号键。",
    "staff_summary": ("请核对：申报员工用工。身份证号码{id}。场所{address}，{room}。{lodger}。入职日期{date}。"
                      "姓名{name}。确认请按1，重新开始请按2。"),
    "staff_no_document_summary": ("请核对：申报无证件员工用工。员工姓名和户籍地址已录音。场所{address}，{room}。"
                                  "{lodger}。入职日期{date}。确认请按1，重新开始请按2。"),
    "staff_out_summary": "请核对：员工离职。证件{id}。场所{address}。离职日期{date}。确认请按1，重新开始请按2。",
    "summary_lodger": "住宿舍",
    "summary_not_lodger": "不住宿舍",
    "staff_out_done": "离职申报已提交，结果将以短信告知。感谢来电，再见。",
    # summaries
    "move_in_summary": ("请核对：申报入住。身份证号码{id}。地址{address}，{room}。入住日期{date}。"
                        "姓名{name}。确认请按1，重新开始请按2。"),
    "move_out_summary": ("请核对：申报搬离。身份证号码{id}。地址{address}。搬离日期{date}。"
                         "确认请按1，重新开始请按2。"),
    "no_document_summary": ("请核对：无证件申报入住。您的姓名和户籍地址已录音。地址{address}，{room}。"
                            "确认请按1，重新开始请按2。"),
    "declare_summary": ("请核对：申报租客入住。身份证号码{id}。地址{address}，{room}。入住日期{date}。"
                        "姓名{name}。确认请按1，重新开始请按2。"),
    "declare_no_document_summary": ("请核对：申报无证件租客入住。租客姓名和户籍地址已录音。地址{address}，{room}。"
                                    "入住日期{date}。确认请按1，重新开始请按2。"),
    "declare_out_summary": "请核对：租客搬离。证件{id}。地址{address}。搬离日期{date}。确认请按1，重新开始请按2。",
    "summary_room": "房间号{room}",
    "summary_no_room": "没有房间号",
    "summary_name_recorded": "已录音",
    # receipts
    "move_in_receipt": ("申报已提交。回执号码：{receipt}。再说一遍：{receipt}。"
                        "房东将收到短信，房东确认后登记生效。感谢来电，再见。"),
    "move_in_receipt_review": ("申报已提交，民警将核对您的姓名录音。回执号码：{receipt}。再说一遍：{receipt}。"
                               "房东将收到短信，确认后登记生效。感谢来电，再见。"),
    "move_out_requested": "搬离申请已收到。如与登记相符，我们将短信请房东确认。感谢来电，再见。",
    "no_document_receipt": ("申报已提交，民警将核对您的录音。回执号码：{receipt}。再说一遍：{receipt}。"
                            "感谢来电，再见。"),
    "declare_receipt": ("登记已受理。回执号码：{receipt}。再说一遍：{receipt}。回执也将以短信发给您。"
                        "感谢来电，再见。"),
    "declare_receipt_review": ("申报已提交，民警将核对录音后登记。回执号码：{receipt}。再说一遍：{receipt}。"
                               "回执也将以短信发给您。感谢来电，再见。"),
    "declare_out_done": "搬离申报已提交，结果将以短信告知。感谢来电，再见。",
    # status
    "status_active": "该证件有有效的居住登记。申报日期{declared_on}。回执号码：{receipt}。再说一遍：{receipt}。再见。",
    "status_inactive": "该证件目前没有有效的居住登记。再见。",
    "status_sent_if_on_record": ("如果该证件有登记并留有手机号码，登记详情将以短信发送到该号码，每天只发送几次。"
                                 "其他情况请到派出所查询。再见。"),
}
