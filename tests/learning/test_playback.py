"""The counting rule on simulated playback reports: what earns study time and what does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from training_portal.learning import playback as pb

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
RULES = pb.Rules(
    max_gap_s=30, idle_s=600, max_rate=2.0, tolerance_s=2, check_every_s=600, answer_within_s=120
)


class Player:
    """A viewing's state and a clock; ``step`` reports after ``seconds`` of server time."""

    def __init__(self, duration_s: float = 1200.0, check_at_s: float = 10_000.0) -> None:
        self.state = pb.State(duration_s=duration_s, check_at_s=check_at_s)
        self.now, self.seq, self.position = T0, 0, 0.0
        self.report(0, 0)

    def report(self, seconds: float, advance: float, **flags) -> pb.Outcome:
        self.now += timedelta(seconds=seconds)
        self.seq += 1
        self.position += advance
        fields = {"playing": True, "muted": False, "visible": True, "rate": 1.0, "interacted": True} | flags
        return pb.apply(
            self.state, pb.Report(seq=self.seq, position=self.position, **fields), self.now, RULES
        )

    def watch(self, seconds: float, **flags) -> list[pb.Outcome]:
        """Play on at normal speed, reporting every 10 s."""
        return [self.report(10, 10, **flags) for _ in range(int(seconds // 10))]


def test_normal_watching_is_held_until_a_right_check_answer_credits_it():
    p = Player(check_at_s=60)
    outcomes = p.watch(60)
    assert [o.reason for o in outcomes] == [pb.COUNTED] * 6
    assert p.state.pending_s == 60 and p.state.credited_s == 0
    assert outcomes[-1].ask_check and p.state.check_open_at == p.now
    assert p.report(10, 10).reason == pb.CHECK_OPEN  # nothing more is held while the question waits
    assert pb.answer_check(p.state, True, p.now + timedelta(seconds=5), RULES) == 60
    assert p.state.credited_s == 60 and p.state.pending_s == 0 and p.state.check_open_at is None


def test_skipping_ahead_earns_nothing_and_counting_goes_on_after():
    p = Player()
    p.watch(20)
    skipped = p.report(10, 300)  # dragged the slider five minutes on
    assert (skipped.reason, skipped.earned_s) == (pb.SKIPPED, 0)
    assert p.report(10, 10).earned_s == 10
    assert p.state.pending_s == 30


def test_reports_faster_than_the_server_clock_are_skips():
    """A script claiming ten seconds of progress every second: the server's clock decides."""
    p = Player()
    assert {p.report(1, 10).reason for _ in range(5)} == {pb.SKIPPED}
    assert p.state.pending_s == 0


def test_muted_and_hidden_earns_nothing_but_either_alone_does():
    p = Player()
    assert p.report(10, 10, muted=True, visible=False).reason == pb.MUTED_HIDDEN
    assert p.report(10, 10, muted=True).earned_s == 10
    assert p.report(10, 10, visible=False).earned_s == 10
    assert p.state.pending_s == 20


def test_paused_time_earns_nothing():
    p = Player()
    assert p.report(10, 0, playing=False).reason == pb.PAUSED
    assert p.report(10, -30).reason == pb.PAUSED  # went back: watching again is not new time
    assert p.state.pending_s == 0


def test_no_interaction_for_the_idle_minutes_stops_counting_until_answered():
    p = Player()
    outcomes = p.watch(660, interacted=False)
    idle = [o for o in outcomes if o.reason == pb.IDLE]
    assert idle and idle[0].ask_idle and p.state.idle_prompt
    assert p.state.pending_s == 600  # the ten minutes before the prompt, not one second after
    assert p.report(10, 10).reason == pb.IDLE  # touching the page is not answering the question
    pb.still_here(p.state, p.now)
    assert p.report(10, 10).earned_s == 10


def test_a_wrong_or_late_check_answer_loses_the_segment():
    p = Player(check_at_s=50)
    p.watch(50)
    assert pb.answer_check(p.state, False, p.now, RULES) == 0
    assert p.state.credited_s == 0 and p.state.pending_s == 0

    p = Player(check_at_s=50)
    p.watch(50)
    assert p.report(130, 0, playing=False).reason == pb.CHECK_MISSED  # unanswered past its time
    assert p.state.pending_s == 0 and p.state.check_open_at is None


def test_double_speed_earns_real_time_and_faster_earns_nothing():
    p = Player()
    assert p.report(10, 20, rate=2.0).earned_s == 10
    assert p.report(10, 40, rate=4.0).reason == pb.TOO_FAST
    assert p.report(10, 20, rate=1.0).reason == pb.SKIPPED  # claiming 1x while covering 2x
    assert p.state.pending_s == 10


def test_a_long_silence_credits_at_most_one_reports_worth():
    p = Player()
    assert p.report(100, 100).earned_s == 30


def test_a_replayed_or_old_report_is_refused():
    p = Player()
    p.report(10, 10)
    p.seq -= 1
    with pytest.raises(pb.StaleReport):
        p.report(10, 10)


def test_the_end_of_the_video_asks_the_last_check_and_credit_never_passes_its_length():
    p = Player(duration_s=40, check_at_s=10_000)
    outcomes = p.watch(40)
    assert outcomes[-1].ask_check
    pb.answer_check(p.state, True, p.now, RULES)
    p.report(10, -40)  # back to the start, and the whole video again
    again = p.watch(40)
    assert sum(o.earned_s for o in again) == 0 and not any(o.ask_check for o in again)
    assert p.state.credited_s == 40
