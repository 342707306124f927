"""The composition root: builds the python-telegram-bot Application and its jobs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import lease
from bot.buttons import ButtonSigner
from bot.clock import Clock
from bot.config import Config
from bot.content import load_library
from bot.handlers import (
    account,
    gate,
    notices,
    onboarding,
    practitioner,
    recordings,
    replies,
    router,
    staff_replies,
)
from bot.i18n import Catalogs
from bot.messages import N_
from bot.request import AiohttpRequest
from bot.safeguarding import Safeguarding
from bot.services import AppData, Ctx, Services
from bot.store import open_store
from scheduler import jobs
from scheduler.dispatch import flush_unrecorded

log = logging.getLogger(__name__)

PARENT_COMMANDS = (
    ("help", N_("What you can do")),
    ("settings", N_("Change language, day, time or children")),
    ("addchild", N_("Add another child")),
    ("pause", N_("Take a break")),
    ("resume", N_("Start again after a break")),
    ("stop", N_("Stop all messages")),
    ("mydata", N_("See everything we keep")),
    ("delete", N_("Delete everything about you")),
)


@dataclass(frozen=True)
class Options:
    """Knobs the demo, tests and benchmarks turn; the defaults are production's."""

    max_rate: float = 30.0
    # Share of ``max_rate`` the limiter paces sends at, and how many it lets out at once.
    # Telegram counts sends in a sliding second: a bucket that bursts (aiolimiter's
    # default burst is the whole rate) or a pace of exactly ``max_rate`` draws 429s from
    # jitter alone, and every 429 stops all sends for retry_after seconds.
    rate_headroom: float = 0.985
    rate_burst: float = 1.05
    dispatch_every: float = 10.0
    # Telegram allows about one message a second into one chat.
    per_chat_seconds: float = 1.05
    plan_every: float = 3600.0
    nudge_every: float = 3600.0
    digest_every: float = 600.0
    retention_every: float = 86400.0
    retry_base_seconds: float = 30.0
    schedule_jobs: bool = True
    # False: a receive-only process (``playtalk run --no-dispatch``, bot/webhook.py): no
    # tick, no urgent pass, no recovery of in-flight sends; another process does those.
    dispatch: bool = True
    # How long other dispatchers wait for a silent one before sending its claims again.
    lease_seconds: float = 15.0
    read_timeout: float = 10.0
    # Updates handled at once, and HTTP connections to the Bot API shared by handlers and jobs.
    concurrent_updates: int = 64
    connection_pool_size: int = 256


