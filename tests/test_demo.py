"""The demo prints the safeguarding alert the lead really received, not their last message."""

from __future__ import annotations

import io
from datetime import timedelta

from telegram import InputFile

from bot.codes import new_join_code
from bot.demo import _alert
from tests.conftest import BotEnv
from tests.factories import active_family


async def test_demo_picks_the_alert_out_of_the_leads_messages(env: BotEnv) -> None:
    lead = env.sandbox.user(8000)
    code = new_join_code()
    await env.store.add_join_code(env.setting.id, code, "safeguarding", timedelta(days=7))
    await env.say(lead, f"/join {code}", replies=2)
    assert _alert(env.services, lead).startswith("(none")
    parent = env.sandbox.user(8001)
    await active_family(env.store, env.setting.id, parent.id)
    before = len(lead.messages())
    await env.say(parent, "my partner hits me")
    await lead.wait_for_messages(before + 1)
    # Later the lead gets the digest, whose last part is the CSV with its caption.
    csv = InputFile(io.BytesIO(b"family,replies\n1,0\n"), filename="digest.csv")
    await env.bot.send_document(lead.id, csv, caption="This week's replies (CSV)")
    assert lead.last().kind == "document"
    shown = _alert(env.services, lead)
    assert shown.startswith("⚠️ Safeguarding alert")
    assert "my partner hits me" in shown
