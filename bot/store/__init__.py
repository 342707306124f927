"""The only place with SQL. Everything else calls these typed methods."""

from __future__ import annotations

from pathlib import Path

from bot.clock import Clock
from bot.store.db import StoreError, latest_version
from bot.store.deliveries import DeliveryQueries, NewDelivery
from bot.store.events import EventQueries
from bot.store.families import FamilyQueries
from bot.store.models import (
    Child,
    Delivery,
    Event,
    Family,
    Outgoing,
    PlanCandidate,
    Practitioner,
    Setting,
)
from bot.store.outbox import NewFamilyMessage, NewStaffMessage, OutboxQueries
from bot.store.partnership import PartnershipQueries
from bot.store.reports import ReportQueries
from bot.store.settings import SettingQueries, hash_code
from bot.store.sharing import SharingQueries
from bot.store.staff import StaffQueries

TABLES = (
    "meta",
    "settings",
    "practitioners",
    "join_codes",
    "families",
    "children",
    "deliveries",
    "events",
    "safeguarding_alerts",
    "digests_sent",
    "staff_replies",
    "recordings",
    "send_budget",
    "dispatchers",
)


class Store(
    SettingQueries,
    FamilyQueries,
    DeliveryQueries,
    OutboxQueries,
    EventQueries,
    ReportQueries,
    StaffQueries,
    PartnershipQueries,
    SharingQueries,
):
    """The database behind one playtalk process."""


async def open_store(path: str | Path, clock: Clock | None = None) -> Store:
    store: Store = await Store.open(path, clock)
    return store


__all__ = [
    "TABLES",
    "Child",
    "Delivery",
    "Event",
    "Family",
    "NewDelivery",
    "NewFamilyMessage",
    "NewStaffMessage",
    "Outgoing",
    "PlanCandidate",
    "Practitioner",
    "Setting",
    "Store",
    "StoreError",
    "hash_code",
    "latest_version",
    "open_store",
]
