"""Hour arithmetic: what one attendance earns, split by the calendar year it was earned in.

Pure functions of times and numbers; the operations store their answer as ``HourCredit`` rows.
A lesson worth ``tenths`` is earned in full by a trainee present from its start to its end
(arriving up to ``grace`` late or leaving up to ``grace`` early still counts as present);
otherwise in proportion to the time present, rounded down to a tenth of a 学时. Years are the
province's local calendar years, so a night lesson across New Year's midnight credits each year
with its own part, and the parts always add up to the whole.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo


def _year_pieces(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[int, float, date]]:
    """(year, seconds, local date the piece ends) for [start, end) cut at local New Year."""
    pieces = []
    cursor = start
    while cursor < end:
        local = cursor.astimezone(zone)
        new_year = datetime(local.year + 1, 1, 1, tzinfo=zone)
        stop = min(end, new_year)
        last_moment = (stop - timedelta(microseconds=1)).astimezone(zone)
        pieces.append((local.year, (stop - cursor).total_seconds(), last_moment.date()))
        cursor = stop
    return pieces


def credit(
    lesson_start: datetime,
    lesson_end: datetime,
    lesson_tenths: int,
    signed_in: datetime | None,
    signed_out: datetime | None,
    *,
    grace: timedelta,
    zone: tzinfo,
) -> dict[int, tuple[int, date]]:
    """{year: (tenths, date earned)} for one attendance; empty without both signatures."""
    if signed_in is None or signed_out is None or signed_out <= signed_in:
        return {}
    start = lesson_start if signed_in <= lesson_start + grace else signed_in
    end = lesson_end if signed_out >= lesson_end - grace else signed_out
    if end <= start:
        return {}
    lesson_seconds = (lesson_end - lesson_start).total_seconds()
    pieces = _year_pieces(start, end, zone)
    present = sum(seconds for _, seconds, _ in pieces)
    total = int(lesson_tenths * present // lesson_seconds)
    result: dict[int, tuple[int, date]] = {}
    given = 0
    for index, (year, seconds, earned_on) in enumerate(pieces):
        # Each year gets its share; the last takes what rounding left, so parts add up to the whole.
        share = total - given if index == len(pieces) - 1 else int(total * seconds // present)
        given += share
        if share > 0:
            result[year] = (share, earned_on)
    return result
