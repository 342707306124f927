"""Configuration from the environment and an optional playtalk.toml."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_API_ROOT = "https://api.telegram.org"

# environment variable -> (toml key, default)
_FIELDS: dict[str, tuple[str, str]] = {
    "TELEGRAM_BOT_TOKEN": ("telegram_bot_token", ""),
    "PLAYTALK_DB": ("db", "./playtalk.db"),
    "PLAYTALK_TIMEZONE": ("timezone", "Europe/London"),
    "TELEGRAM_API_BASE_URL": ("telegram_api_base_url", DEFAULT_API_ROOT),
    "PLAYTALK_LOG_LEVEL": ("log_level", "INFO"),
    "PLAYTALK_RETENTION_MONTHS": ("retention_months", "12"),
    "PLAYTALK_PHOTO_RETENTION_MONTHS": ("photo_retention_months", "6"),
    "PLAYTALK_MAX_RATE": ("max_rate", "30"),
    "PLAYTALK_DISPATCH_SECONDS": ("dispatch_seconds", "10"),
    "PLAYTALK_LEASE_SECONDS": ("lease_seconds", "15"),
}


# The Bot API puts the token in every URL path: /bot<token>/METHOD, /file/bot<token>/...
# (":" may arrive percent-encoded). Anyone holding it can act as the bot.
_TOKEN_IN_URL = re.compile(r"bot\d+(?::|%3[Aa])[A-Za-z0-9_-]+")
REDACTED = "bot<token>"


def redact_token(text: str, token: str = "") -> str:
    """``text`` with the bot token taken out: every ``bot<id>:<secret>`` as in a Bot API
    URL, and ``token`` itself wherever it appears (a bare token in some message)."""
    if token:
        text = text.replace(token, "<token>")
    return _TOKEN_IN_URL.sub(REDACTED, text)


class ConfigError(Exception):
    """Bad configuration; the message names the variable to fix."""


@dataclass(frozen=True)
class Config:
    token: str
    # A SQLite file, or a postgresql:// URL (bot.store.pg.is_postgres_url).
    db_path: Path | str
    timezone: str
    api_root: str
    log_level: str
    retention_months: int
    photo_retention_months: int
    max_rate: float = 30.0
    dispatch_seconds: float = 10.0
    # How long other dispatchers wait for a silent one before resending its claims.
    lease_seconds: float = 15.0

    @property
    def base_url(self) -> str:
        """Where PTB sends methods: ``{root}/bot{token}/METHOD``."""
        return f"{self.api_root}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_root}/file/bot"

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and "
                "export TELEGRAM_BOT_TOKEN=... (or put telegram_bot_token in playtalk.toml)"
            )
        return self.token


def _database(value: str) -> Path | str:
    if value.startswith(("postgresql://", "postgres://")):
        return value
    if "://" in value:
        raise ConfigError(
            f"PLAYTALK_DB={value.split('://')[0]}://… is not a database playtalk knows: "
            "give a SQLite file name or a postgresql:// URL"
        )
    return Path(value)


def load_config(env: Mapping[str, str] | None = None, toml_path: Path | None = None) -> Config:
    """Environment wins over playtalk.toml, which wins over the defaults."""
    env = os.environ if env is None else env
    path = toml_path or Path(env.get("PLAYTALK_CONFIG", "playtalk.toml"))
    file_values: dict[str, object] = {}
    if path.is_file():
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    values: dict[str, str] = {}
    for var, (key, default) in _FIELDS.items():
        raw = env.get(var)
        if raw is None:
            raw = str(file_values.get(key, default))
        values[var] = raw.strip()

    timezone = values["PLAYTALK_TIMEZONE"]
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"PLAYTALK_TIMEZONE={timezone!r} is not a known time zone (e.g. Europe/London)"
        ) from None
    root = values["TELEGRAM_API_BASE_URL"].rstrip("/")
    if not root.startswith(("http://", "https://")):
        raise ConfigError(f"TELEGRAM_API_BASE_URL={root!r} must start with http:// or https://")
    level = values["PLAYTALK_LOG_LEVEL"].upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("PLAYTALK_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    months = {}
    for var in ("PLAYTALK_RETENTION_MONTHS", "PLAYTALK_PHOTO_RETENTION_MONTHS"):
        try:
            months[var] = int(values[var])
        except ValueError:
            raise ConfigError(f"{var} must be a whole number of months") from None
        if months[var] < 1:
            raise ConfigError(f"{var} must be at least 1")
    rates = {}
    for var in ("PLAYTALK_MAX_RATE", "PLAYTALK_DISPATCH_SECONDS", "PLAYTALK_LEASE_SECONDS"):
        try:
            rates[var] = float(values[var])
        except ValueError:
            raise ConfigError(f"{var} must be a number") from None
        if rates[var] <= 0:
            raise ConfigError(f"{var} must be above 0")
    return Config(
        token=values["TELEGRAM_BOT_TOKEN"],
        db_path=_database(values["PLAYTALK_DB"]),
        timezone=timezone,
        api_root=root,
        log_level=level,
        retention_months=months["PLAYTALK_RETENTION_MONTHS"],
        photo_retention_months=months["PLAYTALK_PHOTO_RETENTION_MONTHS"],
        max_rate=rates["PLAYTALK_MAX_RATE"],
        dispatch_seconds=rates["PLAYTALK_DISPATCH_SECONDS"],
        lease_seconds=rates["PLAYTALK_LEASE_SECONDS"],
    )
