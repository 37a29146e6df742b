"""The media stores: a folder by default, an S3 bucket with MEDIA_URL=s3://… (boto3 against a local S3 server)."""
from __future__ import annotations

import pytest

from gateway.media import storage
from gateway.settings import Settings, load_settings
from tests.constants import KEYS


@pytest.fixture
def s3(monkeypatch):
    """A local S3-compatible server (moto's), reached by boto3 through the usual AWS_* variables."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ENDPOINT_URL", f"http://{host}:{port}")):
        monkeypatch.setenv(name, value)
    import boto3
    import requests

    from gateway.media import portraits

    requests.post(f"http://{host}:{port}/moto-api/reset", timeout=10)  # moto keeps buckets per process
    monkeypatch.setattr(portraits, "_stores", {})  # a store built for another test's server
    boto3.client("s3").create_bucket(Bucket="portraits")
    yield
    server.stop()


def test_default_is_a_folder_under_the_instance(tmp_path):
    store = storage.store_for(Settings(instance_dir=tmp_path, **KEYS))
    assert isinstance(store, storage.FolderStore) and store.root == tmp_path / "media"
    store.put("portraits/ab/x.jpg", b"jpeg")
    assert (tmp_path / "media" / "portraits" / "ab" / "x.jpg").read_bytes() == b"jpeg"
    assert store.get("portraits/ab/x.jpg") == b"jpeg" and store.get("portraits/ab/none.jpg") is None
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


def test_s3_store_through_boto3(s3, monkeypatch):
    monkeypatch.setenv("MEDIA_URL", "s3://portraits/declgate/prod")
    store = storage.store_for(load_settings(env_file="/nonexistent"))
    assert isinstance(store, storage.S3Store)
    store.put("portraits/ab/x.jpg", b"jpeg bytes")
    assert store.get("portraits/ab/x.jpg") == b"jpeg bytes"
    assert store.get("portraits/ab/none.jpg") is None
    import boto3

    [obj] = boto3.client("s3").list_objects_v2(Bucket="portraits")["Contents"]
    assert obj["Key"] == "declgate/prod/portraits/ab/x.jpg"


def test_mms_portrait_lands_in_the_bucket(s3, client, enrolled, media_server, monkeypatch):
    """The whole path with the bucket as the store: the stripped image and its thumbnail are objects in it."""
    from tests.constants import LANDLORD
    from tests.gateway.media.helpers import MEDIA_PATH, media_of, mms, stored_image
    from tests.gateway.media.server import Served, picture

    from gateway import runtime

    live = runtime.current()  # the app's runtime, which the worker uses too
    live.settings = live.settings.with_(media_url="s3://portraits/mms")
    media_server.routes[MEDIA_PATH + "1"] = Served(body=picture(gps=True))
    response = mms(client, "登记 王小明 无证 302", LANDLORD, [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
    from tests.support import drain

    drain(enrolled)
    [item] = media_of(enrolled, response.sid)
    assert item.status == "stored" and not stored_image(live, item).getexif()
    import boto3

    keys = {o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="portraits")["Contents"]}
    assert keys == {f"mms/{item.key}", f"mms/{item.key}{storage.THUMB}"}


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("TWILIO_MEDIA_HOSTS", "api.twilio.com, 127.0.0.1:8080")
    monkeypatch.setenv("TWILIO_DELETE_MEDIA", "0")
    settings = load_settings(env_file="/nonexistent")
    assert settings.twilio_media_hosts == ("api.twilio.com", "127.0.0.1:8080")
    assert settings.twilio_delete_media is False
    monkeypatch.delenv("TWILIO_MEDIA_HOSTS")
    assert "api.twilio.com" in load_settings(env_file="/nonexistent").twilio_media_hosts
