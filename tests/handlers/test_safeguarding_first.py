"""Safeguarding comes first in every state: worrying words reach the lead whatever the step.

A family signing up, adding a child, changing a name while paused, or stopped half-way
through signing up: the words are checked before anything else, the designated
safeguarding lead receives the alert through the outbox, the parent gets the kind reply
with 999 and the NSPCC line, and a question they were answering is asked again.
"""

from __future__ import annotations

from datetime import timedelta

from bot.codes import new_join_code
from bot.sandbox import SandboxUser, SentMessage
from tests.conftest import BotEnv
from tests.factories import active_family
from tests.storeview import count_events, table_counts

WORRY = "I don't know who to tell, my partner hits me when he drinks"
NAME_QUESTION = "What is your child's first name?"


async def _safeguarding_lead(env: BotEnv, chat_id: int = 7000) -> SandboxUser:
    lead = env.sandbox.user(chat_id)
    code = new_join_code()
    await env.store.add_join_code(env.setting.id, code, "safeguarding", timedelta(days=7))
    await env.say(lead, f"/join {code}", replies=2)
    return lead


async def _alert_for(lead: SandboxUser, before: int) -> SentMessage:
    """The next message the lead receives (sent by the dispatcher from the outbox)."""
    return (await lead.wait_for_messages(before + 1))[before]


def _is_kind_reply(message: SentMessage) -> bool:
    text = message.plain
    return "safeguarding lead" in text and "999" in text and "0808 800 5000" in text


async def _at_name_step_of_sign_up(env: BotEnv, parent: SandboxUser) -> None:
    await env.say(parent, f"/start {env.setting.parent_code}")
    await env.press(parent, "English")
    await env.press(parent, "Yes, I agree")
    [question] = await env.press(parent, "Yes, they may")
    assert NAME_QUESTION in question.plain


async def test_worry_at_the_child_name_step_of_sign_up(env: BotEnv) -> None:
    lead = await _safeguarding_lead(env)
    parent = env.sandbox.user(7100)
    await _at_name_step_of_sign_up(env, parent)
    before = len(lead.messages())
    kind, again = await env.say(parent, WORRY, replies=2)
    assert _is_kind_reply(kind)
    assert NAME_QUESTION in again.plain and "Skip" in again.buttons
    alert = await _alert_for(lead, before)
    assert "Safeguarding alert" in alert.plain and WORRY in alert.plain
    # The worry was not taken as a name, and signing up carries on.
    [year_question] = await env.say(parent, "Amy")
    assert "2026" in year_question.buttons
    family = await env.store.family_by_chat(parent.id)
    assert family is not None and family.draft_name == "Amy"


async def test_worry_in_a_photo_caption_at_a_button_step(env: BotEnv) -> None:
    lead = await _safeguarding_lead(env)
    parent = env.sandbox.user(7101)
    await env.say(parent, f"/start {env.setting.parent_code}")
    await env.press(parent, "English")
    [photo_question] = await env.press(parent, "Yes, I agree")
    before, seen = len(lead.messages()), len(parent.messages())
    parent.send_photo(caption=WORRY)
    kind, again = (await parent.wait_for_messages(seen + 2))[seen:]
    assert _is_kind_reply(kind)
    assert again.buttons == photo_question.buttons
    alert = await _alert_for(lead, before)
    assert WORRY in alert.plain
    assert await count_events(env.store) == 0


async def test_worry_while_adding_a_child(env: BotEnv) -> None:
    lead = await _safeguarding_lead(env)
    parent = env.sandbox.user(7102)
    await active_family(env.store, env.setting.id, parent.id, children=(("Kofi", "2023-05"),))
    [question] = await env.say(parent, "/addchild")
    assert NAME_QUESTION in question.plain
    before = len(lead.messages())
    kind, again = await env.say(parent, WORRY, replies=2)
    assert _is_kind_reply(kind) and NAME_QUESTION in again.plain
    alert = await _alert_for(lead, before)
    assert WORRY in alert.plain and "Kofi" in alert.plain
    assert [c.first_name for c in await env.store.children_of(1)] == ["Kofi"]


