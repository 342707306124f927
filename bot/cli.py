"""The operator's command line: `playtalk run`, `playtalk setting add`, backups, checks, the demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import eventloop
from bot.codes import JOIN_CODE_TTL, new_join_code, new_parent_code, parent_link
from bot.config import Config, ConfigError, load_config, redact_token
from bot.content import ContentError
from bot.i18n import CatalogError
from bot.store import StoreError, open_store
from bot.store.pg import without_password
from bot.webhook import WebhookError, add_run_arguments, from_args, run_until_stopped

log = logging.getLogger("playtalk")


class CliError(Exception):
    """Shown to the operator as one line, exit code 2."""


class RedactToken(logging.Filter):
    """Takes the bot token out of every record a handler writes: message, arguments,
    traceback and stack. bot/request.py already raises nothing that holds it; this
    is the second line, for whatever a library logs by itself (a URL, an exception's
    repr), which would hand anyone who reads the log control of the bot."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports that itself
            return True
        clean = redact_token(message, self.token)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_token(record.exc_text, self.token)
        if record.stack_info:
            record.stack_info = redact_token(record.stack_info, self.token)
        return True


def _setup_logging(level: str, token: str = "") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # On the handlers, not the root logger: a logger's filter sees only what is logged
    # on that logger itself, a handler's sees every record that reaches it.
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(RedactToken(token))
    # httpx logs every request URL at INFO, and a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # With max_retries=0 the limiter logs every 429 as an error before raising it;
    # the dispatcher records and postpones each one itself.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playtalk",
        description="playtalk: weekly play-and-talk ideas for families, and a digest for their nursery.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_run_arguments(sub.add_parser("run", help="run the bot (needs TELEGRAM_BOT_TOKEN)"))
    sandbox = sub.add_parser(
        "sandbox", help="serve the local Bot API stand-in to try the bot by hand"
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8081)
    sandbox.add_argument("--token", default="123456:SANDBOX-TOKEN")
    sub.add_parser("demo", help="run the whole loop offline and write ./demo-out/")

    setting = sub.add_parser("setting", help="nurseries and children's centres").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    add = setting.add_parser(
        "add", help="add a setting; prints the parent link and a lead's join code"
    )
    add.add_argument("name")
    add.add_argument("--timezone", default=None, help="defaults to PLAYTALK_TIMEZONE")
    add.add_argument("--bot-username", default=None, help="for the link, if no token is configured")
    setting.add_parser("list", help="list settings")

    code = sub.add_parser(
        "practitioner-code", help="a one-off join code for a setting's practitioner"
    )
    code.add_argument("setting", help="the setting's name or number")
    code.add_argument(
        "--role", choices=("practitioner", "lead", "safeguarding"), default="practitioner"
    )

    db = sub.add_parser("db", help="database tools").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    backup = db.add_parser("backup", help="a consistent copy, safe while the bot runs")
    backup.add_argument("path", type=Path)

    content = sub.add_parser("content", help="the activity library").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    content.add_parser("check", help="validate activities and translations; print coverage")

    i18n = sub.add_parser("i18n", help="translation catalogs").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    i18n.add_parser(
        "extract", help="rewrite locales/bot.pot and locales/content.pot from the sources"
    )
    i18n.add_parser("update", help="extract, then merge the templates into every locale's catalogs")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config()
        _setup_logging(config.log_level, config.token)
        return _dispatch(args, config)
    except (CliError, ConfigError, StoreError, CatalogError) as exc:
        print(f"playtalk: error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print("playtalk: error: the activity library has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, config: Config) -> int:
    if args.command == "run":
        return _run(config, args)
    if args.command == "sandbox":
        from bot.sandbox import serve_forever

        print(f"Sandbox Bot API on http://{args.host}:{args.port}/ (token {args.token})")
        print(
            f"Point the bot at it: TELEGRAM_API_BASE_URL=http://{args.host}:{args.port} "
            f"TELEGRAM_BOT_TOKEN={args.token} playtalk run"
        )
        asyncio.run(serve_forever(args.host, args.port, args.token, "playtalk_sandbox_bot"))
        return 0
    if args.command == "demo":
        from bot.demo import run_demo

        return int(run_demo())
    if args.command == "i18n":
        from bot.catalog_tools import run

        return run(args.action)
    if args.command == "content":
        from bot.content_check import run_check

        return run_check()
    return asyncio.run(_store_command(args, config))


