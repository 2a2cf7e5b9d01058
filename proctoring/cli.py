"""``flask proctoring analyze PATH --json [--roster N]``: the analysis as JSON on stdout.

The JSON shape is a contract other systems rely on:
``{"duration_s", "wall_s", "samples": [{"t", "faces"}], "events": [{"kind", "start_s", "end_s",
"confidence"}]}``. A file that is not a complete video gives a message on stderr and exit 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

proctoring_cli = AppGroup("proctoring", help="Classroom video analysis.")


@proctoring_cli.command("analyze")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (the only output format).")
@click.option(
    "--roster",
    type=click.IntRange(min=0),
    default=None,
    help="Trainees expected in view: enables 'absent' and 'overcrowded'.",
)
@click.option(
    "--reference",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="JPEG of the camera's proper view, for 'scene_change'.",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=2, show_default=True, help="Threads to analyse with."
)
def analyze(path: Path, as_json: bool, roster: int | None, reference: Path | None, workers: int) -> None:
    """Analyse the recording at PATH: head counts over time and incidents."""
    from .analysis import NotAVideo, analyse  # OpenCV, FFmpeg and the detector: only when analysing

    try:
        report = analyse(
            path, roster=roster, workers=workers, reference=reference.read_bytes() if reference else None
        )
    except NotAVideo as exc:
        click.echo(f"{path}: {exc.reason}", err=True)
        sys.exit(1)
    data = report.as_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(
        f"{path}: {report.duration_s:.0f} s analysed in {report.wall_s:.1f} s, {len(report.samples)} samples"
    )
    for e in report.events:
        click.echo(f"  {e.kind:<13} {e.start_s:8.1f} – {e.end_s:8.1f} s  confidence {e.confidence:.2f}")
    if not report.events:
        click.echo("  no events")


def main() -> None:  # ``python -m proctoring.cli analyze PATH --json`` without an app
    from flask import Flask
    from flask_babel import Babel

    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        proctoring_cli.main(prog_name="proctoring")


if __name__ == "__main__":
    main()
