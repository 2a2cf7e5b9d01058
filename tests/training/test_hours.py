"""Hour arithmetic: whole and partial lessons, the grace minutes, midnight and New Year."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from training_portal.training.hours import credit

SHANGHAI = ZoneInfo("Asia/Shanghai")
GRACE = timedelta(minutes=5)


def at(y, mo, d, h, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


def test_a_whole_lesson_earns_its_hours():
    start, end = at(2026, 3, 2, 8, 30), at(2026, 3, 2, 11, 30)
    assert credit(start, end, 40, start, end, grace=GRACE, zone=SHANGHAI) == {2026: (40, date(2026, 3, 2))}


def test_a_few_minutes_late_or_early_still_counts_the_whole_lesson():
    start, end = at(2026, 3, 2, 8, 30), at(2026, 3, 2, 11, 30)
    got = credit(
        start, end, 40, start + timedelta(minutes=5), end - timedelta(minutes=4), grace=GRACE, zone=SHANGHAI
    )
    assert got[2026][0] == 40


def test_part_of_a_lesson_earns_its_share_rounded_down():
    start, end = at(2026, 3, 2, 8, 0), at(2026, 3, 2, 11, 0)  # 3 h worth 4 学时
    got = credit(start, end, 40, start + timedelta(hours=1), end, grace=GRACE, zone=SHANGHAI)
    assert got[2026][0] == 26  # 2/3 of 4.0 is 2.67: 2.6


def test_without_both_signatures_nothing_is_earned():
    start, end = at(2026, 3, 2, 8), at(2026, 3, 2, 12)
    assert credit(start, end, 40, start, None, grace=GRACE, zone=SHANGHAI) == {}
    assert credit(start, end, 40, None, end, grace=GRACE, zone=SHANGHAI) == {}
    assert credit(start, end, 40, end, start, grace=GRACE, zone=SHANGHAI) == {}
    # Signed in and out after the lesson ended: no time in the lesson.
    assert (
        credit(
            start, end, 40, end + timedelta(minutes=10), end + timedelta(hours=1), grace=GRACE, zone=SHANGHAI
        )
        == {}
    )


def test_a_night_lesson_across_midnight_counts_in_its_year_and_on_the_day_it_ended():
    start, end = at(2026, 6, 30, 22), at(2026, 7, 1, 2)
    assert credit(start, end, 50, start, end, grace=GRACE, zone=SHANGHAI) == {2026: (50, date(2026, 7, 1))}


def test_a_lesson_across_new_year_credits_each_local_year_its_part():
    # 22:00 to 02:00 Beijing time is 14:00 to 18:00 UTC on 31 December: one UTC year, two local ones.
    start, end = at(2025, 12, 31, 22), at(2026, 1, 1, 2)
    got = credit(start, end, 40, start, end, grace=GRACE, zone=SHANGHAI)
    assert got == {2025: (20, date(2025, 12, 31)), 2026: (20, date(2026, 1, 1))}


def test_leaving_at_new_year_midnight_credits_only_the_old_year():
    start, end = at(2025, 12, 31, 22), at(2026, 1, 1, 2)
    got = credit(start, end, 40, start, at(2026, 1, 1, 0), grace=GRACE, zone=SHANGHAI)
    assert got == {2025: (20, date(2025, 12, 31))}


@given(
    minutes_in=st.integers(0, 600),
    minutes_out=st.integers(0, 600),
    tenths=st.integers(1, 200),
    start_minute=st.integers(0, 60 * 24 * 2),
)
def test_parts_never_exceed_the_lesson_and_always_add_up(minutes_in, minutes_out, tenths, start_minute):
    start = at(2025, 12, 30, 0) + timedelta(minutes=start_minute)
    end = start + timedelta(hours=10)
    signed_in = start + timedelta(minutes=minutes_in)
    signed_out = signed_in + timedelta(minutes=minutes_out)
    got = credit(start, end, tenths, signed_in, signed_out, grace=GRACE, zone=SHANGHAI)
    total = sum(t for t, _ in got.values())
    assert 0 <= total <= tenths
    assert all(t > 0 for t, _ in got.values())
    present = (min(signed_out, end) - max(signed_in, start)).total_seconds()
    if present > 0 and minutes_in > 5 and signed_out < end - GRACE:
        assert total == int(tenths * present // 36000)


@pytest.mark.parametrize("zone", [ZoneInfo("UTC"), SHANGHAI])
def test_years_follow_the_given_zone(zone):
    start = datetime(2025, 12, 31, 20, tzinfo=ZoneInfo("UTC"))
    end = start + timedelta(hours=4)  # 20:00–24:00 UTC is 04:00–08:00 on 1 January in Beijing
    got = credit(start, end, 40, start, end, grace=GRACE, zone=zone)
    assert set(got) == ({2025} if zone.key == "UTC" else {2026})
