"""Helpers for tests that look beneath the store: a keyed raw connection, and the file's pages decrypted.

`raw` opens a database as the store would (SQLCipher, the test's key) but without any checks, to
inspect or tamper with it; for a plain SQLite file (or a new one made on purpose as plain) it is
an ordinary connection. `decrypted_pages` decrypts every page of an encrypted file by hand (AES-256-
CBC, SQLCipher 4's page layout), free pages included, so a test can prove words are gone from the
file itself and not only from its tables.
"""

from __future__ import annotations

from pathlib import Path

from oasys_diversity.store_key import database_keys
from oasys_diversity.store_open import SQLITE_HEADER, apply_key, connect, read_header

PAGE_SIZE = 4096
# SQLCipher 4 keeps an IV (16 bytes) and an HMAC-SHA512 (64 bytes) at the end of every page.
RESERVE = 80
SALT = 16


def current_key() -> bytes:
    key = database_keys(new_database=False)[0]
    assert key.raw is not None
    return key.raw


def raw(path: Path, *, plain: bool = False):
    """A connection with no checks and autocommit: keyed for an encrypted file, plain when asked or plain already."""
    conn = connect(str(path))
    conn.isolation_level = None
    exists = path.exists() and path.stat().st_size > 0
    if not plain and not (exists and read_header(path) == SQLITE_HEADER):
        apply_key(conn, database_keys(new_database=not exists)[0], read_header(path) if exists else b"")
    return conn


def decrypted_pages(path: Path, key: bytes | None = None) -> bytes:
    """Every page of the main file decrypted with the raw key (the file's -wal is not included)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = key or current_key()
    data = path.read_bytes()
    plain = bytearray()
    for start in range(0, len(data), PAGE_SIZE):
        page = data[start : start + PAGE_SIZE]
        offset = SALT if start == 0 else 0
        iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        plain += decryptor.update(page[offset : PAGE_SIZE - RESERVE]) + decryptor.finalize()
    return bytes(plain)
