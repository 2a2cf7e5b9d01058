"""Slower checks on benchmark-sized footage (960x540): run with ``-m slow``."""

from __future__ import annotations

import numpy as np
import pytest

from proctoring.analysis import analyse
from proctoring.synthetic import Scripted

from .conftest import make

pytestmark = pytest.mark.slow


def test_replay_whose_keyframes_fall_between_the_originals(tmp_path) -> None:
    # Replayed footage re-encoded from an arbitrary point: its keyframes show moments 0.4 s
    # after the original's keyframes, under a running clock.
    replay = Scripted("looped", 60, 80, source_s=14.4)
    rec = make(
        tmp_path / "offset.mp4",
        duration_s=100.0,
        width=960,
        height=540,
        rows=3,
        cols=6,
        face_px=(14, 55),
        seed=21,
        events=(replay,),
    )
    report = analyse(rec.path, roster=rec.spec.roster, workers=2)
    assert [(e.kind, e.start_s, e.end_s) for e in report.events] == [("looped", 60.0, 80.0)]
    exact = [s.faces == rec.truth.counts[int(s.t)] for s in report.samples]
    assert np.mean(exact) >= 0.95
