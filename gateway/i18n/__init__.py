"""UI strings in Chinese (default) and English; the choice lives in the officer's session.

One catalogue per language (gateway/i18n/zh.py, gateway/i18n/en.py, and the registering pages' in
zh_register.py, en_register.py); a key
missing from English falls back to Chinese, and a key missing everywhere shows
itself, so a forgotten string is visible rather than a crash.
"""
from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, Flask, current_app, redirect, request, session

from gateway.i18n import codes, en, en_followup, en_register, zh, zh_followup, zh_register
from gateway.web.redirects import safe_next
from store.models import local_time

LANGUAGES = {"zh": {**zh.STRINGS, **zh_register.STRINGS, **zh_followup.STRINGS},
             "en": {**en.STRINGS, **en_register.STRINGS, **en_followup.STRINGS}}
DEFAULT = "zh"

bp = Blueprint("i18n", __name__)


def language() -> str:
    """The current officer's UI language."""
    lang = session.get("lang", DEFAULT)
    return lang if lang in LANGUAGES else DEFAULT


def translate(key: str, **values: object) -> str:
    """The UI string for `key` in the current language, with `{name}` placeholders filled in."""
    text = LANGUAGES[language()].get(key) or LANGUAGES[DEFAULT].get(key) or key
    return text.format(**values) if values else text


def word(kind: str, code: str | None) -> str:
    """The `word` template global: a stored code (a reason, a state, a channel …) in the UI language."""
    return codes.code_word(kind, code, language())


def plural(count: int, key: str, **values: object) -> str:
    """`key` for one (`key_one`) or for several (`key_other`): 1 precinct, 2 precincts."""
    return translate(f"{key}_one" if count == 1 else f"{key}_other", count=count, **values)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def text_lang(text: str | None) -> str:
    """The `lang` of a text the gateway did not write (an SMS, a reply it sent): marks English as English."""
    return "zh" if text and _CJK.search(text) else "en"


def localtime(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """The `localtime` template filter: a stored (naive UTC) time in the deployment's time zone."""
    if value is None:
        return ""
    return local_time(value, current_app.extensions["declgate"].tz).strftime(fmt)


@bp.post("/lang/<code>")
def switch(code: str):
    """Remember the UI language for this session and go back where the officer was."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(localtime)

    @app.context_processor
    def strings() -> dict[str, object]:
        lang = language()
        return {"t": translate, "lang": lang, "word": word, "plural": plural, "text_lang": text_lang,
                "target_words": lambda target: codes.target_words(target, lang),
                "call_summary": lambda payload: codes.call_summary(payload or {}, lang)}
