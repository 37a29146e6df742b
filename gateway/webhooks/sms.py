"""The Twilio Messaging webhook: verify, store, queue, answer empty TwiML."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from gateway.pipeline import intake, outage, queue, replay, spool
from gateway.webhooks.signature import signed

bp = Blueprint("sms", __name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_MEDIA = 10  # Twilio delivers at most 10 media per MMS
MAX_BODY_CHARS = 1600 * 4  # Twilio concatenates at most 1600 characters; anything far beyond is not a real SMS


def twiml(xml: str = EMPTY_TWIML, status: int = 200) -> Response:
    return Response(xml, status=status, mimetype="text/xml")


@bp.post("/sms")
@signed
def inbound_sms() -> Response:
    """Store an inbound SMS once per MessageSid and queue it; the reply goes out from the worker."""
    form = request.form
    sid = form.get("MessageSid") or form.get("SmsSid")
    sender = form.get("From", "").strip()
    to = form.get("To", "").strip()
    # PostgreSQL cannot store NUL: a body keeps its place marked, header junk is refused (never a 503 loop).
    body = form.get("Body", "").replace("\x00", "\ufffd")
    if not sid or not sender or len(sid) > 64 or len(sender) > 32 or len(to) > 32 \
            or "\x00" in sid + sender + to:
        return Response("MessageSid and From are required (To, if given, a phone number)\n", status=400,
                        mimetype="text/plain")
    if len(body) > MAX_BODY_CHARS:
        return Response("Body too long\n", status=413, mimetype="text/plain")
    media = _media(form)
    if media is None:
        return Response("NumMedia, MediaUrl{N} and MediaContentType{N} do not agree\n", status=400,
                        mimetype="text/plain")
    rt = current_app.extensions["declgate"]
    held = spool.spool_for(rt)
    try:
        if not held.waiting():  # while earlier messages wait in the spool, this one joins them: none overtakes
            # A new text-only message wakes the drain once it is committed; a Twilio retry of a stored SID
            # does nothing more (the sweep covers a lost wake-up).
            inbound_id, new = intake.store_sms(rt, sid=sid, from_number=sender, to_number=to, body=body,
                                               media=[{"url": u, "content_type": c} for u, c in media],
                                               wake=not media)
            if new and media:  # its own job downloads the images (never this request), then processes it
                queue.enqueue(rt, inbound_id)
            return twiml()
    except outage.DATABASE_ERRORS as exc:
        if not outage.database_unavailable(exc):
            raise
    return _spool(rt, held, spool.Entry(sid=sid, from_number=sender, to_number=to, body=body, media=tuple(media)))


def _media(form) -> tuple[tuple[str, str], ...] | None:
    """The MMS images' (url, content type), in MediaUrl order; None when the fields make no sense.

    Only what Twilio said is kept: the worker downloads each one later, from allowed hosts only.
    """
    count = form.get("NumMedia", "0").strip() or "0"
    if not count.isdigit() or int(count) > MAX_MEDIA:
        return None
    found = []
    for n in range(int(count)):
        url, kind = form.get(f"MediaUrl{n}", "").strip(), form.get(f"MediaContentType{n}", "").strip()
        if not url or len(url) > 1000 or len(kind) > 100 or "\x00" in url + kind:
            return None
        found.append((url, kind))
    return tuple(found)


def _spool(rt, held: spool.Spool, entry: spool.Entry) -> Response:
    """Keep the message for the replay and answer as if stored; 503 only when not even the disk takes it."""
    try:
        held.write(entry)
    except spool.SpoolUnavailable:
        return Response("cannot store the message now, retry later\n", status=503, mimetype="text/plain")
    replay.drain_in_background(rt)
    return twiml()
