"""Practitioners: joining, the weekly digest with its attachments, access, alerts, invites."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from bot.codes import new_join_code
from bot.digest.delivery import queue_due_digests
from bot.planning import plan_weeks
from bot.sandbox import SandboxUser
from scheduler.dispatch import dispatch_due
from tests.conftest import BotEnv
from tests.factories import active_family
from tests.storeview import count_alerts, count_events, digest_recipients


async def _join(
    env: BotEnv, user: SandboxUser, setting_id: int, role: str = "practitioner"
) -> None:
    code = new_join_code()
    await env.store.add_join_code(setting_id, code, role, timedelta(days=7))
    replies = await env.say(user, f"/join {code}", replies=2)
    assert "Welcome! You have joined" in replies[0].plain


async def test_join_codes_work_once_and_expire(env: BotEnv) -> None:
    lead = env.sandbox.user(6000)
    code = new_join_code()
    await env.store.add_join_code(env.setting.id, code, "lead", timedelta(days=7))
    await env.say(lead, f"/join {code}", replies=2)
    colleague = env.sandbox.user(6001)
    [reused] = await env.say(colleague, f"/join {code}")
    assert "doesn't work" in reused.plain
    [made] = await env.say(lead, "/newcode")
    fresh = made.plain.split("/join ")[1].strip()
    env.clock.advance(timedelta(days=7, minutes=1))
    [expired] = await env.say(colleague, f"/join {fresh}")
    assert "more than 7 days old" in expired.plain
    assert await env.store.practitioners_of(colleague.id) == []


async def test_parents_and_other_settings_see_nothing(env: BotEnv) -> None:
    other = await env.store.add_setting("Elm Centre", "Europe/London", "elm")
    parent = env.sandbox.user(6002)
    await active_family(env.store, env.setting.id, parent.id, children=(("Secretname", "2024-01"),))
    for command in ("/families", "/digest", "/invite", "/focus cll 2", "/newcode"):
        [refusal] = await env.say(parent, command)
        assert "for nursery staff" in refusal.plain
    elm_staff = env.sandbox.user(6003)
    await _join(env, elm_staff, other.id, "lead")
    [families] = await env.say(elm_staff, "/families")
    assert "Secretname" not in families.plain and "No families have joined yet" in families.plain
    [practitioner_only] = await env.say(elm_staff, "/focus maths 3")
    assert "Focus set" in practitioner_only.plain
    assert (await env.store.get_setting(env.setting.id)).focus_area is None  # type: ignore[union-attr]


async def test_only_leads_issue_codes_and_set_focus(env: BotEnv) -> None:
    staff = env.sandbox.user(6004)
    await _join(env, staff, env.setting.id, "practitioner")
    for command in ("/newcode", "/focus cll 2"):
        [refusal] = await env.say(staff, command)
        assert "only a lead" in refusal.plain


async def test_weekly_digest_arrives_on_monday_with_album_html_and_csv(env: BotEnv) -> None:
    lead = env.sandbox.user(6005)
    await _join(env, lead, env.setting.id, "lead")
    parents = [env.sandbox.user(6100 + i) for i in range(4)]
    for i, p in enumerate(parents):
        await active_family(
            env.store, env.setting.id, p.id, children=((f"Kid{i}", "2024-01"),), share_photos=i != 1
        )
    await plan_weeks(env.store, env.services.library, env.clock.now())
    env.clock.set(datetime(2026, 11, 25, 9, 31, tzinfo=UTC))
    await dispatch_due(env.bot, env.services)
    for p in parents:
        await p.wait_for_messages(1)
    parents[0].send_photo(caption='=HYPERLINK("http://evil")')
    parents[1].send_photo(caption="private one")
    parents[2].send_text("He loved it <3")
    for p in parents[:3]:
        await p.wait_for_messages(2)
    # Sunday evening: not yet. Monday 08:00 London: the digest goes out, once.
    env.clock.set(datetime(2026, 11, 29, 20, 0, tzinfo=UTC))
    assert await queue_due_digests(env.services) == 0
    env.clock.set(datetime(2026, 11, 30, 8, 1, tzinfo=UTC))
    before = len(lead.messages())
    assert await queue_due_digests(env.services) == 1
    assert await queue_due_digests(env.services) == 0
    await dispatch_due(env.bot, env.services)
    got = lead.messages()[before:]
    assert await digest_recipients(env.store, env.setting.id, "2026-W48") == 1
    text = "\n".join(m.plain for m in got if m.method == "sendMessage")
    assert "Families who replied: 3" in text
    assert "Response rate: 75% (3 of 4)" in text
    assert "He loved it <3" in text
    # One shared photo goes by sendPhoto (an album needs 2-10); the unshared one stays out.
    photos = [m for m in got if m.method == "sendPhoto" and m.caption]  # the chart has none
    assert [m.method for m in got].count("sendMediaGroup") == 0 and len(photos) == 1
    docs = {
        m.file_name: env.sandbox.file_bytes(m.file_id)
        for m in got
        if m.method == "sendDocument" and m.file_id
    }
    html = next(v for k, v in docs.items() if k and k.endswith(".html")).decode()
    assert "He loved it &lt;3" in html and "<3" not in html.replace("&lt;3", "")
    rows = list(
        csv.reader(
            io.StringIO(next(v for k, v in docs.items() if k and k.endswith(".csv")).decode())
        )
    )
    cells = [c for row in rows for c in row]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert not any(c.startswith("=") for c in cells)
    assert "private one" not in html  # caption of an unshared photo


async def test_safeguarding_message_alerts_the_lead_in_pt_and_so(env: BotEnv) -> None:
    dsl = env.sandbox.user(6006)
    await _join(env, dsl, env.setting.id, "safeguarding")
    for chat_id, lang, text in (
        (6200, "pt", "O meu marido bate no meu filho e tenho medo"),
        (6201, "so", "Ninkaygu wuu i garaacaa, waan ka baqayaa guriga"),
    ):
        parent = env.sandbox.user(chat_id, language_code=lang)
        await active_family(
            env.store, env.setting.id, parent.id, locale=lang, children=(("Nia", "2023-02"),)
        )
        before = len(dsl.messages())
        [kind_answer] = await env.say(parent, text)
        assert "999" in kind_answer.plain and "0808 800 5000" in kind_answer.plain
        alert = (await dsl.wait_for_messages(before + 1))[-1]
        assert "Safeguarding alert" in alert.plain and text in alert.plain and "Nia" in alert.plain
    assert await count_alerts(env.store, env.setting.id) == 2
    assert await count_events(env.store) == 0  # never stored as a reply, never in a digest


async def test_invite_sends_qr_and_a_poster_in_every_language(env: BotEnv) -> None:
    staff = env.sandbox.user(6007)
    await _join(env, staff, env.setting.id)
    before = len(staff.messages())
    staff.send_text("/invite")
    qr, poster = (await staff.wait_for_messages(before + 2))[before:]
    link = f"https://t.me/{env.sandbox.bot_username}?start={env.setting.parent_code}"
    assert qr.method == "sendPhoto" and link in qr.plain
    assert env.sandbox.file_bytes(qr.file_id or "")[:8] == b"\x89PNG\r\n\x1a\n"
    page = env.sandbox.file_bytes(poster.file_id or "").decode()
    assert "Sunflower Nursery" in page and "<svg" in page and 'dir="rtl"' in page
    for code in env.services.catalogs.codes:
        assert env.t(code).gettext("Scan for weekly play ideas") in page


async def test_a_lead_who_joins_a_second_setting_keeps_the_lead_role_in_the_first(
    env: BotEnv,
) -> None:
    elm = await env.store.add_setting("Elm Centre", "Europe/London", "elm")
    await active_family(env.store, env.setting.id, 6400, children=(("Sunny", "2024-01"),))
    await active_family(env.store, elm.id, 6401, children=(("Elmo", "2024-01"),))
    person = env.sandbox.user(6008)
    await _join(env, person, env.setting.id, "lead")
    code = new_join_code()
    await env.store.add_join_code(elm.id, code, "practitioner", timedelta(days=7))
    welcome, ask = await env.say(person, f"/join {code}", replies=2)
    assert "You have joined Elm Centre" in welcome.plain
    assert "Which one should your commands act on?" in ask.plain
    assert ask.buttons == ["Sunflower Nursery", "Elm Centre"]
    # Until a setting is chosen, a command asks rather than acting on one of them.
    [asked] = await env.say(person, "/families")
    assert "Which one" in asked.plain and "Sunny" not in asked.plain
    [help_a] = await env.press(person, "Sunflower Nursery")
    assert "You are working in Sunflower Nursery as lead." in help_a.plain
    assert "/newcode" in help_a.plain and help_a.buttons == ["Elm Centre"]
    [made] = await env.say(person, "/newcode")
    assert "A one-off code for a colleague" in made.plain
    [families] = await env.say(person, "/families")
    assert "Sunny" in families.plain and "Elmo" not in families.plain
    [help_b] = await env.press(person, "Elm Centre")
    assert "You are working in Elm Centre as practitioner." in help_b.plain
    assert "/newcode" not in help_b.plain
    for command in ("/newcode", "/focus cll 2"):
        [refused] = await env.say(person, command)
        assert "only a lead" in refused.plain and "Elm Centre as practitioner" in refused.plain
    [families] = await env.say(person, "/families")
    assert "Elmo" in families.plain and "Sunny" not in families.plain
    roles = {p.setting_id: p.role for p in await env.store.practitioners_of(person.id)}
    assert roles == {env.setting.id: "lead", elm.id: "practitioner"}
    assert (await env.store.get_setting(elm.id)).focus_area is None  # type: ignore[union-attr]


async def test_a_setting_button_works_only_for_a_setting_of_ones_own(env: BotEnv) -> None:
    elm = await env.store.add_setting("Elm Centre", "Europe/London", "elm")
    oak = await env.store.add_setting("Oak House", "Europe/London", "oak")
    person = env.sandbox.user(6009)
    await _join(env, person, env.setting.id, "lead")
    code = new_join_code()
    await env.store.add_join_code(elm.id, code, "lead", timedelta(days=7))
    _welcome, ask = await env.say(person, f"/join {code}", replies=2)
    forged = env.services.signer.sign(person.id, "W", oak.id)
    before = len(person.messages())
    person.press_data(forged, message_id=ask.message_id)
    [refused] = (await person.wait_for_messages(before + 1))[before:]
    assert "expired" in refused.plain
    [still_asks] = await env.say(person, "/digest")
    assert "Which one should your commands act on?" in still_asks.plain
