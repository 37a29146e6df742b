"""The worker's media step, and an officer's upload: download, check, strip, store, record.

A message with images is stored by the webhook with `media_state = pending` and given a job of its own
(gateway.pipeline.queue), which drains skip. That job first runs `fetch_pending` outside any transaction
(a download can take seconds), records every image's outcome with the message, and only then processes
the message, so the reply can already say whether the photo was usable. A timeout or a 5xx raises
MediaUnavailable and RQ runs the job again later; nothing is recorded until every image has an outcome. On the
job's last try (`final`) an image still unavailable is `bad_media` (`unavailable`) instead, so the text is processed
and the message reaches officers like any other bad image, rather than failing with the declaration unmade.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import requests

from gateway.media import fetch, images, storage
from gateway.runtime import Runtime
from gateway.settings import Settings
from store import media
from store.models import InboundMessage, MediaItem

log = logging.getLogger(__name__)

PENDING, FETCHED = "pending", "fetched"
_stores: dict[str | None, storage.MediaStore] = {}


def store_of(settings: Settings) -> storage.MediaStore:
    """One store per MEDIA_URL and process (a boto3 client is costly to build)."""
    key = settings.media_url or str(settings.instance_dir)
    if key not in _stores:
        _stores[key] = storage.store_for(settings)
    return _stores[key]


def keep(settings: Settings, data: bytes) -> tuple[str, int]:
    """Check, strip and store one image and its thumbnail; (key, stored size). BadImage when it is none."""
    if len(data) > fetch.MAX_BYTES:
        raise images.BadImage("too_large")
    cleaned = images.clean(data)
    key = storage.new_key()
    store = store_of(settings)
    store.put(key, cleaned.full)
    store.put(key + storage.THUMB, cleaned.thumb)
    return key, len(cleaned.full)


@dataclass
class _Outcome:
    position: int
    status: str
    content_type: str | None
    problem: str | None = None
    key: str | None = None
    size: int | None = None
    url: str | None = None  # to delete at Twilio once recorded


def fetch_pending(rt: Runtime, inbound_id: int, *, final: bool = False) -> None:
    """Download, check and store the images of a message whose media wait; record them and mark it fetched.

    `final`: no retry is left, so an image that cannot be had now is recorded as bad, not raised."""
    with rt.sessions() as session:
        inbound = session.get(InboundMessage, inbound_id)
        if inbound is None or inbound.media_state != PENDING:
            return
        items = list((inbound.payload or {}).get("media") or [])
    settings = rt.settings
    auth = (settings.twilio_account_sid, settings.twilio_auth_token) \
        if settings.twilio_account_sid and settings.twilio_auth_token else None
    http = requests.Session()
    outcomes = [_fetch_one(settings, http, auth, position, item, final) for position, item in enumerate(items)]
    with rt.sessions.begin() as session:
        inbound = session.get(InboundMessage, inbound_id, with_for_update=True)
        if inbound.media_state != PENDING:
            return  # another run of this job recorded them first
        for o in outcomes:
            session.add(MediaItem(inbound_id=inbound_id, position=o.position, status=o.status, problem=o.problem,
                                  key=o.key, content_type=(o.content_type or "")[:64] or None, size=o.size))
        inbound.media_state = FETCHED
    if settings.twilio_delete_media and auth is not None:
        for o in outcomes:
            if o.url:
                fetch.delete(o.url, allowed=settings.twilio_media_hosts, auth=auth, session=http)


def _fetch_one(settings: Settings, http: requests.Session, auth, position: int, item: dict,
               final: bool = False) -> _Outcome:
    url, declared = str(item.get("url") or ""), item.get("content_type")
    try:
        downloaded = fetch.download(url, allowed=settings.twilio_media_hosts, auth=auth, session=http)
    except fetch.MediaUnavailable:
        if not final:
            raise
        log.warning("media %d of a message still unavailable after the last retry: recorded as bad_media", position)
        return _Outcome(position, media.BAD, declared, problem="unavailable")
    except fetch.MediaRefused as exc:
        status = media.REFUSED if exc.problem == "host_not_allowed" else media.BAD
        return _Outcome(position, status, declared, problem=exc.problem)
    try:
        key, size = keep(settings, downloaded.data)
    except images.BadImage as exc:
        log.info("media %d of a message is not a usable image (%s)", position, exc.problem)
        return _Outcome(position, media.BAD, declared, problem=exc.problem)  # Twilio keeps its copy for officers
    return _Outcome(position, media.STORED, declared, key=key, size=size, url=url)
