"""``flask import regions|organisations|people PATH [--json]``: a province from its files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from ..core.db import db
from . import operations as ops
from .models import ImportKind

import_cli = AppGroup("import", help="Import regions, organisations or people from Excel files.")


def _run(kind: ImportKind, path: Path, as_json: bool) -> None:
    """All or nothing; the row errors in Chinese; exit status 1 when there are any."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            result = ops.run_import(kind, path.read_bytes(), actor=None, filename=path.name)
            if result.errors:
                db.session.rollback()
            else:
                db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        if as_json:
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        elif result.errors:
            for error in result.errors:
                click.echo(str(error), err=True)
        else:
            click.echo(f"created {result.created}, updated {result.updated}")
    if result.errors:
        sys.exit(1)


_PATH = click.Path(exists=True, dir_okay=False, path_type=Path)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


@import_cli.command("regions")
@click.argument("path", type=_PATH)
@_JSON
def regions(path: Path, as_json: bool) -> None:
    """Administrative divisions (行政区划代码, 名称, 上级代码, 级别)."""
    _run(ImportKind.REGIONS, path, as_json)


@import_cli.command("organisations")
@click.argument("path", type=_PATH)
@_JSON
def organisations(path: Path, as_json: bool) -> None:
    """Mines, training centers and regulator units."""
    _run(ImportKind.ORGANISATIONS, path, as_json)


@import_cli.command("people")
@click.argument("path", type=_PATH)
@_JSON
def people(path: Path, as_json: bool) -> None:
    """People with their posts."""
    _run(ImportKind.PEOPLE, path, as_json)
