"""Head counts on clean footage, sampling, progress and determinism."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from proctoring.analysis import Report, analyse

from .conftest import ROSTER, Recording, make

# Every test here makes or analyses video: slow (run with the full suite, `make test`).
pytestmark = pytest.mark.slow


def test_counts_exact_on_clean_footage(clean: Recording, clean_report: Report) -> None:
    exact = [s.faces == clean.truth.counts[int(s.t)] for s in clean_report.samples]
    assert np.mean(exact) >= 0.95
    assert all(s.faces == ROSTER for s in clean_report.samples[:5])


def test_counts_follow_people_leaving_and_visitors(incidents: Recording, incidents_report: Report) -> None:
    clean = set(incidents.truth.clean_seconds())
    truth = incidents.truth.counts
    exact = [s.faces == truth[int(s.t)] for s in incidents_report.samples if int(s.t) in clean]
    assert len(exact) > 20 and np.mean(exact) >= 0.95


def test_a_sample_at_least_every_two_seconds(clean: Recording, clean_report: Report) -> None:
    times = [s.t for s in clean_report.samples]
    assert times[0] == 0.0 and times[-1] >= clean.spec.duration_s - 2.0
    assert max(np.diff(times)) <= 2.0 + 1e-6


def test_long_gop_falls_back_to_decoding_every_frame(tmp_path) -> None:
    rec = make(tmp_path / "gop5.mp4", duration_s=30.0, gop_s=5.0)
    report = analyse(rec.path)
    times = [s.t for s in report.samples]
    assert max(np.diff(times)) <= 2.0 + 1e-6 and len(times) == 15
    assert report.events == []


def test_same_result_twice_and_with_any_number_of_workers(clean: Recording, clean_report: Report) -> None:
    # wall_s is the only field allowed to differ.
    again = analyse(clean.path, roster=ROSTER, workers=1)
    assert replace(again, wall_s=0.0) == replace(clean_report, wall_s=0.0)


def test_same_events_and_evidence_twice(incidents: Recording, incidents_report: Report) -> None:
    again = analyse(incidents.path, roster=ROSTER, workers=3)
    assert again.events == incidents_report.events  # including the evidence JPEG bytes
    assert again.samples == incidents_report.samples


def test_progress_grows_to_one(clean: Recording) -> None:
    seen: list[float] = []
    analyse(clean.path, progress=seen.append, workers=2)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert all(b > a for a, b in zip(seen, seen[1:], strict=False))
    single: list[float] = []
    analyse(clean.path, progress=single.append)
    assert len(single) > 10 and single[-1] == 1.0
