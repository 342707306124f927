"""Every way a Reply reaches staff (digest, safeguarding alert), what the digest counts,
and /delete erasing the conversation, through the real bot against the sandbox."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.sandbox import SandboxUser
from scheduler.dispatch import dispatch_due
from scheduler.retention import purge
from tests.conftest import BotEnv
from tests.factories import active_family
from tests.handlers.test_staff_replies import (
    delivered,
    family_shares_photo,
    join,
    own_last,
    say_reply,
    start_reply,
)

WORRY = "I don't know who to tell, my partner hits me when he drinks"


async def _whole_digest(env: BotEnv, staff: SandboxUser) -> list[str]:
    """/digest, dispatched until its parts stop arriving; the texts and captions sent."""
    env.clock.advance(timedelta(minutes=1))  # the digest covers the week up to now
    before = len(staff.messages())
    staff.send_text("/digest")
    await env.sandbox.wait_until(lambda: env.sandbox.pending_updates == 0)
    for _ in range(8):
        await dispatch_due(env.bot, env.services)
    await staff.wait_for_messages(before + 1)
    return [m.plain or "" for m in staff.messages()[before:]]


async def test_the_digest_offers_reply_buttons_and_counts_two_way_contacts(env: BotEnv) -> None:
    staff = env.sandbox.user(7001)
    await join(env, staff)
    parent = await family_shares_photo(env)
    before = len(parent.messages())
    parent.send_voice()
    await parent.wait_for_messages(before + 1)
    texts = await _whole_digest(env, staff)
    assert not any("Staff replied" in t for t in texts)
    offer = next(m for m in staff.messages() if m.plain.startswith("Reply to a family"))
    assert offer.buttons == ["🎤 Amy", "📷 Amy"]  # newest first
    voice = next(m for m in staff.messages() if m.method == "sendVoice")
    assert voice.buttons == ["Reply"]
    [question] = await env.press(staff, "🎤 Amy")
    assert question.plain == "What name should families see, e.g. Ms Ada?"
    await env.say(staff, "Ms Ada")
    before = len(parent.messages())
    await env.say(staff, "Lovely singing!")
    reply = await delivered(env, parent, before)
    assert reply.reply_to == own_last(parent)  # the voice note, the parent's newest message
    await say_reply(parent, "Thanks!", reply.message_id)
    texts = await _whole_digest(env, staff)
    assert any(
        "Staff replied to families 1 time. Parents answered back 1 time." in t for t in texts
    )


async def test_a_reply_from_the_safeguarding_alert(env: BotEnv) -> None:
    lead = env.sandbox.user(7000)
    await join(env, lead, "safeguarding")
    parent = env.sandbox.user(7100)
    await active_family(env.store, env.setting.id, parent.id)
    before = len(lead.messages())
    await env.say(parent, WORRY)
    alert = (await lead.wait_for_messages(before + 1))[before]
    assert "Safeguarding alert" in alert.plain and alert.buttons == ["Reply to this family"]
    [question] = await env.press(lead, "Reply to this family")
    assert question.plain == "What name should families see, e.g. Ms Ada?"
    await env.say(lead, "Ms Ada")
    before = len(parent.messages())
    await env.say(lead, "I will call you this afternoon.")
    got = await delivered(env, parent, before)
    assert got.plain == "Sunflower Nursery · Ms Ada:\nI will call you this afternoon."
    assert got.reply_to is None  # the worried message is not kept as a reply to answer


async def test_a_somali_family_reads_the_reply_in_its_own_chat(env: BotEnv) -> None:
    staff = env.sandbox.user(7001)
    await join(env, staff)
    parent = await family_shares_photo(env, locale="so")
    await start_reply(env, staff)
    before = len(parent.messages())
    await env.say(staff, "Munaarad fiican!")
    got = await delivered(env, parent, before)
    header = env.t("so").gettext("{setting} · {name}:")
    expected = header.replace("{setting}", "Sunflower Nursery").replace("{name}", "Ms Ada")
    assert got.plain == f"{expected}\nMunaarad fiican!"


async def test_delete_erases_the_conversation(env: BotEnv) -> None:
    staff = env.sandbox.user(7001)
    await join(env, staff)
    parent = await family_shares_photo(env)
    await start_reply(env, staff)
    before = len(parent.messages())
    await env.say(staff, "Lovely tower!")
    reply = await delivered(env, parent, before)
    # The parent answers; the answer is still queued to staff when the family deletes.
    env.services.wake_dispatch = lambda: None
    await say_reply(parent, "She wants to build another", reply.message_id)
    [(pending,)] = await env.store.fetchall(
        "SELECT COUNT(*) FROM deliveries WHERE kind = 'parent_reply' AND state = 'pending'"
    )
    assert pending == 1
    await env.say(parent, "/delete")
    await env.press(parent, "Yes, delete everything")
    [(replies,)] = await env.store.fetchall("SELECT COUNT(*) FROM staff_replies")
    assert replies == 0
    payloads = [r[0] for r in await env.store.fetchall("SELECT payload FROM deliveries")]
    assert not any(p and "build another" in p for p in payloads)
    assert not any(p and json.loads(p).get("staff_reply_id") for p in payloads)
    family_rows = await env.store.fetchall("SELECT id FROM deliveries WHERE family_id IS NOT NULL")
    assert family_rows == []


async def test_retention_forgets_staff_replies_with_the_replies(env: BotEnv) -> None:
    staff = env.sandbox.user(7001)
    await join(env, staff)
    await family_shares_photo(env)
    await start_reply(env, staff)
    await env.say(staff, "Lovely tower!")
    sent = env.clock.now()

    async def kept(days: int) -> int:
        env.clock.set(sent + timedelta(days=days))
        await purge(env.store, env.clock.now(), 12, 6)
        [(count,)] = await env.store.fetchall("SELECT COUNT(*) FROM staff_replies")
        return int(count)

    assert await kept(300) == 1
    assert await kept(370) == 0
