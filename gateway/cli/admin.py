"""Looking after the database and the keys that seal it: `db upgrade`, `keys generate|rotate`."""
from __future__ import annotations


import click

from gateway.cli import base
from gateway.settings import SettingsError


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply Alembic migrations up to the newest."""
    from store.migrate import upgrade

    settings = base.demo_keys_if_unset(base.settings())  # beside `serve --demo`: its database, its keys
    try:
        keyring = settings.keyring()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    upgrade(settings.database_url, keyring=keyring)
    click.echo(f"database at {base.redact(settings.database_url)} is up to date")


@click.group()
def keys() -> None:
    """The keys that seal ID numbers and raw messages at rest."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new data key and a new blind index key, as lines for .env."""
    from store.keyring import new_key

    click.echo(f"DATA_KEYS={new_key()}")
    click.echo(f"BLIND_INDEX_KEY={new_key()}")
    click.echo("To rotate, put only the new data key first (DATA_KEYS=new,old), restart every process, run "
               "`declgate keys rotate`, then drop the old key an hour later. Keep BLIND_INDEX_KEY for good: "
               "people are found by it.", err=True)


@keys.command("rotate")
@click.option("--batch", default=1000, show_default=True, help="Rows resealed per transaction.")
def keys_rotate(batch: int) -> None:
    """Reseal every stored value under the newest data key (the first in DATA_KEYS); stop and rerun at will."""
    from store.rotation import rotate

    rt = base.runtime(migrate=True)

    def show(step) -> None:
        click.echo(f"\r{step.column}: {step.done:,} of {step.total:,} resealed", nl=step.finished)

    resealed = rotate(rt.engine, rt.keyring, batch=batch, progress=show)
    click.echo(f"{sum(resealed.values()):,} values resealed; every stored value is now under key "
               f"{rt.keyring.primary_id}. Calls in progress keep their state under the old key for up to an hour: "
               "remove the old keys from DATA_KEYS after that.")