def _run(config: Config, args: argparse.Namespace) -> int:
    from bot.app import Options, build_application

    config.require_token()
    try:
        webhook = from_args(args, config.api_root)
        # Check the database first: a schema from a newer playtalk must be refused with
        # one clear line, not after PTB has tried (and maybe failed) to reach Telegram.
        asyncio.run(_check_store(config))
        options = Options(
            max_rate=config.max_rate,
            dispatch_every=config.dispatch_seconds,
            dispatch=not args.no_dispatch,
            lease_seconds=config.lease_seconds,
        )
        app = build_application(config, options=options)
        log.info("starting playtalk with database %s", without_password(str(config.db_path)))
        eventloop.install()
        run_until_stopped(app, webhook)
    except WebhookError as exc:
        raise CliError(str(exc)) from None
    return 0


async def _check_store(config: Config) -> None:
    store = await open_store(config.db_path)
    await store.close()


async def _bot_username(config: Config, given: str | None) -> str | None:
    if given:
        return given.lstrip("@")
    if not config.token:
        return None
    from telegram import Bot

    try:
        async with Bot(config.token, base_url=config.base_url) as bot:
            return bot.username
    except Exception as exc:
        log.warning("could not ask Telegram for the bot's username: %s", type(exc).__name__)
        return None


async def _store_command(args: argparse.Namespace, config: Config) -> int:
    store = await open_store(config.db_path)
    try:
        if args.command == "setting" and args.action == "add":
            timezone = args.timezone or config.timezone
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise CliError(f"unknown time zone {timezone!r} (e.g. Europe/London)") from None
            name = " ".join(args.name.split())
            if not name or len(name) > 80:
                raise CliError("the setting's name must be 1 to 80 characters")
            setting = await store.add_setting(name, timezone, new_parent_code())
            code = new_join_code()
            await store.add_join_code(setting.id, code, "lead", JOIN_CODE_TTL)
            username = await _bot_username(config, args.bot_username)
            print(f"Added setting {setting.id}: {setting.name} ({timezone})")
            if username:
                print(f"Parent link:    {parent_link(username, setting.parent_code)}")
            else:
                print(f"Parent start code: {setting.parent_code}")
                print("  (set TELEGRAM_BOT_TOKEN or pass --bot-username to print the full link)")
            print(f"Lead join code: {code}  (send the bot: /join {code}; single use, 7 days)")
            return 0
        if args.command == "setting" and args.action == "list":
            settings = await store.list_settings()
            if not settings:
                print('No settings yet. Add one with: playtalk setting add "Sunflower Nursery"')
            for s in settings:
                staff = await store.setting_staff(s.id)
                families = len(await store.families_of_setting(s.id))
                print(f"{s.id}\t{s.name}\t{s.timezone}\t{len(staff)} staff\t{families} families")
                for person in staff:
                    if person.blocked_at is not None:
                        # Ids and roles only: an operator's terminal shows no names.
                        print(
                            f"  ! practitioner #{person.id} ({person.role}) cannot be reached"
                            f" since {person.blocked_at:%Y-%m-%d %H:%M} UTC: {person.blocked_reason}"
                        )
                waiting = await store.undelivered_alerts(s.id)
                if waiting:
                    print(
                        f"  ! {len(waiting)} safeguarding alert(s) reached nobody yet: add a lead"
                        " or safeguarding lead (playtalk practitioner-code SETTING --role"
                        " safeguarding)"
                    )
            return 0
        if args.command == "practitioner-code":
            found = (
                await store.get_setting(int(args.setting))
                if args.setting.isdigit()
                else await store.setting_by_name(args.setting)
            )
            if found is None:
                raise CliError(f"no setting called {args.setting!r} (see: playtalk setting list)")
            code = new_join_code()
            await store.add_join_code(found.id, code, args.role, JOIN_CODE_TTL)
            print(f"{args.role.capitalize()} join code for {found.name}: {code}")
            print(f"  (send the bot: /join {code}; single use, 7 days)")
            return 0
        if args.command == "db" and args.action == "backup":
            target: Path = args.path
            if target.exists():  # noqa: ASYNC240 - one stat before a backup
                raise CliError(f"{target} already exists; choose a new file name")
            if not target.parent.is_dir():
                raise CliError(f"folder {target.parent} does not exist")
            await store.backup(target)
            print(f"Backed up {config.db_path} to {target}")
            return 0
    finally:
        await store.close()
    raise CliError("unknown command")


if __name__ == "__main__":
    sys.exit(main())
