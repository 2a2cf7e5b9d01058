"""The counting rule: how much study time a stretch of playback earns.

Pure functions of a viewing's state, one playback report and the server's clock. The page
reports every few seconds where the video stands and how it plays; those reports are evidence
signed by nothing but the log-in, so the server trusts only its own clock: a report credits at
most the wall-clock time since the report before it (itself at most ``max_gap_s``), never time
the position jumped ahead by, never paused, muted-and-hidden or idle time, and never more than
real time at a faster rate. What a stretch earns is held (``pending_s``) until the next check
question, asked when the held time reaches a point the server drew at random: a right answer in
time credits it, a wrong or missing one loses it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

# Why a stretch earned what it did; the page shows the label, the table counts them.
COUNTED = "counted"
STARTED = "started"
PAUSED = "paused"
SKIPPED = "skipped"
MUTED_HIDDEN = "muted_hidden"
TOO_FAST = "too_fast"
IDLE = "idle"
CHECK_OPEN = "check_open"
CHECK_MISSED = "check_missed"
PARALLEL = "parallel"  # another viewing of the same person counted within max_gap_s


class StaleReport(ValueError):
    """A report whose sequence number is not above the last one (a replay or another tab)."""


@dataclass(frozen=True)
class Report:
    seq: int
    position: float  # seconds into the video
    playing: bool
    muted: bool
    visible: bool
    rate: float
    interacted: bool  # a touch, click or key on the page since the report before


@dataclass(frozen=True)
class Rules:
    max_gap_s: float = 30.0  # a longer silence credits no more than this
    idle_s: float = 600.0  # no interaction this long: "还在学习吗？"
    max_rate: float = 2.0  # faster than this earns nothing
    tolerance_s: float = 2.0  # timer jitter between position and the clock
    check_every_s: float = 600.0  # a check question at least once per this much held time
    answer_within_s: float = 120.0


@dataclass
class State:
    """What the server keeps of one viewing between reports (the ``Viewing`` row's columns)."""

    duration_s: float
    seq: int = 0
    last_at: datetime | None = None
    position: float = 0.0
    interaction_at: datetime | None = None
    idle_prompt: bool = False
    pending_s: float = 0.0
    credited_s: float = 0.0
    check_at_s: float = 0.0  # held seconds at which the next check is asked
    check_open_at: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    reason: str
    earned_s: float  # held for the next check, not yet credited
    elapsed_s: float = 0.0  # the server's clock since the last report, clamped
    ask_check: bool = False
    ask_idle: bool = False


def next_check_at(duration_s: float, rules: Rules, rng: random.Random | None = None) -> float:
    """Where the next check falls, in held seconds: somewhere in the later 70 % of a segment,
    the segment being the policy's interval or 80 % of a shorter video."""
    segment = max(min(rules.check_every_s, 0.8 * duration_s), 1.0)
    return (rng or random.SystemRandom()).uniform(0.3 * segment, segment)


def apply(state: State, report: Report, now: datetime, rules: Rules, *, elsewhere: bool = False) -> Outcome:
    """Take one report into ``state`` and say what the stretch since the last one earned.
    ``elsewhere``: another viewing of the same person earned time within ``max_gap_s``; a
    person studies one video at a time, so this stretch earns nothing."""
    if report.seq <= state.seq:
        raise StaleReport(report.seq)
    previous_at, previous_position = state.last_at, state.position
    state.seq, state.last_at, state.position = report.seq, now, max(report.position, 0.0)
    if report.interacted or state.interaction_at is None:
        state.interaction_at = now
    if previous_at is None:
        return Outcome(STARTED, 0.0)
    elapsed = max((now - previous_at).total_seconds(), 0.0)
    advanced = report.position - previous_position
    reason, earned = _stretch(state, report, now, rules, elapsed, advanced, elsewhere)
    state.pending_s += earned
    at_end = report.position >= state.duration_s - rules.tolerance_s
    ask_check = (
        state.check_open_at is None
        and state.pending_s > 0
        and (state.pending_s >= state.check_at_s or at_end)
    )
    if ask_check:
        state.check_open_at = now
    return Outcome(
        reason, earned, min(elapsed, rules.max_gap_s), ask_check=ask_check, ask_idle=state.idle_prompt
    )


def _stretch(
    state: State,
    report: Report,
    now: datetime,
    rules: Rules,
    elapsed: float,
    advanced: float,
    elsewhere: bool,
) -> tuple[str, float]:
    if state.check_open_at is not None:
        if (now - state.check_open_at).total_seconds() > rules.answer_within_s:
            lose_segment(state, rules)
            return CHECK_MISSED, 0.0
        return CHECK_OPEN, 0.0
    if state.idle_prompt or (now - state.interaction_at).total_seconds() > rules.idle_s:
        state.idle_prompt = True
        return IDLE, 0.0
    if not report.playing or advanced <= 0:
        return PAUSED, 0.0
    if report.rate > rules.max_rate:
        return TOO_FAST, 0.0
    rate = max(report.rate, 1.0)
    if advanced > elapsed * rate + rules.tolerance_s:  # the server's clock, not the page's
        return SKIPPED, 0.0
    if report.muted and not report.visible:
        return MUTED_HIDDEN, 0.0
    if elsewhere:
        return PARALLEL, 0.0
    # Real time only (at 2x, ten seconds of clock cover twenty of video and earn ten), and no
    # more than one report's worth after a silence.
    earned = min(elapsed, rules.max_gap_s, advanced / rate)
    room = max(state.duration_s - state.credited_s - state.pending_s, 0.0)  # one whole viewing at most
    return COUNTED, min(earned, room)


def answer_check(state: State, right: bool, now: datetime, rules: Rules) -> float:
    """Close the open check: the held time is credited if the answer is right and in time,
    else lost. Return the seconds credited."""
    in_time = (now - state.check_open_at).total_seconds() <= rules.answer_within_s
    credited = state.pending_s if right and in_time else 0.0
    state.credited_s += credited
    lose_segment(state, rules)
    state.interaction_at = now
    return credited


def lose_segment(state: State, rules: Rules) -> None:
    """Drop the held time, close the check and draw where the next one falls."""
    state.pending_s = 0.0
    state.check_open_at = None
    state.check_at_s = next_check_at(state.duration_s, rules)


def still_here(state: State, now: datetime) -> None:
    """The answer to "还在学习吗？": counting goes on from the next report."""
    state.idle_prompt = False
    state.interaction_at = now
