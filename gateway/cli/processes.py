"""Running the gateway: the web app with its own worker (`serve`), separate workers, and `requeue`."""
from __future__ import annotations

import datetime as dt
import ipaddress

import click

from gateway.cli import base
from gateway.settings import DEMO_BASE_URL, SettingsError


@click.command()
@click.option("--demo", is_flag=True, help="Seed demo data, enable the phone simulator, use demo secrets.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--expose-demo", is_flag=True,
              help="Let --demo listen on a non-loopback --host (its logins are printed, its simulator signs "
                   "webhooks for anyone): only on a network you trust.")
def serve(demo: bool, host: str, port: int, expose_demo: bool) -> None:
    """Run the web app and an in-process worker (embedded SQLite + queue unless DATABASE_URL/REDIS_URL are set)."""
    from gateway.app import create_app
    from gateway.worker import start_embedded_worker

    if demo and not _loopback(host):
        if not expose_demo:
            raise click.ClickException(
                f"--demo listens on loopback only, not on {host}: the demo prints its logins and its phone "
                "simulator posts signed webhooks for whoever reaches it. Use --host 127.0.0.1 (the default), "
                "or add --expose-demo if everyone on that network may use it.")
        click.secho(f"WARNING: the demo is reachable from other machines on {host}:{port}; anyone there can "
                    "use the printed logins and send SMS and calls through the simulator.", fg="red", err=True)
    settings = base.settings(demo=demo)
    if demo and settings.public_base_url == DEMO_BASE_URL:
        settings = settings.with_(public_base_url=f"http://{_url_host(host)}:{port}")  # what the simulator signs
    try:
        settings.check()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    rt = base.runtime(settings, migrate=True)
    app = create_app(settings, rt=rt)
    start_embedded_worker(rt)
    click.echo(f"declgate on http://{host}:{port}  database={base.redact(settings.database_url)}  "
               f"queue={'embedded' if settings.embedded else base.redact(settings.redis_url or '')}")
    if demo:
        from gateway import demo as demo_data

        logins = demo_data.seed(rt)
        demo_data.seed_rejected(rt)
        click.echo(f"demo landlord {demo_data.DEMO_LANDLORD} with properties 100001 (东街) and 100002 (西巷)")
        for user, password in logins.items():
            click.echo(f"officer login: {user} / {password}")
        click.echo(f"phone simulator: http://{host}:{port}/dev/phone   officer UI: http://{host}:{port}/review")
    from gateway.heap import freeze_startup

    freeze_startup()  # as gunicorn's processes do (gateway.web.gunicorn_config): no 100 ms full collections
    app.run(host=host, port=port, threaded=True, use_reloader=False)


def _loopback(host: str) -> bool:
    """Only this machine can reach `host`: localhost or a loopback address (names are not resolved)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker for the gateway's queue (needs REDIS_URL)."""
    from gateway.heap import freeze_startup
    from gateway.pipeline import drain  # noqa: F401 - the jobs' code, loaded before start-up is frozen
    from gateway.worker import run_process_worker

    settings = base.settings()
    if settings.embedded:
        raise click.ClickException("REDIS_URL is not set: a separate worker needs a real Redis. "
                                   "Set REDIS_URL (and DATABASE_URL), or use `declgate serve`, "
                                   "which runs its own worker.")
    rt = base.runtime(settings)
    freeze_startup()
    run_process_worker(rt, burst=burst)


@click.command()
@click.option("--older-than", default=0, show_default=True, help="Only messages received this many seconds ago.")
def requeue(older_than: int) -> None:
    """Re-enqueue inbound messages that no worker has handled yet."""
    from gateway.pipeline import queue

    settings = base.settings()
    if settings.embedded:
        raise click.ClickException("REDIS_URL is not set: the embedded queue lives inside `declgate serve`, "
                                   "which requeues stuck messages itself every 30 s. Set REDIS_URL to requeue "
                                   "for separate workers.")
    rt = base.runtime(settings)
    count = queue.requeue(rt, dt.timedelta(seconds=older_than))
    click.echo(f"requeued {count} message(s)")
