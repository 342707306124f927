"""Weekly planning: touches, due times across clock changes, choice of activity."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from bot.clock import Clock
from bot.content import Activity, Library, load_library
from bot.planning import (
    LEVEL_BOUND,
    LEVEL_STEP,
    choose_activity,
    lighter_cadence_due,
    plan_family,
    plan_weeks,
    replan_family,
)
from bot.store import Store
from bot.timing import first_delivery, in_quiet_hours, local_due
from tests.factories import active_family
from tests.storeview import deliveries_of_family

LIBRARY = load_library()


async def test_three_touches_two_weeks_and_replanning_adds_nothing(
    store: Store, clock: Clock
) -> None:
    setting = await store.add_setting("Oak", "Europe/London", "oak")
    family, [child] = await active_family(store, setting.id, 10, weekday=2, cadence=3)
    report = await plan_weeks(store, LIBRARY, clock.now())
    assert report.deliveries_added == 6
    again = await plan_weeks(store, LIBRARY, clock.now())
    assert again.deliveries_added == 0
    rows = await deliveries_of_family(store, family.id)
    first_week = [d for d in rows if d.iso_week == "2026-W48"]
    assert [(d.touch, d.kind) for d in first_week] == [(1, "activity"), (2, "why"), (3, "grow")]
    # Wednesday, Friday, Sunday at 09:30 London (GMT in November).
    assert [d.due_at for d in first_week] == [
        datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 29, 9, 30, tzinfo=UTC),
    ]
    assert len({d.activity_id for d in first_week}) == 1
    assert all(LIBRARY.get(d.activity_id).fits(child.age_months(date(2026, 11, 25))) for d in rows)


async def test_one_message_cadence_and_paused_families_get_nothing(
    store: Store, clock: Clock
) -> None:
    setting = await store.add_setting("Oak", "Europe/London", "oak")
    single, _ = await active_family(store, setting.id, 11, cadence=1)
    paused, _ = await active_family(store, setting.id, 12)
    await store.set_status(paused.id, "paused")
    stopped, _ = await active_family(store, setting.id, 13)
    await store.set_status(stopped.id, "stopped")
    await plan_weeks(store, LIBRARY, clock.now())
    assert [d.kind for d in await deliveries_of_family(store, single.id)] == ["single", "single"]
    assert await deliveries_of_family(store, paused.id) == []
    assert await deliveries_of_family(store, stopped.id) == []


async def test_a_slot_already_past_this_week_starts_next_week(store: Store, clock: Clock) -> None:
    setting = await store.add_setting("Oak", "Europe/London", "oak")
    # Monday 10:00: Monday's 09:30 slot has gone.
    family, _ = await active_family(store, setting.id, 14, weekday=0, cadence=1)
    await plan_weeks(store, LIBRARY, clock.now())
    [delivery] = await deliveries_of_family(store, family.id)
    assert delivery.iso_week == "2026-W49"
    assert delivery.due_at == first_delivery(0, "morning", "Europe/London", clock.now())


def test_due_times_follow_the_october_and_march_clock_changes() -> None:
    # BST ends 25 Oct 2026; starts again 28 Mar 2027. 09:30 local stays 09:30 local.
    assert local_due(date(2026, 10, 19), "morning", "Europe/London") == datetime(
        2026, 10, 19, 8, 30, tzinfo=UTC
    )
    assert local_due(date(2026, 10, 26), "morning", "Europe/London") == datetime(
        2026, 10, 26, 9, 30, tzinfo=UTC
    )
    assert local_due(date(2027, 3, 22), "evening", "Europe/London") == datetime(
        2027, 3, 22, 18, 0, tzinfo=UTC
    )
    assert local_due(date(2027, 3, 29), "evening", "Europe/London") == datetime(
        2027, 3, 29, 17, 0, tzinfo=UTC
    )
    # Other zones work the same way (a setting abroad, or a test of the rule).
    assert local_due(date(2026, 11, 2), "morning", "America/New_York") == datetime(
        2026, 11, 2, 14, 30, tzinfo=UTC
    )


def test_quiet_hours() -> None:
    assert in_quiet_hours(datetime(2026, 7, 1, 19, 30, tzinfo=UTC), "Europe/London")  # 20:30 BST
    assert not in_quiet_hours(
        datetime(2026, 12, 1, 19, 30, tzinfo=UTC), "Europe/London"
    )  # 19:30 GMT
    assert in_quiet_hours(datetime(2026, 12, 1, 7, 59, tzinfo=UTC), "Europe/London")


def test_no_repeat_until_all_fitting_used_and_areas_rotate() -> None:
    history: list[str] = []
    age = 30
    fitting = LIBRARY.fitting(age)
    areas = []
    for week in range(len(fitting)):
        chosen = choose_activity(LIBRARY, 7, age, history, date(2026, 6, 1), None)
        history.append(chosen.id)
        areas.append(chosen.area)
    assert len(set(history)) == len(fitting), (
        "an activity repeated before all fitting ones were used"
    )
    # While every area still has fresh activities, the pattern is psed, cll, maths
    # (child 7 starts at 7 % 3 = cll).
    assert areas[:15] == ["cll", "maths", "psed"] * 5
    # After a full cycle it starts again rather than failing.
    again = choose_activity(LIBRARY, 7, age, history, date(2026, 6, 1), None)
    assert again.fits(age)


def test_focus_and_season_bias_the_choice() -> None:
    history: list[str] = []
    chosen = [choose_activity(LIBRARY, 8, 36, history, date(2026, 6, 1), "maths") for _ in range(1)]
    assert chosen[0].area == "maths"
    festive = Activity(
        "psed-festive",
        "psed",
        0,
        60,
        ("paper",),
        "Festive",
        "Do. Do.",
        ("a", "b"),
        "w",
        "g",
        ("christmas",),
    )
    plain = Activity(
        "psed-plain", "psed", 0, 60, ("paper",), "Plain", "Do. Do.", ("a", "b"), "w", "g"
    )
    library = Library((festive, plain))
    december = Counter(
        choose_activity(library, c, 12, [], date(2026, 12, 10)).id for c in range(40)
    )
    june = Counter(choose_activity(library, c, 12, [], date(2026, 6, 10)).id for c in range(40))
    assert 10 <= december["psed-festive"] <= 30
    assert june == Counter({"psed-plain": 40})


def test_siblings_are_spread_over_different_activities() -> None:
    picks = Counter(
        choose_activity(LIBRARY, child, 24, [], date(2026, 11, 25)).id for child in range(40)
    )
    assert len(picks) > 5


def test_too_hard_and_too_easy_move_every_choice_to_a_younger_or_older_fit() -> None:
    """At 30 months there are ideas on both sides; the offset picks that side each week."""
    for child in range(12):
        history: list[str] = []
        for week in range(6):
            on = date(2026, 3, 2) + timedelta(weeks=week)
            easier = choose_activity(LIBRARY, child, 30, history, on, None, -6)
            history.append(easier.id)
            assert easier.fits(24) and not easier.fits(30), easier.id
        harder = choose_activity(LIBRARY, child, 30, [], date(2026, 3, 2), None, 6)
        assert harder.fits(36) and not harder.fits(30), harder.id
    # A second tap goes a step further; beyond the library the age stays within it.
    further = choose_activity(LIBRARY, 3, 30, [], date(2026, 3, 2), None, -12)
    assert further.fits(18) and further.max_months < 24
    oldest = choose_activity(LIBRARY, 3, 58, [], date(2026, 3, 2), None, 12)
    assert oldest.fits(60)


def test_not_this_week_offers_a_lighter_cadence_once_per_streak() -> None:
    assert not lighter_cadence_due(set(), "2026-W48", 3)  # the first busy week
    assert lighter_cadence_due({"2026-W48"}, "2026-W49", 3)  # the second in a row
    assert lighter_cadence_due({"2026-W53"}, "2027-W01", 3)  # across a 53-week year
    assert not lighter_cadence_due({"2026-W48"}, "2026-W49", 1)  # already one a week
    assert not lighter_cadence_due({"2026-W48", "2026-W49"}, "2026-W49", 3)  # a sibling's tap
    assert not lighter_cadence_due({"2026-W48", "2026-W49"}, "2026-W50", 3)  # third in a row
    assert not lighter_cadence_due({"2026-W47"}, "2026-W49", 3)  # not consecutive
    # A new streak after a week that went ahead asks again.
    assert lighter_cadence_due({"2026-W47", "2026-W48", "2026-W51"}, "2026-W52", 3)


async def test_replanning_replaces_only_weeks_nothing_was_sent_of(
    store: Store, clock: Clock
) -> None:
    setting = await store.add_setting("Oak", "Europe/London", "oak")
    family, [child] = await active_family(store, setting.id, 15, weekday=2, cadence=3)
    await plan_family(store, LIBRARY, family.id, clock.now())
    this_week = [d for d in await deliveries_of_family(store, family.id) if d.touch == 1][0]
    await store.mark_sent(this_week.id, 99)
    await store.update_family(family.id, cadence=1)
    await replan_family(store, LIBRARY, family.id, clock.now())
    rows = await deliveries_of_family(store, family.id)
    # This week had its activity: its other touches stay. Next week is planned anew.
    assert [(d.iso_week, d.kind) for d in rows] == [
        ("2026-W48", "activity"),
        ("2026-W48", "why"),
        ("2026-W48", "grow"),
        ("2026-W49", "single"),
    ]
    assert rows[0].id == this_week.id and rows[0].state == "sent"
    # The level offset is kept within two steps either way.
    for _ in range(4):
        await store.shift_level(child.id, -LEVEL_STEP, LEVEL_BOUND)
    assert (await store.children_of(family.id))[0].level_offset == -LEVEL_BOUND
