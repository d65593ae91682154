"""The key that encrypts the case database (SQLCipher), and where it is kept.

Every database is opened with a raw 256-bit key (`PRAGMA key = "x'…'"`), so opening a file does not
pay SQLCipher's own slow passphrase derivation each time. The key comes from, in this order:

1. a key file named by `$OASYS_DIVERSITY_KEY_FILE` (servers, the tests and the demo): 64 hex digits;
   created with a new random key, owner-only, when it does not exist and the database is new;
2. the operating system's keyring (`keyring`: Keychain, Windows Credential Locker, Secret Service),
   service `oasys-diversity`, entry `database-key`; a new random key is stored there for a new
   database;
3. a passphrase, asked for once per process (the app's passphrase screen, or a prompt without echo
   on the command line). The key is derived from it with scrypt and the 16-byte salt SQLCipher keeps
   at the start of every encrypted file, so the file carries its own salt and nothing else needs
   keeping beside it; the derivation runs once per file per process.

A `db rekey` stores the new key as "next" before the file changes and the old one as "previous"
afterwards, so a crash part-way, or a backup made before the rekey, still opens: every open tries
the current key, then next, then previous.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from oasys_diversity.store_open import StoreError

KEY_FILE_ENV = "OASYS_DIVERSITY_KEY_FILE"
KEYRING_SERVICE = "oasys-diversity"
KEYRING_ENTRY = "database-key"
KEY_BYTES = 32
SALT_BYTES = 16
# scrypt at 2**15 x 8: about a tenth of a second and 32 MiB, once per file per process.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_CONTEXT = b"oasys-diversity/database-key@1:"
# Suffixes for the keys a rekey keeps beside the current one (file names and keyring entries).
NEXT, PREVIOUS = "next", "previous"


class KeyNeeded(StoreError):
    """No key file and no keyring: the officer must give a passphrase (`new` when it makes a new database)."""

    def __init__(self, message: str, *, new: bool) -> None:
        super().__init__(message)
        self.new = new


@dataclass(frozen=True)
class DatabaseKey:
    """A raw key (key file, keyring) or a passphrase, with where it came from for messages."""

    source: str
    raw: bytes | None = None
    passphrase: str | None = field(default=None, repr=False)

    def for_salt(self, salt: bytes) -> bytes:
        """The 32-byte key for a file with this salt: the raw key itself, or derived from the passphrase."""
        if self.raw is not None:
            return self.raw
        assert self.passphrase is not None
        return derive_key(self.passphrase, salt)

    def pragma(self, salt: bytes) -> str:
        """The value for `PRAGMA key` / `ATTACH … KEY`, in hex (only hex digits, safe to format into SQL).

        A raw key leaves the salt to SQLCipher (random for a new file, read from an existing one); a
        passphrase's key depends on the salt, so that salt is given with it.
        """
        if self.raw is not None:
            return f"x'{self.raw.hex()}'"
        return f"x'{self.for_salt(salt).hex()}{salt.hex()}'"


_derived: dict[tuple[str, bytes], bytes] = {}
_passphrase: str | None = None


def derive_key(passphrase: str, salt: bytes) -> bytes:
    """scrypt(passphrase, salt): once per (passphrase, salt) in this process."""
    cache_key = (passphrase, salt)
    if cache_key not in _derived:
        _derived[cache_key] = hashlib.scrypt(
            passphrase.encode("utf-8"),
            salt=SCRYPT_CONTEXT + salt,
            n=SCRYPT_N,
            r=SCRYPT_R,
            p=SCRYPT_P,
            maxmem=64 * 1024 * 1024,
            dklen=KEY_BYTES,
        )
    return _derived[cache_key]


def set_passphrase(passphrase: str) -> None:
    """The passphrase the officer typed: used for every database this process opens."""
    global _passphrase
    if not passphrase:
        raise StoreError("the passphrase is empty")
    _passphrase = passphrase


def has_passphrase() -> bool:
    return _passphrase is not None


def forget_passphrase() -> None:
    global _passphrase
    _passphrase = None
    _derived.clear()


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def new_raw_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


# ---------------------------------------------------------------------------------------------
# Key file
# ---------------------------------------------------------------------------------------------


def key_file_path() -> Path | None:
    named = os.environ.get(KEY_FILE_ENV)
    return Path(named).expanduser() if named else None


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(f"{path.name}.{suffix}")


def read_key_file(path: Path) -> bytes:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a named pipe would block the read for ever
            raise StoreError(f"the key file {path} is not a regular file")
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except FileNotFoundError:
        raise StoreError(f"the key file {path} does not exist (named by ${KEY_FILE_ENV})") from None
    except IsADirectoryError:
        raise StoreError(f"the key file {path} is a folder") from None
    except OSError as error:
        raise StoreError(f"cannot read the key file {path}: {error.strerror}") from None
    except ValueError:
        raise StoreError(f"the key file {path} does not hold a key (64 hex digits)") from None
    if len(key) != KEY_BYTES:
        raise StoreError(f"the key file {path} does not hold a key (64 hex digits)")
    return key


def write_key_file(path: Path, key: bytes, *, only_if_missing: bool = False) -> None:
    """Write a key owner-only, atomically: a crash leaves the old file or the new one, never half.

    With `only_if_missing`, a key file another process created meanwhile is kept (a hard link never
    replaces), so two processes making a first database at once end up with the same key.
    """
    temporary = _sibling(path, f"writing-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if only_if_missing:
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
            temporary.unlink()
        else:
            os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise StoreError(f"cannot write the key file {path}: {error.strerror}") from None


# ---------------------------------------------------------------------------------------------
# Keyring (imported only when no key file is named: it takes a moment to load)
# ---------------------------------------------------------------------------------------------


def _keyring_possible() -> bool:
    """False where no keyring can exist, so start-up does not spend a second loading every backend to find out.

    On Linux and the BSDs the keyrings (Secret Service, KWallet) are reached over the desktop's session
    bus: with no session bus (a server, CI, a console login) there is none. `PYTHON_KEYRING_BACKEND`
    chooses a backend explicitly and is always honoured.
    """
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))


def _keyring():
    """The keyring module when a real backend is available, else None."""
    if not _keyring_possible():
        return None
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration means "no keyring", not a crash
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return keyring


def _keyring_get(module, entry: str) -> bytes | None:
    try:
        text = module.get_password(KEYRING_SERVICE, entry)
    except Exception:  # locked or refusing keyring: treated as absent, the passphrase is asked for
        return None
    try:
        return bytes.fromhex(text) if text else None
    except ValueError:
        return None


def _keyring_set(module, entry: str, key: bytes | None) -> None:
    try:
        if key is None:
            try:
                module.delete_password(KEYRING_SERVICE, entry)
            except module.errors.PasswordDeleteError:
                pass
        else:
            module.set_password(KEYRING_SERVICE, entry, key.hex())
    except Exception as error:
        raise StoreError(f"the keyring refused to store the database key ({type(error).__name__})") from None


# ---------------------------------------------------------------------------------------------
# Choosing the key
# ---------------------------------------------------------------------------------------------


def _entry(suffix: str | None) -> str:
    return KEYRING_ENTRY if suffix is None else f"{KEYRING_ENTRY}-{suffix}"


def database_keys(*, new_database: bool) -> list[DatabaseKey]:
    """The keys to try, current first. Creates and stores a key for a new database when none exists.

    Raises `KeyNeeded` when only a passphrase can give one and none has been typed yet.
    """
    path = key_file_path()
    if path is not None:
        if not path.exists() and new_database:
            write_key_file(path, new_raw_key(), only_if_missing=True)
        keys = [DatabaseKey(f"the key file {path}", raw=read_key_file(path))]
        for suffix in (NEXT, PREVIOUS):
            extra = _sibling(path, suffix)
            if extra.is_file():
                keys.append(DatabaseKey(f"the key file {extra}", raw=read_key_file(extra)))
        return keys
    if _passphrase is not None:
        return [DatabaseKey("the passphrase", passphrase=_passphrase)]
    keyring = _keyring()
    if keyring is not None:
        current = _keyring_get(keyring, _entry(None))
        if current is None and new_database:
            current = new_raw_key()
            _keyring_set(keyring, _entry(None), current)
            if _keyring_get(keyring, _entry(None)) != current:
                raise StoreError("the keyring did not keep the database key; set a key file instead")
        if current is not None:
            keys = [DatabaseKey("the keyring", raw=current)]
            for suffix in (NEXT, PREVIOUS):
                extra = _keyring_get(keyring, _entry(suffix))
                if extra is not None:
                    keys.append(DatabaseKey(f"the keyring ({suffix})", raw=extra))
            return keys
    if new_database:
        raise KeyNeeded("choose a passphrase for the new case database", new=True)
    raise KeyNeeded("the case database is encrypted: enter its passphrase", new=False)


@dataclass
class KeyChange:
    """A rekey in progress: `stage` the new key before the file changes, `commit` it after."""

    old: DatabaseKey
    new: DatabaseKey

    def stage(self) -> None:
        path = key_file_path()
        if path is not None:
            write_key_file(_sibling(path, NEXT), self.new.raw or b"")
            return
        keyring = _keyring()
        if self.new.raw is not None and keyring is not None:
            _keyring_set(keyring, _entry(NEXT), self.new.raw)

    def abandon(self) -> None:
        """The file was not changed: forget the staged key."""
        path = key_file_path()
        if path is not None:
            _sibling(path, NEXT).unlink(missing_ok=True)
            return
        keyring = _keyring()
        if self.new.raw is not None and keyring is not None:
            _keyring_set(keyring, _entry(NEXT), None)

    def commit(self) -> None:
        """The file now uses the new key: make it current, keep the old one as previous."""
        global _passphrase
        path = key_file_path()
        if path is not None:
            if self.old.raw is not None:
                write_key_file(_sibling(path, PREVIOUS), self.old.raw)
            os.replace(_sibling(path, NEXT), path)
            return
        if self.new.passphrase is not None:
            _passphrase = self.new.passphrase
            return
        keyring = _keyring()
        if keyring is not None and self.new.raw is not None:
            if self.old.raw is not None:
                _keyring_set(keyring, _entry(PREVIOUS), self.old.raw)
            _keyring_set(keyring, _entry(None), self.new.raw)
            _keyring_set(keyring, _entry(NEXT), None)


def new_key_like(current: DatabaseKey, passphrase: str | None = None) -> DatabaseKey:
    """A new key of the same kind: a new passphrase when the current one is a passphrase, else random bytes."""
    if current.passphrase is not None:
        if not passphrase:
            raise StoreError("a new passphrase is needed")
        return DatabaseKey("the new passphrase", passphrase=passphrase)
    return DatabaseKey(current.source, raw=new_raw_key())
