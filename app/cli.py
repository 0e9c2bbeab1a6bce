"""Operations from the command line.

python -m app serve                 run the web service (HOST, PORT, WORKERS)
python -m app worker                run only the delivery worker (set WORKER_IN_PROCESS=false
                                    on the web instances when you do)
python -m app list [--state S]      submissions: id, widget, time, state (no personal data)
python -m app stats                 delivery statistics
python -m app retry ID | --all-dead put dead submissions back in the queue
python -m app release ID [ID ...]   send held submissions (their trap field was filled)
python -m app retention             strip personal data older than RETENTION_DAYS
python -m app erase EMAIL           erase one person's data (UK GDPR)
python -m app migrate               bring the database schema up to date (start-up does it too)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from app.delivery import running_delivery
from app.logs import configure_logging
from app.settings import Settings, SettingsError, load_settings
from app.store import STATES, SchemaNotRecognised, Store
from app.validation import normalise_email
from app.widgets import load_widgets

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        load_widgets(settings)  # validate the whole configuration before doing anything
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    if args.command == "serve":
        _serve(settings)
        return
    configure_logging(settings.log_level, settings.log_format)
    handler = COMMANDS[args.command]
    raise SystemExit(asyncio.run(handler(settings, args)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the web service")
    sub.add_parser("worker", help="run the delivery worker on its own")
    listing = sub.add_parser("list", help="list submissions by state")
    listing.add_argument("--state", choices=STATES)
    listing.add_argument("--limit", type=int, default=50)
    sub.add_parser("stats", help="delivery statistics")
    retry = sub.add_parser("retry", help="retry dead submissions")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?")
    which.add_argument("--all-dead", action="store_true")
    release = sub.add_parser(
        "release", help="send held submissions (the form's trap field was filled)"
    )
    release.add_argument("ids", nargs="+", metavar="ID")
    sub.add_parser("retention", help="apply the retention period now")
    erase = sub.add_parser("erase", help="erase a person's data by email address")
    erase.add_argument("email")
    sub.add_parser("migrate", help="bring the database schema up to date")
    return parser


def _serve(settings: Settings, target: str = "app.asgi:app") -> None:
    import uvicorn

    from app.metrics import prepare_multiprocess

    prepare_multiprocess(settings.workers)  # before the workers start: they share the counts
    uvicorn.run(
        target,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        log_config=None,
        server_header=False,
        # Named, not left to "auto": a missing wheel then fails loudly instead of quietly
        # serving on the slower pure-Python event loop and HTTP parser.
        loop="uvloop",
        http="httptools",
    )


@contextlib.asynccontextmanager
async def _with_store(settings: Settings) -> AsyncIterator[Store]:
    store = Store.connect(settings.async_database_url, settings.signing_key)
    try:
        await store.migrate()
        yield store
    finally:
        await store.close()


async def _worker(settings: Settings, _: argparse.Namespace) -> int:
    widgets = load_widgets(settings)
    sandbox_app = None
    if any(w.uses_sandbox for w in widgets.values()):
        from app.sandbox.server import create_sandbox_app

        sandbox_app = create_sandbox_app()
        log.warning("sandbox: widgets without a Lead API key deliver to this worker's own sandbox")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with running_delivery(settings, widgets, stop, worker=True, sandbox_app=sandbox_app):
        await stop.wait()
    return 0


async def _list(settings: Settings, args: argparse.Namespace) -> int:
    async with _with_store(settings) as store:
        rows = await store.list_by_state(args.state, args.limit)
    print(f"{'id':<34}{'widget':<16}{'created (UTC)':<22}{'state':<11}attempts")
    for row in rows:
        print(
            f"{row['id']:<34}{row['widget_id']:<16}"
            f"{row['created_at']:%Y-%m-%d %H:%M:%S}   {row['state']:<11}{row['attempts']}"
        )
    return 0


async def _stats(settings: Settings, _: argparse.Namespace) -> int:
    async with _with_store(settings) as store:
        stats = await store.delivery_stats()
    print(json.dumps(stats, indent=2))
    return 0


async def _retry(settings: Settings, args: argparse.Namespace) -> int:
    async with _with_store(settings) as store:
        count = await store.retry_dead(None if args.all_dead else args.id)
    print(f"{count} submission(s) queued for delivery")
    return 0 if count or args.all_dead else 1


async def _release(settings: Settings, args: argparse.Namespace) -> int:
    async with _with_store(settings) as store:
        released = [i for i in args.ids if await store.release_held(i)]
    for submission_id in args.ids:
        if submission_id not in released:
            print(
                f"{submission_id}: not released (no held submission with this id still has its "
                "personal data)",
                file=sys.stderr,
            )
    print(f"{len(released)} submission(s) released for delivery")
    return 0 if len(released) == len(args.ids) else 1


async def _retention(settings: Settings, _: argparse.Namespace) -> int:
    async with _with_store(settings) as store:
        count = await store.apply_retention(settings.retention_days)
    print(
        f"personal data removed from {count} submission(s) older than "
        f"{settings.retention_days} days"
    )
    return 0


async def _erase(settings: Settings, args: argparse.Namespace) -> int:
    # Leads store the address as sent (an internationalised domain in its xn-- form); rows
    # stored before that hold it as typed. Look for both, once each.
    sent = normalise_email(args.email)
    async with _with_store(settings) as store:
        forms = {store.email_digest(form): form for form in (args.email, sent) if form}
        count = sum([await store.erase_email(form) for form in forms.values()])
    print(f"personal data erased from {count} submission(s)")
    return 0


async def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    store = Store.connect(settings.async_database_url, settings.signing_key)
    try:
        upgrade = await store.migrate()
    except SchemaNotRecognised as exc:
        print(f"not migrated: {exc}", file=sys.stderr)
        return 1
    finally:
        await store.close()
    if upgrade.ahead:
        print(f"schema at {upgrade.after}, from a later release: left as it is")
    elif upgrade.changed:
        print(f"schema upgraded from {upgrade.before or 'an empty database'} to {upgrade.after}")
    else:
        print(f"schema already at the latest revision, {upgrade.after}")
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "worker": _worker,
    "list": _list,
    "stats": _stats,
    "retry": _retry,
    "release": _release,
    "retention": _retention,
    "erase": _erase,
    "migrate": _migrate,
}
