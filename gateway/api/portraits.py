"""A portrait for a declared person, sent by the landlord's (or agent's) client: the web channel's `照片 <receipt>`.

The image is checked, stripped and stored by the same code as an MMS image or an officer's upload
(gateway.media), and only for a receipt the token may reach (store.agents.Acting): another landlord's receipt
is a 404, as if it did not exist. The body may be large (an image), so its limit is raised only after the
token was checked: a stranger cannot make the app read megabytes.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

from flask import jsonify, request
from spectree import Response as Responses

from gateway import runtime
from gateway.api.access import declarant_required, landlord_required
from gateway.api.blueprint import bp, spec
from gateway.api.declarations import BEARER, own_declaration
from gateway.api.problems import problem
from gateway.api.schemas import PortraitStored, Problem
from gateway.media import fetch, images, portraits
from gateway.web.uploads import MULTIPART_ALLOWANCE
from store import media
from store.models import MediaItem
from store.states import DeclarationStatus

TAG = "declarations"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


def _large_body(view: Callable) -> Callable:
    """Take an image-sized body, for a caller whose token was already checked."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        request.max_content_length = fetch.MAX_BYTES + MULTIPART_ALLOWANCE
        return view(*args, **kwargs)
    return wrapped


def _image() -> bytes:
    """The image: a multipart `portrait` file, or the body itself when sent as image/jpeg, png or webp."""
    upload = request.files.get("portrait")
    if upload is not None:
        return upload.read(fetch.MAX_BYTES + 1)
    if request.mimetype in IMAGE_TYPES:
        return request.get_data()[: fetch.MAX_BYTES + 1]
    return b""


@bp.post("/declarations/<receipt>/portrait")
@landlord_required
@_large_body
@spec.validate(resp=Responses(HTTP_200=PortraitStored, HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem,
                              HTTP_413=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def upload_portrait(receipt: str):
    """The portrait of the person declared with this receipt (a person without a document needs one):
    multipart field `portrait`, or the image as the body. JPEG, PNG or WebP, up to 5 MB; metadata is removed."""
    rt = runtime.current()
    data = _image()
    with rt.sessions.begin() as session:
        decl = own_declaration(session, receipt)
        if decl.status not in (DeclarationStatus.ACTIVE, DeclarationStatus.PENDING_REVIEW):
            return problem(404, "not_found")  # the person is no longer this landlord's tenant
        if not data:
            return problem(422, "missing_media")
        try:
            key, size = portraits.keep(rt.settings, data)
        except images.BadImage:
            return problem(422, "bad_media")
        item = MediaItem(status=media.STORED, key=key, size=size, content_type=(request.mimetype or "")[:64] or None)
        session.add(item)
        media.attach(item, decl)
    return jsonify({"receipt": receipt, "portrait": "stored"})
