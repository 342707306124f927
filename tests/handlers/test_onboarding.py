"""The parent journey end to end: real PTB polling the sandbox over loopback HTTP."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import build_application, running
from bot.clock import Clock
from bot.handlers.onboarding import retention_notice
from bot.i18n import Catalogs, language_name
from bot.sandbox import Sandbox
from bot.services import NOTICE_VERSION
from tests.conftest import TEST_OPTIONS, BotEnv, make_config, start_bot
from tests.journey import enrol
from tests.storeview import table_counts


@pytest.mark.parametrize("lang", ["en", "pt", "so", "ar"])
async def test_whole_journey_in_each_language(env: BotEnv, lang: str) -> None:
    user = env.sandbox.user(1000, language_code=lang)
    await enrol(env, user, lang, names=("Amina",), birth=(2024, 3), weekday=2)

    family = await env.store.family_by_chat(user.id)
    assert family is not None
    assert family.locale == lang and family.status == "active"
    assert family.notice_version == NOTICE_VERSION
    assert abs((env.clock.now() - family.consent_at).total_seconds()) < 10
    assert (family.weekday, family.slot, family.cadence) == (2, "morning", 3)
    children = await env.store.children_of(family.id)
    assert [(c.first_name, c.birth_month) for c in children] == [("Amina", "2024-03")]
    t = env.t(lang)
    summary = user.last().plain
    # First delivery: Wednesday 25 November 2026, in the parent's own date format.
    from datetime import date

    assert t.date(date(2026, 11, 25), "full") in summary
    assert "Amina" in summary


async def test_language_menu_lists_every_language_negotiated_first(env: BotEnv) -> None:
    user = env.sandbox.user(1001, language_code="pt-br")
    [menu] = await env.say(user, f"/start {env.setting.parent_code}")
    assert menu.buttons[0] == language_name("pt")
    assert len(menu.buttons) == 9
    assert "العربية" in menu.buttons and "Soomaali" in menu.buttons


async def test_nothing_is_stored_before_consent_and_refusal_keeps_it_so(env: BotEnv) -> None:
    user = env.sandbox.user(1002, language_code="en")
    await env.say(user, f"/start {env.setting.parent_code}")
    await env.press(user, "English")
    counts_before = await table_counts(env.store, ["families", "children", "events"])
    [goodbye] = await env.press(user, "No thanks")
    assert "Nothing about you has been saved" in goodbye.plain
    assert await env.store.family_by_chat(user.id) is None
    assert await table_counts(env.store, ["families", "children", "events"]) == counts_before


async def test_unknown_link_is_explained_and_guessing_is_slowed(env: BotEnv) -> None:
    user = env.sandbox.user(1003)
    [reply] = await env.say(user, "/start not-a-real-code")
    assert "don't recognise that link" in reply.plain
    for _ in range(4):
        await env.say(user, "/start still-wrong")
    [slowed] = await env.say(user, f"/start {env.setting.parent_code}")
    assert "Too many tries" in slowed.plain
    [plain_start] = await env.say(env.sandbox.user(1004), "/start")
    assert "scan the QR code" in plain_start.plain


async def test_two_children_each_recorded(env: BotEnv) -> None:
    user = env.sandbox.user(1005)
    await enrol(env, user, names=("Kofi", None), birth=(2023, 1))
    family = await env.store.family_by_chat(user.id)
    assert family is not None
    children = await env.store.children_of(family.id)
    assert [c.first_name for c in children] == ["Kofi", None]
    assert "Kofi and your child" in user.last().plain  # Babel's list for English


async def test_start_again_when_enrolled_welcomes_back_without_duplicate(env: BotEnv) -> None:
    user = env.sandbox.user(1006)
    await enrol(env, user)
    [again] = await env.say(user, f"/start {env.setting.parent_code}")
    assert "already signed up" in again.plain
    assert (await table_counts(env.store, ["families"]))["families"] == 1


async def test_bad_names_future_months_and_text_instead_of_buttons(env: BotEnv) -> None:
    user = env.sandbox.user(1007)
    await env.say(user, f"/start {env.setting.parent_code}")
    await env.press(user, "English")
    [photo_q] = await env.press(user, "Yes, I agree")
    reask, again = await env.say(user, "hello?", replies=2)
    assert again.buttons == photo_q.buttons
    assert "choose one of the buttons" in reask.plain
    await env.press(user, "Yes, they may")
    for bad in ("<b>Amy</b>", "A" * 41, "Amy\x07", "12345"):
        [sorry] = await env.say(user, bad)
        assert "couldn't use that as a name" in sorry.plain
    await env.say(user, "Zoë")
    [month_q] = await env.press(user, "2026")
    # Only months up to now (November 2026) are offered; December is not.
    assert "Nov" in month_q.buttons and "Dec" not in month_q.buttons
    family = await env.store.family_by_chat(user.id)
    assert family is not None and family.draft_name == "Zoë"


async def test_restart_mid_journey_loses_nothing(sandbox, tmp_path: Path, clock) -> None:
    db = tmp_path / "restart.db"
    async with start_bot(sandbox, db, clock) as (bot, services):
        setting = await services.store.add_setting("Oak Centre", "Europe/London", "oak-code")
        env = BotEnv(sandbox, services, clock, setting, bot)
        user = sandbox.user(2000, language_code="so")
        await env.say(user, "/start oak-code")
        await env.press(user, language_name("so"))
    # The bot stops between the language and the consent question; the button still works.
    async with start_bot(sandbox, db, clock) as (bot, services):
        env = BotEnv(sandbox, services, clock, setting, bot)
        t = env.t("so")
        await env.press(user, t.gettext("Yes, I agree"))
        await env.press(user, t.gettext("Yes, they may"))
        await env.say(user, "Hodan")
    async with start_bot(sandbox, db, clock) as (bot, services):
        env = BotEnv(sandbox, services, clock, setting, bot)
        # Coming back later: /start picks up at the same question (the birth year).
        replies = await env.say(user, "/start oak-code", replies=2)
        assert "2026" in replies[-1].buttons
        family = await services.store.family_by_chat(user.id)
        assert family is not None and family.draft_name == "Hodan" and family.locale == "so"


async def test_group_chats_get_a_note_and_the_bot_leaves(env: BotEnv) -> None:
    user = env.sandbox.user(1008)
    env.sandbox.add_to_group(-5000, user)
    await env.sandbox.wait_until(lambda: any(m.chat_id == -5000 for m in env.sandbox.sent()))
    assert "private chat only" in env.sandbox.sent(-5000)[0].plain


async def test_stickers_and_locations_get_a_kind_answer(env: BotEnv) -> None:
    user = env.sandbox.user(1009)
    await enrol(env, user)
    before = len(user.messages())
    user.send_sticker()
    user.send_location()
    replies = (await user.wait_for_messages(before + 2))[before:]
    assert all("only read words, photos and voice notes" in r.plain for r in replies)
    assert (await table_counts(env.store, ["events"]))["events"] == 0


# -- /stop half-way through signing up, then back ---------------------------------------


@pytest.mark.parametrize("back", ["/start sunflower-code", "/start", "/resume"])
async def test_stop_during_sign_up_then_back_finishes_signing_up(env: BotEnv, back: str) -> None:
    user = env.sandbox.user(1010)
    await env.say(user, f"/start {env.setting.parent_code}")
    await env.press(user, "English")
    await env.press(user, "Yes, I agree")
    await env.press(user, "Yes, they may")
    await env.say(user, "Amy")
    [done] = await env.say(user, "/stop")
    assert "you won't get any more messages" in done.plain
    welcome, question = await env.say(user, back, replies=2)
    assert "carry on where we left off" in welcome.plain
    assert "2026" in question.buttons  # the birth year, where they stopped
    await env.press(user, "2024")
    await env.press(user, "Mar")
    await env.press(user, "No, that's all")
    await env.press(user, "Wednesday")
    await env.press(user, "Morning (9:30)")
    [summary] = await env.press(user, "Three short messages a week")
    assert "Amy" in summary.plain
    family = await env.store.family_by_chat(user.id)
    assert family is not None and family.status == "active"
    assert (family.weekday, family.slot, family.cadence) == (2, "morning", 3)
    children = await env.store.children_of(family.id)
    assert [(c.first_name, c.birth_month) for c in children] == [("Amy", "2024-03")]


# -- the consent notice states the configured retention ---------------------------------


async def test_consent_notice_states_the_configured_retention(
    sandbox: Sandbox, tmp_path: Path, clock: Clock
) -> None:
    config = replace(
        make_config(sandbox, tmp_path / "six.db"), retention_months=6, photo_retention_months=1
    )
    app = build_application(config, clock, TEST_OPTIONS)
    async with running(app) as services:
        setting = await services.store.add_setting("Oak Centre", "Europe/London", "oak-code")
        env = BotEnv(sandbox, services, clock, setting, app.bot)
        user = sandbox.user(1011)
        await env.say(user, "/start oak-code")
        [notice] = await env.press(user, "English")
    assert "replies are deleted after 6 months" in notice.plain
    assert "Photos and voice notes are deleted after 1 month." in notice.plain
    assert "12 months" not in notice.plain
    assert "/mydata" in notice.plain and "/delete" in notice.plain


def test_retention_notice_leaves_out_photos_kept_as_long_as_replies() -> None:
    t = Catalogs().for_locale("en")
    text = retention_notice(t, 1, 3)  # photos are never kept longer than their reply
    assert text.startswith("How long: replies are deleted after 1 month. You can see")
    assert "Photos" not in text
