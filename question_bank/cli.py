"""``flask questions import|export|list``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from training_portal.core.db import db

from . import formats
from . import operations as ops

questions_cli = AppGroup("questions", help="The question bank.")
FORMAT_CHOICES = click.Choice(["auto", *formats.FORMATS])


@questions_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=FORMAT_CHOICES, default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_command(path: Path, fmt: str, as_json: bool) -> None:
    """Import a question file, all or nothing. Exit status 1 when an error stopped it."""
    try:
        report = ops.import_questions(path.read_bytes(), fmt=fmt, filename=path.name)
        if report.ok:
            db.session.commit()
        else:
            db.session.rollback()
    except BaseException:
        db.session.rollback()
        raise
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        click.echo(
            f"imported {report.imported}, updated {report.updated}, "
            f"unchanged {report.unchanged}, skipped {len(report.skipped)}, "
            f"notes {len(report.notes)}, errors {len(report.errors)}"
        )
        for issue in report.skipped:
            click.echo(f"skipped {issue.item}: {issue.reason}")
        for issue in report.notes:
            click.echo(f"note {issue.item}: {issue.reason}")
        for issue in report.errors:
            click.echo(f"error {issue.item}: {issue.reason}", err=True)
    if not report.ok:
        sys.exit(1)


@questions_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(list(formats.FORMATS)), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--category", default="", help="Only questions under this category path.")
def export_command(fmt: str, out: Path, category: str) -> None:
    """Write the bank's questions (all but retired ones) to a file."""
    questions = [ops.question_data(v, q.external_id) for q, v in ops.questions_in(category)]
    out.write_bytes(formats.write(questions, fmt))
    click.echo(f"exported {len(questions)} questions to {out}")


@questions_cli.command("list")
@click.option("--json", "as_json", is_flag=True, required=True, help="JSON (the only form).")
@click.option("--category", default="")
def list_command(as_json: bool, category: str) -> None:
    """The bank's questions as JSON: id, type, stem, options, correct options, category, points
    and ``applies_to`` (registry codes; ``[]`` means every category)."""
    listing = [
        {
            "id": q.id,
            "external_id": q.external_id or "",
            "status": str(q.status),
            "type": v.type,
            "stem": v.stem,
            "options": list(v.options),
            "correct": [v.options[i] for i in v.correct],
            "category": v.category,
            "applies_to": list(v.applies_to),
            "points": v.points,
        }
        for q, v in ops.questions_in(category)
    ]
    click.echo(json.dumps(listing, ensure_ascii=False))
