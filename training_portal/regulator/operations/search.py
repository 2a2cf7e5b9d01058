"""The regulators' search for people, with the badges of their certificates and posts."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import and_, func, select

from ...certificates.models import Certificate, CertificateState
from ...certificates.operations import SERIAL, today
from ...core import policy
from ...core.db import db
from ...organisations.models import Organisation
from ...people import operations as people_ops
from ...people.models import Person

_ID_NUMBER = re.compile(r"^\d{15}(\d{2}[\dXx])?$")


def _name_condition(text: str):
    """A partial name. On PostgreSQL through the GIN index on the name's character pairs
    (``portal_bigrams``, see the migration), then checked exactly; one character is a surname."""
    if len(text) == 1:
        return Person.name.startswith(text, autoescape=True)
    contains = Person.name.contains(text, autoescape=True)
    if db.engine.dialect.name == "postgresql":
        return and_(func.portal_bigrams(Person.name).op("@>")(func.portal_bigrams(text)), contains)
    return contains


def search_people(user, text: str, limit: int = 200) -> list[Person]:
    """People in the user's jurisdiction by 身份证号, certificate serial, (partial) name, or the
    name of their employer. Each kind of match is its own indexed query; the results merge."""
    text = text.strip()
    if not text:
        return []
    visible = people_ops.visible_people(user)
    upper = text.upper()
    if _ID_NUMBER.match(text):
        queries = [visible.where(Person.id_number == upper)]
    elif SERIAL.match(upper):
        holder = select(Certificate.person_id).where(Certificate.serial == upper)
        queries = [visible.where(Person.id.in_(holder))]
    else:
        employers = select(Organisation.id).where(Organisation.name.contains(text, autoescape=True))
        queries = [visible.where(_name_condition(text)), visible.where(Person.employer_id.in_(employers))]
    found: dict[int, Person] = {}
    for query in queries:
        for person in db.session.scalars(query.order_by(Person.name, Person.id).limit(limit)):
            found.setdefault(person.id, person)
    return sorted(found.values(), key=lambda p: (p.name, p.id))[:limit]


def badges(people: list[Person], on: date | None = None) -> dict[int, list[str]]:
    """Status badges per person: valid / due for 复审 / expired / revoked, and training deficit."""
    from ...training import ledger

    on = on or today()
    found: dict[int, list[str]] = {p.id: [] for p in people}
    for certificate in db.session.scalars(select(Certificate).where(Certificate.person_id.in_(found))):
        state = certificate.state(on)
        if (
            state is CertificateState.VALID
            and certificate.next_review_on
            and certificate.next_review_on
            <= on + timedelta(days=policy.get("special_ops.review_window_days"))
        ):
            state_value = "review_soon"
        else:
            state_value = state.value
        if state_value not in found[certificate.person_id]:
            found[certificate.person_id].append(state_value)
    short = {p.id for p, _line in ledger.deficits(select(Person).where(Person.id.in_(found)), on.year)}
    for person_id in short:
        found[person_id].append("training_deficit")
    return found
