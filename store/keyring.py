"""The keys that seal ID numbers and raw messages at rest, and the keyed blind index used to find them.

A copied database file or backup must reveal no ID number, so every column that can hold one
stores a token instead (`store.sealed`). Tokens are AES-256-GCM (cryptography's AESGCM):
authenticated, so a tampered or misplaced token fails to open instead of decrypting to garbage.
AES-GCM rather than Fernet because it costs about 1.5 µs per value against Fernet's 25 µs
(measured here), and the webhook and the worker's batch seal or open several values per message.

A token is `g1:<key id>:<base64 of nonce + ciphertext + tag>`. The key id (derived from the key,
so operators never name keys) says which key sealed it: opening costs one decryption whatever the
number of keys, and `declgate keys rotate` selects the rows still under an older key in SQL. Each
value is sealed with its column as associated data, so a token copied into another column does not
open there. Nonces are 96 random bits: well inside AES-GCM's limits for the tens of millions of
values a campaign seals under one key, and rotation starts a fresh key anyway.

Equality on a token means nothing (every seal draws a new nonce), so exact look-ups use a blind
index: HMAC-SHA256 of the document type and number under BLIND_INDEX_KEY. It is keyed
because an ID number's structure (region, birth date, serial) is small enough to enumerate against
a plain hash, and it is a key of its own so that rotating the data keys never re-hashes anything.

Pure: no database, no environment. Keys arrive from `gateway.settings.Settings`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256; the blind index key is as long
NONCE_BYTES = 12
TOKEN_VERSION = "g1"


class KeyringError(ValueError):
    """A key that cannot be used (not 32 bytes of URL-safe base64, or listed twice)."""


class SealedDataError(Exception):
    """A stored value that these keys cannot open: a key missing from DATA_KEYS, or a tampered value."""


def new_key() -> str:
    """A fresh random key, as DATA_KEYS and BLIND_INDEX_KEY take it (URL-safe base64 of 32 bytes)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def decode_key(text: str, name: str) -> bytes:
    """The key's bytes; KeyringError says which setting is wrong and how to make a good one."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"{name} must be {KEY_BYTES} random bytes in URL-safe base64 (44 characters); "
                           "generate one with `declgate keys generate`")
    return raw


def key_id(raw: bytes) -> str:
    """A short public name for a data key: a hash of it, so the key itself is never written down."""
    return hashlib.sha256(b"declgate data key id\x00" + raw).hexdigest()[:8]


class Keyring:
    """Data keys (newest first: it seals, all of them open) and the blind index key."""

    def __init__(self, data_keys: Sequence[str], blind_index_key: str) -> None:
        if not data_keys:
            raise KeyringError("DATA_KEYS is empty; generate a key with `declgate keys generate`")
        self._ciphers: dict[str, AESGCM] = {}
        for position, text in enumerate(data_keys, start=1):
            raw = decode_key(text, f"DATA_KEYS entry {position}")
            kid = key_id(raw)
            if kid in self._ciphers:
                raise KeyringError(f"DATA_KEYS entry {position} is listed twice")
            self._ciphers[kid] = AESGCM(raw)
        self.primary_id = next(iter(self._ciphers))
        self._primary = self._ciphers[self.primary_id]
        self.current_prefix = f"{TOKEN_VERSION}:{self.primary_id}:"
        # HMAC's keyed inner and outer states, computed once and copied for each hash.
        self._index = hmac.new(decode_key(blind_index_key, "BLIND_INDEX_KEY"), digestmod=hashlib.sha256)

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    def seal(self, plaintext: str, context: str) -> str:
        """A token for `plaintext`, bound to `context` (the column it is stored in)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._primary.encrypt(nonce, plaintext.encode(), context.encode())
        return self.current_prefix + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str, context: str) -> str:
        """The plaintext of a token sealed for `context`; SealedDataError if no key here opens it."""
        version, _, rest = token.partition(":")
        kid, _, body = rest.partition(":")
        if version != TOKEN_VERSION or not body:
            raise SealedDataError(f"a {context} value is not sealed (is the database migrated?)")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise SealedDataError(f"a {context} value is sealed with key {kid}, which DATA_KEYS does not hold "
                                  "(was it removed before `declgate keys rotate` finished?)")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise SealedDataError(f"a {context} value does not open with key {kid}: altered, or moved "
                                  "from another column") from None

    def is_current(self, token: str) -> bool:
        """Whether the newest data key sealed this token (rotation leaves it alone)."""
        return token.startswith(self.current_prefix)

    def reseal(self, token: str, context: str) -> str:
        """The same plaintext sealed under the newest key (the token itself if it already is)."""
        return token if self.is_current(token) else self.seal(self.open(token, context), context)

    def document_hash(self, document_type: str, number: str) -> str:
        """The blind index of a document: HMAC-SHA256(BLIND_INDEX_KEY, "type:number"), hex.

        The number is hashed exactly as `people` stores it (the parser and the case import have
        normalised it already), so two numbers the old unique constraint told apart stay apart.
        """
        mac = self._index.copy()
        mac.update(f"{document_type}:{number}".encode())
        return mac.hexdigest()
