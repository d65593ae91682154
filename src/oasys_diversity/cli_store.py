"""The command line's side of the encrypted store: the passphrase prompt, `db encrypt|rekey` and `backup`.

A passphrase is asked for only when no key file is named and no keyring is available, once per
command, without echo; at no terminal the command stops with one line saying how to give a key.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from oasys_diversity.store_key import KEY_FILE_ENV, KeyNeeded, set_passphrase
from oasys_diversity.store_open import StoreError, default_db_path

T = TypeVar("T")


class KeyCommandError(Exception):
    """One line for the command line to print (exit 1)."""


def ask_passphrase(prompt: str, *, confirm: bool) -> str:
    """Read a passphrase without echo; twice when it is a new one."""
    if not sys.stdin.isatty():
        raise KeyCommandError(
            f"the case database needs a key: set {KEY_FILE_ENV} to a key file, or run this at a terminal "
            "to type the passphrase"
        )
    passphrase = getpass.getpass(f"{prompt}: ")
    if not passphrase:
        raise KeyCommandError("no passphrase given; nothing was opened")
    if confirm and getpass.getpass("Type it again: ") != passphrase:
        raise KeyCommandError("the two passphrases differ; nothing was changed")
    return passphrase


def with_key(action: Callable[[], T]) -> T:
    """Run `action`; if it needs a passphrase, ask for it once and run it again."""
    try:
        return action()
    except KeyNeeded as needed:
        prompt = "New passphrase for the case database" if needed.new else "Passphrase for the case database"
        set_passphrase(ask_passphrase(prompt, confirm=needed.new))
    return action()


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    """`db encrypt`, `db rekey` and `backup` on the command line's parser."""
    db = sub.add_parser("db", parents=[common], help="encrypt the case database or change its key")
    dsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dsub.add_parser("encrypt", parents=[common], help="encrypt a plain (older) case database in place, atomically")
    dsub.add_parser("rekey", parents=[common], help="re-encrypt the case database with a new key")
    backup = sub.add_parser("backup", parents=[common], help="write, check or restore an encrypted backup")
    what = backup.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", type=Path, metavar="FILE", help="write a consistent encrypted copy to FILE")
    what.add_argument("--check", type=Path, metavar="FILE", help="check a backup opens and passes integrity_check")
    what.add_argument(
        "--restore", type=Path, metavar="FILE", help="replace the case database with a checked backup (app closed)"
    )
    backup.add_argument("--force", action="store_true", help="with --out: replace an existing file")
    backup.add_argument("--yes", action="store_true", help="with --restore: do not ask for confirmation")


def _database(args: argparse.Namespace) -> Path:
    return Path(args.db or default_db_path()).expanduser()


def cmd_db(args: argparse.Namespace) -> int:
    from oasys_diversity.store_admin import PLAIN_BACKUP_SUFFIX, encrypt_database, rekey_database
    from oasys_diversity.store_key import forget_passphrase

    path = _database(args)
    try:
        if args.db_command == "encrypt":
            done = with_key(lambda: encrypt_database(path))
            print(f"{path} is now encrypted ({done.cases} cases, key from {done.key.source}); ", end="")
            print(f"the plain copy {path.name}{PLAIN_BACKUP_SUFFIX} was checked against it, then wiped")
            return 0
        # The current key first (a passphrase is asked for if that is how the file is locked) …
        from oasys_diversity.store_key import database_keys

        current = with_key(lambda: database_keys(new_database=False)[0])
        new_passphrase = None
        if current.passphrase is not None:
            new_passphrase = ask_passphrase("New passphrase", confirm=True)
        done = rekey_database(path, new_passphrase)
        if new_passphrase is not None:
            forget_passphrase()
        print(
            f"{path} now uses a new key ({done.cases} cases); older backups open with the previous key, kept beside the current one; make a fresh backup now"
        )
        return 0
    except StoreError as error:
        raise KeyCommandError(str(error)) from None


def cmd_backup(args: argparse.Namespace) -> int:
    from oasys_diversity.store_admin import backup_database, check_backup, restore_database

    path = _database(args)
    try:
        if args.out is not None:
            done = with_key(lambda: backup_database(path, args.out, force=args.force))
            print(f"backup written to {done.path} ({done.cases} cases, encrypted, integrity_check ok)")
            return 0
        if args.check is not None:
            done = with_key(lambda: check_backup(args.check))
            print(f"{done.path}: opens with {done.key.source}, integrity_check ok, {done.cases} cases")
            return 0
        if not args.yes:
            if not sys.stdin.isatty():
                raise KeyCommandError("restoring needs --yes when not run at a terminal")
            reply = input(f"Replace {path} with the backup {args.restore}? Type 'restore' to confirm: ")
            if reply.strip() != "restore":
                print("nothing restored")
                return 1
        done, kept = with_key(lambda: restore_database(args.restore, path))
        print(f"{path} restored from {args.restore} ({done.cases} cases)")
        if kept is not None:
            print(f"the database it replaced is kept, encrypted, as {kept}")
        return 0
    except StoreError as error:
        raise KeyCommandError(str(error)) from None
