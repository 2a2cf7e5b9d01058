"""Real faces at CCTV scale: the detector registry, people moving, leaving mid-slot, and
rosters given per stretch of a recording."""

from __future__ import annotations

import numpy as np
import pytest

from proctoring import detectors
from proctoring.analysis import analyse
from proctoring.synthetic import Classroom, ClassroomSpec, Scripted

from .conftest import make

pytestmark = pytest.mark.slow


def test_the_registry_names_a_cnn_detector_with_its_licence() -> None:
    assert "libfacedetection" in detectors.names()
    detector = detectors.get("libfacedetection")
    assert "BSD-3-Clause" in detector.licence
    with pytest.raises(detectors.DetectorUnavailable, match="haar"):
        detectors.get("haar")  # the cascade is gone


def test_the_detector_finds_the_real_faces_of_a_classroom() -> None:
    # 18 seated trainees of the LFW photographs, faces 14-55 px, turned, tilted, looking down.
    spec = ClassroomSpec(width=960, height=540, rows=3, cols=6, face_px=(14, 55), seed=11)
    room = Classroom(spec)
    image = room.frame(10.0, 10.0)
    detector = detectors.get()
    boxes = detector.detect(image)
    centres = boxes[:, :2] + boxes[:, 2:4] / 2
    found = [
        np.min(np.linalg.norm(centres - (p.x, p.y), axis=1)) < p.size * 0.8 if len(boxes) else False
        for p in room.people
        if p.size >= 20
    ]  # the whole frame at full size: the larger faces
    assert sum(found) >= len(found) - 1
    assert len(boxes) <= len(room.people)  # and nothing but faces


def test_counts_follow_people_moving_seats_and_leaving_between_full_scans(tmp_path) -> None:
    # One trainee walks to the empty seat beside; two leave at 27 s, between full scans.
    events = (Scripted("moved", 6, 14, seats=(1, 3)), Scripted("absent", 27, 80, seats=(4, 6)))
    rec = make(tmp_path / "moving.mp4", duration_s=60.0, seed=13, empty_seats=(3,), events=events)
    report = analyse(rec.path, workers=2)
    truth = rec.truth.counts
    settled = [s for s in report.samples if not 25 <= s.t <= 31]  # a sample to notice, one to confirm
    exact = [s.faces == truth[int(s.t)] for s in settled]
    assert np.mean(exact) >= 0.95, [(s.t, s.faces, truth[int(s.t)]) for s in settled]
    assert all(s.faces == rec.spec.roster - 2 for s in report.samples if s.t >= 32)


def test_a_roster_per_stretch_judges_each_lesson_against_its_own_sign_ins(tmp_path) -> None:
    # 8 people throughout; the first lesson had 8 signed in, the second claims 10.
    rec = make(tmp_path / "two-lessons.mp4", duration_s=90.0, seed=3)
    report = analyse(rec.path, roster=[(0.0, 40.0, 8), (40.0, 90.0, 10)])
    assert [(e.kind, e.start_s) for e in report.events] == [("absent", 40.0)]
    assert report.events[0].detail["roster"] == 10
