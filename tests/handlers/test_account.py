"""A parent's own account: help, settings, children, pause and resume, stop, data, deletion."""

from __future__ import annotations

import json

from bot.store import TABLES
from tests.conftest import BotEnv
from tests.journey import enrol


async def test_help_lists_the_commands_in_the_parents_language(env: BotEnv) -> None:
    user = env.sandbox.user(7000, language_code="pl")
    await enrol(env, user, "pl")
    [help_text] = await env.say(user, "/help")
    for command in ("/settings", "/pause", "/stop", "/mydata", "/delete"):
        assert command in help_text.plain
    assert env.t("pl").gettext("see everything we keep about you") in help_text.plain
    assert env.sandbox.command_languages()  # menus were set per language at start-up
    assert env.sandbox.commands("pl")


async def test_settings_change_day_time_cadence_language_and_photos(env: BotEnv) -> None:
    user = env.sandbox.user(7001)
    await enrol(env, user, weekday=2, cadence="Three short messages a week")
    await env.say(user, "/settings")
    await env.press(user, "Day and time")
    await env.press(user, "Friday")
    [summary] = await env.press(user, "Early evening (18:00)")
    assert "Friday" in summary.plain and "18:00" in summary.plain
    await env.say(user, "/settings")
    await env.press(user, "How often")
    await env.press(user, "One message a week")
    await env.say(user, "/settings")
    await env.press(user, "Photo sharing")
    await env.press(user, "No, keep them private")
    await env.say(user, "/settings")
    await env.press(user, "Language")
    await env.press(user, "Español")
    family = await env.store.family_by_chat(user.id)
    assert family is not None
    assert (family.weekday, family.slot, family.cadence, family.share_photos, family.locale) == (
        4,
        "evening",
        1,
        False,
        "es",
    )


async def test_add_change_and_remove_children(env: BotEnv) -> None:
    user = env.sandbox.user(7002)
    await enrol(env, user, names=("Ada",))
    await env.say(user, "/addchild")
    await env.say(user, "Ben")
    await env.press(user, "2025")
    await env.press(user, "Feb")
    await env.press(user, "No, that's all")
    family = await env.store.family_by_chat(user.id)
    assert family is not None
    assert [c.first_name for c in await env.store.children_of(family.id)] == ["Ada", "Ben"]
    await env.say(user, "/settings")
    await env.press(user, "Children")
    await env.press(user, "Change Ben")
    await env.say(user, "Benjamin")
    await env.press(user, "2025")
    await env.press(user, "Mar")
    await env.say(user, "/settings")
    await env.press(user, "Children")
    await env.press(user, "Remove Ada")
    children = await env.store.children_of(family.id)
    assert [(c.first_name, c.birth_month) for c in children] == [("Benjamin", "2025-03")]


async def test_pause_resume_stop_and_start_again(env: BotEnv) -> None:
    user = env.sandbox.user(7003)
    await enrol(env, user)
    await env.say(user, "/pause")
    [paused] = await env.press(user, "2 weeks")
    assert "Play ideas start again on" in paused.plain
    family = await env.store.family_by_chat(user.id)
    assert family is not None and family.status == "paused" and family.paused_until is not None
    await env.say(user, "/resume")
    assert (await env.store.family_by_chat(user.id)).status == "active"  # type: ignore[union-attr]
    [stopped] = await env.say(user, "STOP")
    assert "won't get any more messages" in stopped.plain
    assert (await env.store.family_by_chat(user.id)).status == "stopped"  # type: ignore[union-attr]
    [back] = await env.say(user, "/start")
    assert "Welcome back" in back.plain
    assert (await env.store.family_by_chat(user.id)).status == "active"  # type: ignore[union-attr]


async def test_mydata_is_a_json_document_of_everything_held(env: BotEnv) -> None:
    user = env.sandbox.user(7004)
    await enrol(env, user, names=("Noor",))
    await env.say(user, "We played!")
    [document] = await env.say(user, "/mydata")
    assert document.method == "sendDocument" and document.file_name == "playtalk-my-data.json"
    data = json.loads(env.sandbox.file_bytes(document.file_id or ""))
    assert data["family"][0]["chat_id"] == user.id
    assert data["children"][0]["first_name"] == "Noor"
    assert data["replies"][0]["text"] == "We played!"


async def test_delete_erases_every_row_about_the_family(env: BotEnv) -> None:
    user = env.sandbox.user(7005, language_code="ar")
    await enrol(env, user, "ar", names=("Omar",))
    await env.say(user, "شكرا")
    other = env.sandbox.user(7006)
    await enrol(env, other, names=("Eve",))
    t = env.t("ar")
    await env.say(user, "/delete")
    await env.press(user, t.gettext("No, keep it"), replies=0)
    assert await env.store.family_by_chat(user.id) is not None
    await env.say(user, "/delete")
    [gone] = await env.press(user, t.gettext("Yes, delete everything"))
    farewell = (
        "Everything about your family has been deleted. Thank you for playing with us. Goodbye!"
    )
    assert gone.plain == t.gettext(farewell) != farewell
    assert await env.store.family_by_chat(user.id) is None
    for table in TABLES:
        for row in await env.store.fetchall(f"SELECT * FROM {table}"):  # noqa: S608
            values = [str(v) for v in tuple(row)]
            assert str(user.id) not in values and "Omar" not in values and "شكرا" not in values
    assert await env.store.family_by_chat(other.id) is not None
