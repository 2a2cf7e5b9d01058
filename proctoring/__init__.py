"""Classroom and exam-room video: uploads and OpenCV analysis (issue: video proctoring)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

# The analysis API lives in ``proctoring.analysis`` (``analyse``, ``probe``, ``Report``,
# ``Sample``, ``Event``, ``NotAVideo``); it is not imported here so that importing the
# package (e.g. by the app factory) does not load OpenCV and FFmpeg.


def init_app(app: Flask) -> None:
    """Register ``flask proctoring ...`` commands, the models and the analysis task."""
    from . import models, tasks  # noqa: F401  (tables for the migrations; the Celery task)
    from .cli import proctoring_cli

    app.cli.add_command(proctoring_cli)
