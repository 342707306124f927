"""The operator's CLI, run as an operator would: a subprocess with environment variables."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def playtalk(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PLAYTALK_"))}
    base.update({"PLAYTALK_DB": str(tmp_path / "cli.db"), **env})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=base,
        cwd=tmp_path,
        timeout=60,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = playtalk(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("run", "sandbox", "demo", "setting", "practitioner-code", "db", "content"):
        assert command in result.stdout


def test_run_without_a_token_is_one_clear_line(tmp_path: Path) -> None:
    result = playtalk(tmp_path, "run")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_setting_add_prints_link_and_lead_code_then_lists(tmp_path: Path) -> None:
    result = playtalk(
        tmp_path, "setting", "add", "Sunflower Nursery", "--bot-username", "playtalk_bot"
    )
    assert result.returncode == 0, result.stderr
    link = re.search(r"https://t\.me/playtalk_bot\?start=([A-Za-z0-9_-]+)", result.stdout)
    code = re.search(r"/join ([A-Z2-9]{5}-[A-Z2-9]{5})", result.stdout)
    assert link and code
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("SELECT parent_code FROM settings").fetchone()[0] == link.group(1)
        stored = db.execute("SELECT code_hash, role FROM join_codes").fetchone()
        assert stored[1] == "lead" and code.group(1) not in stored[0]
    listed = playtalk(tmp_path, "setting", "list")
    assert "Sunflower Nursery" in listed.stdout and "Europe/London" in listed.stdout
    more = playtalk(tmp_path, "practitioner-code", "sunflower nursery")
    assert more.returncode == 0 and re.search(r"[A-Z2-9]{5}-[A-Z2-9]{5}", more.stdout)


def test_setting_add_without_token_still_gives_the_start_code(tmp_path: Path) -> None:
    result = playtalk(tmp_path, "setting", "add", "Oak Centre")
    assert result.returncode == 0
    assert "Parent start code" in result.stdout and "--bot-username" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("setting", "add", "Oak", "--timezone", "Mars/Olympus"), "unknown time zone"),
        (("practitioner-code", "Nowhere"), "no setting called"),
        (("db", "backup", "/nonexistent-folder/x.db"), "does not exist"),
    ],
)
def test_errors_are_one_line_and_non_zero(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = playtalk(tmp_path, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_bad_configuration_names_the_variable(tmp_path: Path) -> None:
    result = playtalk(tmp_path, "setting", "list", PLAYTALK_TIMEZONE="Nowhere/Land")
    assert result.returncode == 2 and "PLAYTALK_TIMEZONE" in result.stderr


def test_config_reads_toml_and_environment_wins(tmp_path: Path) -> None:
    toml = tmp_path / "playtalk.toml"
    toml.write_text('db = "from-file.db"\ntelegram_api_base_url = "http://127.0.0.1:9/"\n')
    config = load_config({"PLAYTALK_CONFIG": str(toml), "PLAYTALK_DB": "from-env.db"})
    assert str(config.db_path) == "from-env.db"
    assert (
        config.base_url == "http://127.0.0.1:9/bot"
        and config.base_file_url == "http://127.0.0.1:9/file/bot"
    )
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        config.require_token()
    with pytest.raises(ConfigError, match="PLAYTALK_MAX_RATE"):
        load_config({"PLAYTALK_MAX_RATE": "fast"})