async def test_worry_while_paused_and_changing_a_name_in_settings(env: BotEnv) -> None:
    lead = await _safeguarding_lead(env)
    parent = env.sandbox.user(7103)
    family, _children = await active_family(env.store, env.setting.id, parent.id)
    await env.say(parent, "/pause")
    await env.press(parent, "2 weeks")
    await env.say(parent, "/settings")
    await env.press(parent, "Children")
    [question] = await env.press(parent, "Change Amy")
    assert NAME_QUESTION in question.plain
    before = len(lead.messages())
    kind, again = await env.say(parent, WORRY, replies=2)
    assert _is_kind_reply(kind) and NAME_QUESTION in again.plain
    assert WORRY in (await _alert_for(lead, before)).plain
    fresh = await env.store.get_family(family.id)
    assert fresh is not None and fresh.status == "paused"
    assert [c.first_name for c in await env.store.children_of(family.id)] == ["Amy"]


async def test_worry_after_stopping_half_way_through_sign_up(env: BotEnv) -> None:
    lead = await _safeguarding_lead(env)
    parent = env.sandbox.user(7104)
    await _at_name_step_of_sign_up(env, parent)
    [done] = await env.say(parent, "/stop")
    assert "you won't get any more messages" in done.plain
    before = len(lead.messages())
    [kind] = await env.say(parent, WORRY)  # kind reply only: they asked for no more questions
    assert _is_kind_reply(kind)
    assert WORRY in (await _alert_for(lead, before)).plain
    family = await env.store.family_by_chat(parent.id)
    assert family is not None and family.status == "stopped" and family.draft_name is None


async def test_worry_before_consent_gets_the_helplines_and_nothing_is_kept(env: BotEnv) -> None:
    lead = await _safeguarding_lead(env)
    parent = env.sandbox.user(7105)
    await env.say(parent, f"/start {env.setting.parent_code}")
    [consent] = await env.press(parent, "English")
    assert "Yes, I agree" in consent.buttons
    tables = ["families", "children", "events", "safeguarding_alerts", "deliveries"]
    counts = await table_counts(env.store, tables)
    before = len(lead.messages())
    [reply] = await env.say(parent, WORRY)
    assert "999" in reply.plain and "0808 800 5000" in reply.plain
    assert "has not been passed on to anyone" in reply.plain  # no false promise of a lead
    assert await table_counts(env.store, tables) == counts
    assert len(lead.messages()) == before
    # The consent question they were at still works.
    [photo_question] = await env.press(parent, "Yes, I agree")
    assert "Yes, they may" in photo_question.buttons


async def test_a_long_message_shows_the_lead_the_words_at_its_end(env: BotEnv) -> None:
    lead = await _safeguarding_lead(env)
    parent = env.sandbox.user(7106)
    await active_family(env.store, env.setting.id, parent.id)
    play = "We built a tower with the pots & pans <again> and counted them, one to ten. "
    text = (play * 60)[:3_950] + " Also my partner HITS me when he drinks."
    assert len(text) <= 4096  # as long as Telegram lets a parent write
    before = len(lead.messages())
    [kind] = await env.say(parent, text)
    assert _is_kind_reply(kind)
    alert = await _alert_for(lead, before)
    assert "Also my partner HITS me when he drinks." in alert.plain
    assert "<b>partner HITS me</b>" in (alert.text or "")
    assert alert.plain.split("Message:\n", 1)[1].startswith(play[:40])  # and how it began


async def test_worry_added_by_editing_a_message_reaches_the_lead(env: BotEnv) -> None:
    lead = await _safeguarding_lead(env, 7010)
    parent = env.sandbox.user(7110)
    await active_family(env.store, env.setting.id, parent.id)
    message_id = parent.send_text("We played with the cups today")
    await parent.wait_for_messages(1)
    before = len(lead.messages())
    parent.edit_text(message_id, "We played with the cups today. " + WORRY)
    alert = await _alert_for(lead, before)
    assert "Safeguarding alert" in alert.plain and "partner hits me" in alert.plain
    assert _is_kind_reply((await parent.wait_for_messages(2))[-1])


async def test_worry_written_after_a_command_reaches_the_lead(env: BotEnv) -> None:
    lead = await _safeguarding_lead(env, 7011)
    parent = env.sandbox.user(7111)
    await active_family(env.store, env.setting.id, parent.id)
    before = len(lead.messages())
    parent.send_text("/help " + WORRY)
    alert = await _alert_for(lead, before)
    assert "partner hits me" in alert.plain
    answers = await parent.wait_for_messages(2)
    assert any(_is_kind_reply(m) for m in answers)  # and /help itself still answers
