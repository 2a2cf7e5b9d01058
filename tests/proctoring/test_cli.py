"""``flask proctoring analyze PATH --json [--roster N]``: the JSON contract and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from .conftest import ROSTER, Recording

# Every test here makes or analyses video: slow (run with the full suite, `make test`).
pytestmark = pytest.mark.slow


@pytest.fixture()
def app(tmp_path: Path) -> Flask:
    from training_portal import create_app

    return create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"},
        instance_path=str(tmp_path),
    )


def test_json_shape(app: Flask, incidents: Recording) -> None:
    result = app.test_cli_runner().invoke(
        args=["proctoring", "analyze", str(incidents.path), "--json", "--roster", str(ROSTER)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"duration_s", "wall_s", "samples", "events"}
    assert data["duration_s"] == 186.0 and data["wall_s"] > 0
    assert all(set(s) == {"t", "faces"} for s in data["samples"])
    assert all(set(e) == {"kind", "start_s", "end_s", "confidence"} for e in data["events"])
    kinds = {e["kind"] for e in data["events"]}
    assert kinds == {"absent", "overcrowded", "covered", "dark", "frozen", "scene_change", "looped"}


def test_non_video_exits_1_with_a_message(app: Flask, tmp_path: Path) -> None:
    bogus = tmp_path / "lesson.mp4"
    bogus.write_text("hello")
    result = CliRunner().invoke(app.cli, ["proctoring", "analyze", str(bogus), "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "不是视频" in result.stderr  # the default language is zh_CN
