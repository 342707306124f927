"""One Bot API call posted directly, for the outbox's sends.

Why: at the paid broadcast tier (1 000 msg/s) the weekly fan-out is CPU-bound in the
bot, and about half of that CPU was python-telegram-bot around the HTTP call, not
the call: ``Bot.send_message`` turns every argument into a ``RequestParameter`` and
a ``TelegramObject`` tree, and turns Telegram's answer into a ``telegram.Message``
(with its entities and keyboard) that the dispatcher reads one integer from
(tests/bench/README.md, "fanout"). Here the parameters are the JSON Telegram takes,
and the answer is read for its message ids only.

What is kept from PTB, so that the dispatcher (scheduler/dispatch.py) cannot tell
the difference:

- the bot's own request object (``bot.request``, the aiohttp one of bot/request.py
  in production) and its public ``post``, which maps every answer that is not a
  success to the exceptions PTB raises (``RetryAfter`` with ``retry_after``,
  ``Forbidden``, ``BadRequest``, ``InvalidToken``, ``ChatMigrated``, ``NetworkError``)
  and every transport failure to ``TimedOut``/``NetworkError`` (with ``NotSentTimeout``
  as the cause when nothing was sent);
- the bot's ``base_url``, so ``api_root`` (a self-hosted Bot API server, the sandbox)
  is honoured;
- the bot's rate limiter (``AIORateLimiter`` when ``max_rate > 0``, bot/app.py):
  the call goes through its ``process_request`` exactly as PTB's ``ExtBot`` sends
  it, so the overall pace holds for raw and PTB sends together.

Callback data go as given: this project signs its own (bot/buttons.py) and never
turns on PTB's ``arbitrary_callback_data``, which would swap them for cache keys.

The token is part of the URL only. The request class keeps it out of transport
errors (bot/request.py); the errors made from Telegram's answers carry Telegram's
description, which never holds it; and nothing here logs.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import RequestData

# Internal to PTB (stable since v20): what RequestData holds. Made directly, the
# parameters skip RequestParameter.from_input, which inspects every value for files
# and TelegramObjects to convert; these are JSON already.
from telegram.request._requestparameter import RequestParameter

Params = dict[str, Any]


async def send(bot: Bot, method: str, params: Params) -> list[int]:
    """Call ``method`` (a send* method) with ``params`` and return the ids of the
    messages Telegram made: one, or one per item of an album.

    ``params`` are the Bot API's own names and shapes (``reply_markup`` as a dict,
    ``reply_parameters`` as a dict); ``None`` values are dropped as PTB drops them.
    Raises what ``Bot.send_message`` and the like raise for the same answer.
    """
    data = {k: v for k, v in params.items() if v is not None}
    url = f"{bot.base_url}/{method}"
    request = bot.request

    async def post() -> Any:
        body = RequestData([RequestParameter(k, v, None) for k, v in data.items()])
        return await request.post(url, body)

    limiter = getattr(bot, "rate_limiter", None)  # an ExtBot's; a plain Bot has none
    if limiter is None:
        result = await post()
    else:
        # As ExtBot._do_post: the limiter looks at chat_id (groups have their own pace).
        result = await limiter.process_request(
            callback=post,
            args=(),
            kwargs={},
            endpoint=method,
            data=data,
            rate_limit_args=None,
        )
    try:
        if isinstance(result, list):
            return [int(m["message_id"]) for m in result]
        return [int(result["message_id"])]
    except (KeyError, TypeError, ValueError):
        # What PTB raises for an answer it cannot read, without the answer's text.
        raise TelegramError(f"{method}: no message id in Telegram's answer") from None
