from __future__ import annotations

import pytest

from tests.gateway.media.server import MediaServer
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN


@pytest.fixture
def media_server():
    server = MediaServer().start()
    yield server
    server.stop()


@pytest.fixture
def other_server():
    """A second server whose host is NOT in TWILIO_MEDIA_HOSTS: it must never see a request."""
    server = MediaServer().start()
    yield server
    server.stop()


@pytest.fixture
def cdn_server():
    """A second allowed host, standing in for Twilio's media CDN that the API host redirects to."""
    server = MediaServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings, media_server, cdn_server, tmp_path):
    """The suite's settings, with the local servers as Twilio's only media hosts and a folder store."""
    return settings.with_(twilio_media_hosts=(media_server.host, cdn_server.host), media_url=str(tmp_path / "media"),
                          twilio_account_sid=ACCOUNT_SID, twilio_auth_token=settings.twilio_auth_token)


__all__ = ["AUTH_TOKEN"]


@pytest.fixture
def rt(rt):
    """Replies go to the outbox even though an account SID is set (it is needed for the media's credentials)."""
    from gateway.outbound import OutboxSender

    rt.sender = OutboxSender()
    return rt