def build_application(
    config: Config, clock: Clock | None = None, options: Options | None = None
) -> Application:  # type: ignore[type-arg]
    opts = options or Options()
    clock = clock or Clock()
    builder = (
        ApplicationBuilder()
        .token(config.require_token())
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .request(
            AiohttpRequest(
                connection_pool_size=opts.connection_pool_size, read_timeout=opts.read_timeout
            )
        )
        # getUpdates holds its one connection open for the poll's timeout; PTB adds that
        # timeout to this read timeout.
        .get_updates_request(AiohttpRequest(connection_pool_size=1, read_timeout=opts.read_timeout))
        .concurrent_updates(opts.concurrent_updates)
        .context_types(ContextTypes(bot_data=AppData))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if opts.max_rate > 0:
        pace = opts.max_rate * opts.rate_headroom
        limiter = AIORateLimiter(
            overall_max_rate=opts.rate_burst,
            overall_time_period=opts.rate_burst / pace,
            # No retries inside the limiter: on a 429 it would pause every request of the
            # bot, for every family, for retry_after. The dispatcher postpones just that
            # delivery instead (scheduler/dispatch.py).
            max_retries=0,
        )
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    app = builder.build()
    app.bot_data.config = config
    app.bot_data.clock = clock
    app.bot_data.options = opts
    app.bot_data.ticker = jobs.Ticker(
        jobs.Intervals(
            plan=opts.plan_every,
            nudge=opts.nudge_every,
            digest=opts.digest_every,
            retention=opts.retention_every,
        )
    )
    _register_handlers(app)
    return app


def _register_handlers(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    new_messages = filters.UpdateType.MESSAGE
    commands = {
        "start": onboarding.start,
        "help": account.help_command,
        "settings": account.settings_command,
        "addchild": account.addchild_command,
        "pause": account.pause_command,
        "resume": account.resume_command,
        "stop": account.stop_command,
        "mydata": account.mydata_command,
        "delete": account.delete_command,
        "join": practitioner.join_command,
        "newcode": practitioner.newcode_command,
        "digest": practitioner.digest_command,
        "families": practitioner.families_command,
        "invite": practitioner.invite_command,
        "focus": practitioner.focus_command,
        "cancel": staff_replies.cancel,
        "notice": notices.notice_command,
        "record": recordings.record_command,
        "recordings": recordings.recordings_command,
    }
    # Safeguarding hears edits and words after a command too, before anything else runs.
    app.add_handler(
        MessageHandler(
            private & (filters.UpdateType.EDITED_MESSAGE | filters.COMMAND),
            gate.check_edits_and_command_words,
        ),
        group=-1,
    )
    app.add_handler(ChatMemberHandler(replies.on_group, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(~private & ~filters.UpdateType.EDITED, replies.on_group))
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=private & new_messages))
    app.add_handler(CallbackQueryHandler(router.on_callback))
    app.add_handler(
        MessageHandler(private & new_messages & filters.TEXT & ~filters.COMMAND, replies.on_text)
    )
    app.add_handler(
        MessageHandler(private & new_messages & (filters.PHOTO | filters.VOICE), replies.on_media)
    )
    app.add_handler(
        MessageHandler(private & new_messages & filters.COMMAND, replies.on_unknown_command)
    )
    app.add_handler(MessageHandler(private & new_messages, replies.on_unsupported))
    app.add_error_handler(_on_error)


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    config = app.bot_data.config
    clock = app.bot_data.clock
    opts: Options = app.bot_data.options
    catalogs = Catalogs()
    library = load_library()
    safeguarding = Safeguarding.load()
    store = await open_store(config.db_path, clock)
    services = Services(
        config=config,
        store=store,
        catalogs=catalogs,
        library=library,
        clock=clock,
        signer=ButtonSigner(await store.secret()),
        safeguarding=safeguarding,
        bot_username=app.bot.username,
        retry_base_seconds=opts.retry_base_seconds,
        per_chat_seconds=opts.per_chat_seconds,
    )
    if opts.dispatch:
        services.wake_dispatch = lambda: _dispatch_soon(app, services)
    app.bot_data.services = services
    if opts.dispatch:  # 'sending' rows of a live dispatcher are in flight: left alone
        rate = opts.max_rate * opts.rate_headroom
        app.bot_data.lease = await lease.become_dispatcher(services, rate, opts.lease_seconds)
    await _set_commands(app, catalogs)
    if opts.schedule_jobs and opts.dispatch and app.job_queue is not None:
        app.job_queue.run_repeating(
            jobs.tick_job, interval=opts.dispatch_every, first=0.5, name="tick"
        )
        # A plain task, not app.create_task: it never ends, and is cancelled at shutdown.
        app.bot_data.watchdog = asyncio.get_running_loop().create_task(
            jobs.watchdog(app.bot_data.ticker, app.job_queue, opts.dispatch_every),
            name="tick-watchdog",
        )
    log.info(
        "playtalk is up: %d activities, %d languages", len(library.activities), len(catalogs.codes)
    )


def _dispatch_soon(app: Application, services: Services) -> None:  # type: ignore[type-arg]
    """An alert was queued: send it now rather than at the next tick."""
    app.create_task(jobs.dispatch_now(app.bot, services), name="dispatch-now")


async def _set_commands(app: Application, catalogs: Catalogs) -> None:  # type: ignore[type-arg]
    for code in catalogs.codes:
        t = catalogs.for_locale(code)
        commands = [BotCommand(name, t.gettext(desc)) for name, desc in PARENT_COMMANDS]
        await app.bot.set_my_commands(commands, language_code=None if code == "en" else code)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    for task in (app.bot_data.watchdog, app.bot_data.lease):
        if task is not None:
            task.cancel()
    services: Services | None = getattr(app.bot_data, "services", None)
    if services is not None:
        if not await flush_unrecorded(services):
            log.error(
                "%d sends could not be recorded; they will be sent again at the next start",
                len(services.unrecorded),
            )
        await lease.give_back(services)
        await services.store.close()


async def _on_error(update: object, context: Ctx) -> None:
    """Log without message text, tell the user kindly, never crash the bot."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error handling update %s", update_id, exc_info=context.error)
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        services: Services | None = getattr(context.bot_data, "services", None)
        text = "Sorry, something went wrong on our side. Please try again in a moment."
        if services is not None:
            family = await services.store.family_by_chat(update.effective_chat.id)
            t = services.catalogs.for_locale(family.locale if family else "en")
            text = t.gettext(
                "Sorry, something went wrong on our side. Please try again in a moment."
            )
        try:
            await context.bot.send_message(update.effective_chat.id, text)
        except Exception:
            log.warning("could not tell the user about an error")


@asynccontextmanager
async def running(app: Application, poll_timeout: float = 1.0) -> AsyncIterator[Services]:  # type: ignore[type-arg]
    """Run the bot inside an event loop the caller owns (tests, demo, benchmarks)."""
    await app.initialize()
    await _post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=timedelta(seconds=poll_timeout))
    await app.start()
    try:
        yield app.bot_data.services
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await _post_shutdown(app)
