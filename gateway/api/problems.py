"""RFC 9457 problem details for every error of the JSON API, with the stable codes SMS replies use.

Nothing under /api/v1 answers HTML or plain text: a bad body, an unknown path, a wrong method, a body too
large all come back as application/problem+json. No problem repeats what the client sent (a field's
value may be an ID number); pydantic's messages name the field and the rule only.
"""
from __future__ import annotations

from typing import Any

from flask import Response, json, request
from werkzeug.exceptions import HTTPException

from parsers.codes import ALL_CODES
from parsers.replies import CATALOGS

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/problems/"  # a problem's `type`: one per kind, documented in docs/api.md

# API-only codes (the grammar's and pipeline's come from parsers with their SMS texts).
API_CODES: dict[str, tuple[str, str]] = {
    "invalid_request": ("请求字段不符合要求。", "A field of the request is missing or not allowed."),
    "unauthorized": ("请先登录。", "Log in first."),
    "bad_code": ("验证码错误或已过期。", "The code is wrong or has expired."),
    "rate_limited": ("请求过于频繁，请稍后再试。", "Too many requests; try again later."),
    "not_found": ("不存在。", "Not found."),
    "idempotency_key_reused": ("该Idempotency-Key已用于另一个请求。",
                               "This Idempotency-Key was used for another request."),
    "http_413": ("请求内容过大。", "The request body is too large."),
    "not_json": ("请求内容不是JSON对象：请以UTF-8编码的JSON发送，Content-Type为application/json。",
                 "The body is not a JSON object: send UTF-8 JSON with Content-Type: application/json."),
    "unavailable": ("服务暂时不可用，请稍后重试。", "The service is unavailable; try again later."),
    "bad_idempotency_key": ("Idempotency-Key须为1至200个字符。", "An Idempotency-Key has 1 to 200 characters."),
    "bad_credit_code": ("统一社会信用代码无效（18位，最后一位为校验码）。",
                        "The unified social credit code is not valid (18 characters, the last a check character)."),
    "landlords_only": ("只有房东本人可以管理代理人。", "Only the landlord manages their agents."),
    "employer_contacts_only": ("只有用工单位的联系人可以管理本单位的代理人，代理人不能转授权。",
                               "Only the employer's contacts manage its agents; an agent cannot pass a grant on."),
}


def language() -> str:
    """The language of the texts: the request's Accept-Language, Chinese by default."""
    best = request.accept_languages.best_match(["zh", "en"]) if request.accept_languages else None
    return best or "zh"


def code_text(code: str, lang: str | None = None) -> str:
    lang = lang or language()
    if code in API_CODES:
        return API_CODES[code][0 if lang == "zh" else 1]
    text = CATALOGS.get(lang, CATALOGS["zh"]).CODES.get(code)
    if text is None:
        described = ALL_CODES.get(code)
        return described.text(lang) if described else code
    return text.replace("{token}", "").rstrip(": ：")


def problem(status: int, code: str, *, title: str | None = None, detail: str | None = None,
            codes: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> Response:
    """A problem+json response whose `type` is the code's and whose `codes` say every reason."""
    body = {"type": TYPE_BASE + code, "title": title or code_text(code), "status": status,
            "codes": codes if codes is not None else [{"code": code, "text": code_text(code), "field": None}]}
    if detail:
        body["detail"] = detail
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def raise_field_problems(result) -> None:
    """A 422 with the SMS codes when a request's fields break the grammar's rules (nothing is stored)."""
    if result.errors:
        codes = [{"code": p.code, "text": code_text(p.code), "field": p.text or None} for p in result.errors]
        raise ApiProblem(problem(422, result.errors[0].code, codes=codes))


def from_http(exc: HTTPException) -> Response:
    """Any HTTP error under /api/v1 (404 of an unknown path, 405, 413) as a problem."""
    status = exc.code or 500
    code = {401: "unauthorized", 404: "not_found", 429: "rate_limited"}.get(status, f"http_{status}")
    limit = request.max_content_length if status == 413 else None
    detail = None if not limit else f"最多{limit:,}字节。" if language() == "zh" else f"At most {limit:,} bytes."
    response = problem(status, code, title=None if code in API_CODES or not code.startswith("http_") else exc.name,
                       detail=detail)
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


class ApiProblem(HTTPException):
    """Raised by a view to answer with a problem (werkzeug hands `response` back as it is)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response=response)


def validation_failed(req, resp, req_validation_error, instance, model_adapter=None) -> None:
    """spectree's hook: a body or query the models refuse is a 422 problem naming each field."""
    if req_validation_error is None:
        return
    if request.get_data(cache=True) and not (request.is_json and request.get_json(silent=True) is not None):
        raise ApiProblem(problem(422, "not_json"))
    codes = []
    for error in req_validation_error.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error.get("loc", ()))
        codes.append({"code": "invalid_request", "text": error.get("msg", ""), "field": field or None})
    raise ApiProblem(problem(422, "invalid_request", codes=codes or None))
