"""``flask categories list [--json]``: the registry of personnel categories."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from . import categories

categories_cli = AppGroup("categories", help="Personnel categories.")


@categories_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the registry as JSON.")
@click.option(
    "--lang", default=None, help="The labels' language; the portal's default (Chinese) if not given."
)
def list_command(as_json: bool, lang: str | None) -> None:
    """Every registered category: code, label, operation types, practical exam, validity,
    复审 interval and serial letter (the numbers as the policy table has them now)."""
    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        if as_json:
            click.echo(categories.registry_json())
            return
        for row in (c.as_json() for c in categories.REGISTRY.values()):
            click.echo(
                f"{row['code']:<20} {row['label']:<12} prefix={row['serial_prefix'] or '-'} "
                f"valid={row['validity_years'] or '-'} review={row['review_years'] or '-'} "
                f"practical={'yes' if row['practical_exam'] else 'no'} "
                f"operations={len(row['operation_types'])}"
            )
