"""Where portraits live: a folder under the instance directory by default, or an S3-compatible bucket.

`MEDIA_URL` picks one: unset, a path (or file://…) for a folder; `s3://bucket/prefix` for a bucket, reached
with boto3 and its usual settings (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, and
AWS_ENDPOINT_URL for a store that is not Amazon's). Keys are random: a key says nothing about its person.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from gateway.settings import Settings

THUMB = ".thumb.jpg"  # the thumbnail's key is the image's key + this


class MediaStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes | None: ...


def new_key() -> str:
    return f"portraits/{secrets.token_hex(2)}/{secrets.token_hex(16)}.jpg"


class FolderStore:
    """Files under one folder, written to a temporary name and renamed, so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("media key outside the store")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, path)

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None


class S3Store:
    """Objects in a bucket under a prefix (boto3, configured by the AWS_* environment variables)."""

    def __init__(self, bucket: str, prefix: str, client=None) -> None:
        if client is None:
            import boto3  # the `s3` extra: only a deployment that stores in a bucket needs it

            client = boto3.client("s3")
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType="image/jpeg")

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None


def store_for(settings: Settings) -> MediaStore:
    """The store MEDIA_URL names (instance/media when unset)."""
    url = settings.media_url
    if not url:
        return FolderStore(Path(settings.instance_dir) / "media")
    parts = urlsplit(url)
    if parts.scheme == "s3":
        return S3Store(parts.netloc, parts.path)
    if parts.scheme == "file":
        return FolderStore(Path(parts.path))
    return FolderStore(Path(url))
