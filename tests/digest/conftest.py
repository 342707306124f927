"""Fixtures for the digest tests; the hand-counted setting is described in sample.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import Clock
from bot.digest import compute
from bot.digest.model import Digest
from bot.i18n import Catalogs, Translator
from bot.store.reports import DigestData
from tests.digest.sample import END, START, ReportStore, area, fill_store, title, write_catalogs


@pytest.fixture
def catalogs(tmp_path: Path) -> Catalogs:
    return write_catalogs(tmp_path / "locales")


@pytest.fixture
def t(catalogs: Catalogs) -> Translator:
    return catalogs.for_locale("en")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ReportStore]:
    opened: ReportStore = await ReportStore.open(
        tmp_path / "t.db", Clock(datetime(2025, 3, 10, 8, tzinfo=UTC))
    )
    await fill_store(opened)
    yield opened
    await opened.close()


@pytest.fixture
async def data(store: ReportStore) -> DigestData:
    return await store.digest_data(1, START, END)


@pytest.fixture
def digest(data: DigestData) -> Digest:
    return compute(data, START, END, area, title)
