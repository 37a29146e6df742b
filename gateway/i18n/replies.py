"""Replies an officer can send when rejecting an item, one text per language.

The landlord gets the language their message was written in (Chinese when unknown).
"""
from __future__ import annotations

from dataclasses import dataclass

from parsers.bilingual import Bilingual


@dataclass(frozen=True)
class ReplyTemplate:
    label: Bilingual  # what the officer picks from, in the UI's language
    sms: Bilingual  # what the landlord is sent, in their message's language


TEMPLATES: dict[str, ReplyTemplate] = {
    "resend": ReplyTemplate(
        Bilingual("请核对后重新发送", "Please check and send again"),
        Bilingual("您的申报短信未能登记，请核对姓名、证件号和房号后重新发送。发送“帮助”查看格式。",
                  "Your declaration could not be registered. Please check the name, ID number and room, "
                  "then send it again. Send HELP for the format.")),
    "visit": ReplyTemplate(
        Bilingual("请到派出所办理", "Please come to the police station"),
        Bilingual("您的申报需要到辖区派出所办理，请携带租客证件前往。",
                  "This declaration has to be made at your local police station; please bring the tenant's ID.")),
    "not_enrolled": ReplyTemplate(
        Bilingual("号码未登记为房东", "Number not enrolled"),
        Bilingual("此号码尚未登记为房东，请先到辖区派出所登记房产。",
                  "This number is not enrolled as a landlord. Please enrol your property at the police station first.")),
}


def reply_text(key: str, language: str) -> str:
    """The SMS for template `key`; KeyError for an unknown key (the form offers only known ones)."""
    return TEMPLATES[key].sms.text(language)
