"""Each scripted incident is found, at the right time, and nothing else is."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from proctoring.analysis import EVENT_KINDS, Event, Report, analyse
from proctoring.synthetic import Scripted, reference_jpeg

from .conftest import ROSTER, SCRIPT, Recording, make

# Every test here makes or analyses video: slow (run with the full suite, `make test`).
pytestmark = pytest.mark.slow

# Samples come every 2 s and stretches are smoothed over a few samples: a found event may
# start or end up to two samples (4 s) away from the scripted time.
SLACK_S = 4.0


def matching(events: list[Event], want: Scripted) -> list[Event]:
    return [
        e
        for e in events
        if e.kind == want.kind
        and abs(e.start_s - want.start_s) <= SLACK_S
        and abs(e.end_s - want.end_s) <= SLACK_S
    ]


@pytest.mark.parametrize("want", SCRIPT, ids=[f"{e.kind}@{e.start_s:g}" for e in SCRIPT])
def test_each_scripted_event_is_found(incidents_report: Report, want: Scripted) -> None:
    found = matching(incidents_report.events, want)
    assert len(found) == 1, incidents_report.events
    assert 0.5 <= found[0].confidence <= 1.0


def test_no_other_events(incidents_report: Report) -> None:
    extra = [e for e in incidents_report.events if not any(e in matching([e], w) for w in SCRIPT)]
    assert extra == []
    assert {e.kind for e in incidents_report.events} == set(EVENT_KINDS)


def test_events_carry_small_jpeg_evidence(incidents_report: Report) -> None:
    for e in incidents_report.events:
        assert e.evidence_jpeg is not None and e.evidence_jpeg[:2] == b"\xff\xd8"
        img = cv2.imdecode(np.frombuffer(e.evidence_jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert img.shape[1] == 320 and len(e.evidence_jpeg) < 40_000


def test_replay_points_at_its_source(incidents_report: Report) -> None:
    loops = sorted((e for e in incidents_report.events if e.kind == "looped"), key=lambda e: e.start_s)
    assert [e.detail["source_s"] for e in loops] == [4.0, 126.0]


def test_clean_footage_raises_no_events(clean_report: Report) -> None:
    assert clean_report.events == []


def test_without_roster_no_headcount_events(incidents: Recording) -> None:
    report = analyse(incidents.path)
    kinds = {e.kind for e in report.events}
    assert "absent" not in kinds and "overcrowded" not in kinds
    assert {"covered", "dark", "frozen", "scene_change", "looped"} <= kinds


def test_reference_view_given(tmp_path) -> None:
    # The camera points the wrong way for the first 30 s. With the proper view given as a
    # JPEG that stretch is the scene change; without it, the first steady view is taken as
    # the reference, and the proper view is what differs from it.
    rec = make(tmp_path / "turned.mp4", duration_s=70.0, seed=7, events=(Scripted("scene_change", 0, 30),))
    with_ref = analyse(rec.path, reference=reference_jpeg(rec.spec, 40.0))
    assert [(e.kind, e.start_s, e.end_s) for e in with_ref.events] == [("scene_change", 0.0, 30.0)]
    without = analyse(rec.path)
    assert [(e.kind, e.start_s) for e in without.events] == [("scene_change", 30.0)]


def test_absent_needs_a_sustained_stretch(tmp_path) -> None:
    # Someone out for 10 s (shorter than ABSENT_MIN_S) is not an incident.
    out = Scripted("absent", 20, 30, seats=(2,))
    rec = make(tmp_path / "brief.mp4", duration_s=60.0, seed=9, events=(out,))
    assert analyse(rec.path, roster=ROSTER).events == []
