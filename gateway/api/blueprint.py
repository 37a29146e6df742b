"""The API's blueprint and its spectree instance, which every view module decorates with."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from spectree import SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from gateway.api.problems import validation_failed

PREFIX = "/api/v1"

spec = SpecTree(
    "flask", title="declgate API", version="1",
    description="Landlords declare their tenants: the same rules, codes and receipts as by SMS. See docs/api.md.",
    # spectree leaves out of the document every route under its own `path`, so it is not /api/v1: the
    # document is served by our own view below, at /api/v1/openapi.json.
    path="apidoc", mode="strict", page_templates={}, before=validation_failed, annotations=True,
    validation_error_status=422,
    # Plain model names in the document (spectree appends a hash by default): they are unique in schemas.py.
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer"))],
)

bp = Blueprint("api", __name__, url_prefix=PREFIX)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document, generated from the views and their models (once per process)."""
    spec.app = current_app  # what spectree walks for routes: every app of a process has the same ones
    return jsonify(spec.spec)
