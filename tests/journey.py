"""Steps of the parent journey that many tests share, pressed the way a parent would."""

from __future__ import annotations

from bot.i18n import language_name
from bot.sandbox import SandboxUser
from tests.conftest import BotEnv


async def enrol(
    env: BotEnv,
    user: SandboxUser,
    lang: str = "en",
    *,
    names: tuple[str | None, ...] = ("Amy",),
    birth: tuple[int, int] = (2024, 3),
    weekday: int = 2,
    slot: str = "Morning (9:30)",
    cadence: str = "Three short messages a week",
    share_photos: bool = True,
) -> None:
    t = env.t(lang)
    _ = t.gettext
    await env.say(user, f"/start {env.setting.parent_code}")
    await env.press(user, language_name(lang))
    await env.press(user, _("Yes, I agree"))
    await env.press(user, _("Yes, they may") if share_photos else _("No, keep them private"))
    for index, name in enumerate(names):
        if name is None:
            await env.press(user, _("Skip"))
        else:
            await env.say(user, name)
        await env.press(user, str(birth[0]))
        await env.press(user, str(t.locale.months["format"]["abbreviated"][birth[1]]))
        last = index == len(names) - 1
        await env.press(user, _("No, that's all") if last else _("Add another child"))
    await env.press(user, t.weekday(weekday))
    await env.press(user, _(slot))
    await env.press(user, _(cadence))
