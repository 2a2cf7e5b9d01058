"""Generated classroom recordings, made once per test session (a few seconds each)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from proctoring.analysis import Report, analyse
from proctoring.synthetic import ClassroomSpec, Scripted, Truth, write_classroom

# 640x360, 2 rows of 4 trainees: small enough to generate in ~3 s per minute of footage.
ROSTER = 8

# Every kind, each in a stretch of its own, with clean footage between them.
SCRIPT = (
    Scripted("absent", 20, 44, seats=(1, 5)),
    Scripted("covered", 50, 58),
    Scripted("dark", 64, 72),
    Scripted("frozen", 78, 88),
    Scripted("scene_change", 94, 104),
    Scripted("looped", 112, 126, source_s=4),  # realistic: old pictures under a running clock
    Scripted("overcrowded", 134, 158, extra=2),
    Scripted("looped", 166, 178, source_s=126, same_clock=True),  # simple: the old clock replayed too
)


@dataclass
class Recording:
    path: Path
    spec: ClassroomSpec
    truth: Truth


def make(path: Path, **kw: object) -> Recording:
    spec = ClassroomSpec(**kw)  # type: ignore[arg-type]
    return Recording(path, spec, write_classroom(path, spec))


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    return make(tmp_path_factory.mktemp("video") / "clean.mp4", duration_s=90.0, seed=3)


@pytest.fixture(scope="session")
def clean_report(clean: Recording) -> Report:
    return analyse(clean.path, roster=ROSTER, workers=2)


@pytest.fixture(scope="session")
def incidents(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    return make(tmp_path_factory.mktemp("video") / "incidents.mp4", duration_s=186.0, seed=5, events=SCRIPT)


@pytest.fixture(scope="session")
def incidents_report(incidents: Recording) -> Report:
    return analyse(incidents.path, roster=ROSTER, workers=2)
