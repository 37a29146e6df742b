"""Downloading an MMS image from Twilio, and deleting Twilio's copy afterwards.

A media URL comes in a signed webhook, but it is still a URL the gateway is asked to open with the account's
credentials: a forged or mistaken one must not make the worker reach an internal service (SSRF) or hand the
auth token to a stranger. So every hop, the first and each redirect, must be on `TWILIO_MEDIA_HOSTS` over
https (plain http only to a loopback host, which is what tests serve from); redirects are followed here, one
by one, never by the HTTP library; credentials go only to the host of the first URL; and the body is
streamed and abandoned past MAX_BYTES.
"""
from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024  # §9.2: a bigger image is bad_media
TIMEOUT = (5, 20)  # seconds to connect, and between two reads
MAX_REDIRECTS = 3
CHUNK = 64 * 1024


class MediaRefused(Exception):
    """A permanent failure: the URL or a redirect leaves the allowed hosts, Twilio says 4xx, or it is too big.

    `problem` is a stable word kept on the media row for officers."""

    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem = problem


class MediaUnavailable(Exception):
    """A transient failure (timeout, connection, 5xx): the job raises it and RQ tries again later."""


@dataclass(frozen=True)
class Downloaded:
    data: bytes
    content_type: str


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(url: str) -> str:
    """`host[:port]` of a URL, lower-case, as TWILIO_MEDIA_HOSTS lists them (the port only when given)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def check_url(url: str, allowed: tuple[str, ...]) -> None:
    """Refuse a URL that is not https on an allowed host (http only to an allowed loopback host)."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise MediaRefused("host_not_allowed", "bad port") from None
    host = host_of(url)
    if not parts.hostname or host not in allowed:
        # The host only: a media URL names the account and the message, nothing about a person.
        log.warning("refused a media URL on host %r: not in TWILIO_MEDIA_HOSTS", host)
        raise MediaRefused("host_not_allowed", host)
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)):
        return
    log.warning("refused a media URL on host %r: %s is not https", host, parts.scheme)
    raise MediaRefused("host_not_allowed", f"{parts.scheme} to {host}")


def download(url: str, *, allowed: tuple[str, ...], auth: tuple[str, str] | None,
             session: requests.Session | None = None) -> Downloaded:
    """The media's bytes, following at most MAX_REDIRECTS redirects, each checked against `allowed`."""
    http = session or requests.Session()
    first_host = host_of(url)
    for _ in range(MAX_REDIRECTS + 1):
        check_url(url, allowed)
        try:
            response = http.get(url, auth=auth if host_of(url) == first_host else None, timeout=TIMEOUT,
                                stream=True, allow_redirects=False)
        except requests.RequestException as exc:
            raise MediaUnavailable(f"{type(exc).__name__} from {host_of(url)}") from None
        with response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status_code >= 500 or response.status_code == 429:
                raise MediaUnavailable(f"HTTP {response.status_code} from {host_of(url)}")
            if response.status_code != 200:
                raise MediaRefused("http_error", f"HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise MediaRefused("too_large", declared)
            data = _read_capped(response, host_of(url))
            return Downloaded(data=data, content_type=response.headers.get("Content-Type", ""))
    raise MediaRefused("too_many_redirects")


def _read_capped(response: requests.Response, host: str) -> bytes:
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > MAX_BYTES:
                raise MediaRefused("too_large", f"more than {MAX_BYTES} bytes")
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise MediaUnavailable(f"{type(exc).__name__} reading from {host}") from None
    return b"".join(chunks)


def delete(url: str, *, allowed: tuple[str, ...], auth: tuple[str, str],
           session: requests.Session | None = None) -> bool:
    """Delete Twilio's copy (DELETE on the media resource): True when Twilio says it is gone.

    A failure is logged and otherwise ignored: our copy is stored, and Twilio's expires by itself.
    """
    try:
        check_url(url, allowed)
        response = (session or requests.Session()).delete(url, auth=auth, timeout=TIMEOUT, allow_redirects=False)
    except (MediaRefused, requests.RequestException) as exc:
        log.warning("could not delete a media item at Twilio (%s)", type(exc).__name__)
        return False
    if response.status_code in (200, 204, 404):
        return True
    log.warning("could not delete a media item at Twilio: HTTP %s", response.status_code)
    return False
