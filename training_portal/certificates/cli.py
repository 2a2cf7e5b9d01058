"""``flask certificates sample --out F.pdf``: a sample certificate for a demo person."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..accounts.models import User
from ..core.db import db
from ..core.pdf import create_pdf
from ..people.models import Person
from . import operations as ops

certificates_cli = AppGroup("certificates", help="Certificates.")


@certificates_cli.command("sample")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--id-number", default=None, help="The person; the demo trainee by default.")
def sample(out: str, id_number: str | None) -> None:
    """Render the certificate a person would get (nothing is issued or stored)."""
    if id_number:
        person = db.session.scalar(select(Person).where(Person.id_number == id_number.upper()))
    else:
        person = db.session.scalar(
            select(Person).join(User, User.person_id == Person.id).where(User.username == "trainee")
        )
    if person is None:
        raise click.ClickException("no such person; run `flask seed-demo` for the demo trainee")
    data = create_pdf(ops.PDF_TEMPLATE, [ops.sample_context(person)])
    Path(out).write_bytes(data)
    click.echo(f"{out}: {len(data)} bytes, certificate of {person.name}")
