"""What every command shares: the settings and the runtime, with errors a person can act on."""
from __future__ import annotations

import csv
import getpass
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError

from gateway.runtime import Runtime, build_runtime, install
from gateway.settings import DEMO_KEYS_FILE, Settings, SettingsError, demo_keys, load_settings
from store.migrate import upgrade


def settings(**overrides) -> Settings:
    """The deployment's settings; a missing or wrong one ends the command with what to set."""
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def runtime(chosen: Settings | None = None, *, migrate: bool = False) -> Runtime:
    """The runtime for a command (installed as the process's current one), the database migrated first if asked."""
    chosen = demo_keys_if_unset(chosen or settings())
    try:
        keyring = chosen.keyring()
        if migrate:
            upgrade(chosen.database_url, keyring=keyring)
        return install(build_runtime(chosen))
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise click.ClickException(f"the database at {redact(chosen.database_url)} does not answer: {reason}. "
                                   "Check DATABASE_URL (and that the server runs and the database exists), "
                                   "or unset it for the embedded SQLite database") from None


def demo_keys_if_unset(settings: Settings) -> Settings:
    """Commands run beside `serve --demo` (outbox, export, sms send) open its database with its keys, kept
    beside that database, when no keys are set; `serve` without --demo still requires them."""
    kept = Path(settings.instance_dir) / DEMO_KEYS_FILE
    embedded = Settings(instance_dir=settings.instance_dir).database_url
    if settings.data_keys or settings.database_url != embedded or not kept.exists():
        return settings
    data_keys, blind_index_key = demo_keys(kept)
    return settings.with_(data_keys=data_keys, blind_index_key=settings.blind_index_key or blind_index_key)


def read_password(from_stdin: bool, otherwise: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        raise click.ClickException(f"the two passwords differ; {otherwise}")
    return password


def redact(url: str) -> str:
    """A database or Redis URL fit to print: its password hidden."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def import_csv(rt: Runtime, file: Path, *, required: Sequence[str], columns: Sequence[str],
               apply: Callable[[object, dict[str, str]], list[str]]) -> None:
    """An all-or-nothing CSV import: `apply(session, row)` stores one row, or returns its problems.

    Every problem of every bad row is reported with its line number, and then nothing is written: a
    half-imported file is worse than none, since the second run would find some rows already there.
    """
    with file.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise click.ClickException(f"{file}: missing column(s) {', '.join(missing)}; "
                                       f"the header must be {','.join(columns)}")
        rows = list(reader)
    errors: list[str] = []
    bad_rows = 0
    session = rt.sessions()
    try:
        with session.begin():
            with click.progressbar(enumerate(rows, start=2), length=len(rows), label="enrolling",
                                   file=sys.stderr) as bar:
                for line, row in bar:
                    problems = apply(session, row)
                    if problems:
                        bad_rows += 1
                        errors.extend(f"line {line}: {problem}" for problem in problems)
            if errors:
                session.rollback()
    finally:
        session.close()
    if errors:
        for err in errors:
            click.echo(err, err=True)
        raise click.ClickException(f"{bad_rows} bad row(s) in {file}; nothing was imported. "
                                   "Fix them and run the import again.")
    click.echo(f"imported {len(rows)} row(s) from {file}")
